/*
 * rawsend.c: a raw TCP client for the hostile-input tests.  It says to
 * 127.0.0.1:PORT what no well-behaved client would, byte for byte, and
 * prints what comes back.
 *
 * usage:
 *   rawsend [-s] [-c size] [-p ms] [-t seconds] [-f file] port [text]
 *	Send text, with \r \n \t \\ \0 and \xNN decoded, or the bytes of
 *	file, in pieces of size bytes with ms between them; -s shuts the
 *	writing side down afterwards.  Then print everything that arrives
 *	until the server closes (exit 0) or the deadline passes (exit 3).
 *   rawsend -C count [-R] [-t seconds] port
 *	Open count connections at once, as fast as possible, then close
 *	them all (-R: with a reset).  Prints "connected=N failed=N".
 *   rawsend -H count [-t seconds] port [text]
 *	Open count connections, send text on each (default: half a
 *	request), and hold them until the server has closed them all or
 *	the deadline passes.  Prints "open N" once they are open, then
 *	"closed=N of N".  Exit 0 when the server closed every one.
 *   rawsend -W path [-k key] [-t seconds] [-f file] port [hex]
 *	Upgrade to a WebSocket at path (the key in X-API-Key), send the
 *	frame bytes given in hex (blanks ignored) or the raw bytes of file,
 *	and print "HTTP <status>", then a line per frame that comes back
 *	("TEXT <payload>", "BINARY <length>", "PING <length>", "PONG
 *	<length>", "CLOSE <code>", "OPCODE <n>"), then "EOF" or "TIMEOUT".
 *
 * The deadline (-t, 10 seconds by default) covers the whole run.  Exit
 * status: 0 closed by the server, 3 deadline, 2 usage or errors.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HALF_REQUEST	"GET /health HTTP/1.1\r\nHost: x\r\n"
#define WS_CLIENT_KEY	"dGhlIHNhbXBsZSBub25jZQ=="	/* RFC 6455's */
#define WS_BUF		(1 << 20)

static struct sockaddr_in	 dst;
static long long		 deadline;	/* monotonic ms */

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: rawsend [-s] [-c size] [-p ms] [-t seconds] "
	    "[-f file] port [text]\n"
	    "       rawsend -C count [-R] [-t seconds] port\n"
	    "       rawsend -H count [-t seconds] port [text]\n"
	    "       rawsend -W path [-k key] [-t seconds] [-f file] port "
	    "[hex]\n");
	exit(2);
}

static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
left_ms(void)
{
	long long	 left = deadline - now_ms();

	return left > 0 ? (int)left : 0;
}

static void
pause_ms(int ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode \r \n \t \\ \0 and \xNN in place; returns the new length. */
static size_t
unescape(char *s)
{
	char	*r = s, *w = s;

	while (*r != '\0') {
		if (*r != '\\' || r[1] == '\0') {
			*w++ = *r++;
			continue;
		}
		r++;
		switch (*r) {
		case 'r':
			*w++ = '\r';
			break;
		case 'n':
			*w++ = '\n';
			break;
		case 't':
			*w++ = '\t';
			break;
		case '0':
			*w++ = '\0';
			break;
		case 'x':
			if (hexval(r[1]) >= 0 && hexval(r[2]) >= 0) {
				*w++ = (char)(hexval(r[1]) * 16 + hexval(r[2]));
				r += 2;
				break;
			}
			/* FALLTHROUGH */
		default:
			*w++ = *r;
			break;
		}
		r++;
	}
	return (size_t)(w - s);
}

/* Decode hex digits in place, skipping blanks; -1 on anything else. */
static ssize_t
unhex(char *s)
{
	char	*r = s, *w = s;
	int	 hi, lo;

	while (*r != '\0') {
		if (*r == ' ' || *r == '\t' || *r == '\n') {
			r++;
			continue;
		}
		if ((hi = hexval(r[0])) < 0 || (lo = hexval(r[1])) < 0)
			return -1;
		*w++ = (char)(hi * 16 + lo);
		r += 2;
	}
	return w - s;
}

static char *
read_file(const char *path, size_t *len)
{
	struct stat	 st;
	char		*buf;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1)
		err(2, "%s", path);
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		err(2, NULL);
	while (off < (size_t)st.st_size) {
		if ((n = read(fd, buf + off, (size_t)st.st_size - off)) <= 0)
			err(2, "%s", path);
		off += (size_t)n;
	}
	close(fd);
	*len = off;
	return buf;
}

/* A blocking connection; connect gives up at the deadline. */
static int
dial(void)
{
	struct timeval	 tv;
	int		 fd, ms = left_ms();

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000 + 1;
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		err(2, "socket");
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) == -1)
		err(2, "connect");
	return fd;
}

/*
 * Send in pieces until the deadline; a server that hung up early ends the
 * sending only.
 */
static void
send_all(int fd, const char *buf, size_t len, size_t piece, int pause)
{
	size_t	 off = 0, n;
	ssize_t	 w;

	while (off < len && left_ms() > 0) {
		n = piece > 0 && len - off > piece ? piece : len - off;
		if ((w = send(fd, buf + off, n, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return;
		}
		off += (size_t)w;
		if (pause > 0 && off < len)
			pause_ms(pause);
	}
}

/* Wait for bytes until the deadline: >0 read, 0 closed, -1 deadline. */
static ssize_t
recv_some(int fd, void *buf, size_t len)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	ssize_t		 n;

	for (;;) {
		if (poll(&pfd, 1, left_ms()) == 0)
			return -1;
		if ((n = read(fd, buf, len)) >= 0)
			return n;
		if (errno != EINTR && errno != EAGAIN)
			return 0;	/* a reset is a close too */
	}
}

static int
raw_mode(int argc, char *argv[], const char *file, size_t piece, int pause,
    int shut)
{
	char	*data, *copy = NULL, buf[16384];
	size_t	 len;
	ssize_t	 n;
	int	 fd;

	if (file != NULL)
		data = copy = read_file(file, &len);
	else if (argc == 1) {
		data = argv[0];
		len = unescape(data);
	} else
		usage();
	fd = dial();
	send_all(fd, data, len, piece, pause);
	if (shut)
		shutdown(fd, SHUT_WR);
	while ((n = recv_some(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fd);
	free(copy);
	return n == 0 ? 0 : 3;
}

/* All at once: non-blocking connects, then wait for them together. */
static int
connect_mode(int count, int reset)
{
	struct pollfd	*pfd;
	struct linger	 lg = { 1, 0 };
	socklen_t	 elen;
	int		*fds, i, e, pending = 0, ok = 0, failed = 0;

	if ((pfd = calloc((size_t)count, sizeof(*pfd))) == NULL ||
	    (fds = calloc((size_t)count, sizeof(*fds))) == NULL)
		err(2, NULL);
	for (i = 0; i < count; i++) {
		pfd[i].fd = -1;		/* poll skips it */
		pfd[i].events = POLLOUT;
		if ((fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK,
		    0)) == -1)
			err(2, "socket");
		if (connect(fds[i], (struct sockaddr *)&dst,
		    sizeof(dst)) == 0)
			ok++;
		else if (errno == EINPROGRESS) {
			pfd[i].fd = fds[i];
			pending++;
		} else
			failed++;
	}
	while (pending > 0 && poll(pfd, (nfds_t)count, left_ms()) > 0) {
		for (i = 0; i < count; i++) {
			if (pfd[i].fd == -1 || pfd[i].revents == 0)
				continue;
			elen = sizeof(e);
			if (getsockopt(fds[i], SOL_SOCKET, SO_ERROR, &e,
			    &elen) == 0 && e == 0)
				ok++;
			else
				failed++;
			pfd[i].fd = -1;
			pending--;
		}
	}
	failed += pending;
	for (i = 0; i < count; i++) {
		if (reset)
			setsockopt(fds[i], SOL_SOCKET, SO_LINGER, &lg,
			    sizeof(lg));
		close(fds[i]);
	}
	printf("connected=%d failed=%d\n", ok, failed);
	free(pfd);
	free(fds);
	return 0;
}

static int
hold_mode(int count, int argc, char *argv[])
{
	static char	 half[] = HALF_REQUEST;
	struct pollfd	*pfd;
	char		 buf[4096];
	char		*text = argc > 0 ? argv[0] : half;
	size_t		 len = unescape(text);
	int		 i, closed = 0;

	if ((pfd = calloc((size_t)count, sizeof(*pfd))) == NULL)
		err(2, NULL);
	for (i = 0; i < count; i++) {
		pfd[i].fd = dial();
		pfd[i].events = POLLIN;
		send_all(pfd[i].fd, text, len, 0, 0);
	}
	printf("open %d\n", count);
	fflush(stdout);
	while (closed < count && poll(pfd, (nfds_t)count, left_ms()) > 0) {
		for (i = 0; i < count; i++) {
			if (pfd[i].fd == -1 || pfd[i].revents == 0)
				continue;
			if (read(pfd[i].fd, buf, sizeof(buf)) > 0)
				continue;
			close(pfd[i].fd);
			pfd[i].fd = -1;		/* poll skips it */
			closed++;
		}
	}
	for (i = 0; i < count; i++)
		if (pfd[i].fd != -1)
			close(pfd[i].fd);
	printf("closed=%d of %d\n", closed, count);
	free(pfd);
	return closed == count ? 0 : 3;
}

/* Read until buf holds n bytes: 0, or -1 closed, -2 deadline. */
static int
fill(int fd, uint8_t *buf, size_t *have, size_t n)
{
	ssize_t	 r;

	if (n > WS_BUF)
		errx(2, "more than %d bytes at once", WS_BUF);
	while (*have < n) {
		if ((r = recv_some(fd, buf + *have, WS_BUF - *have)) <= 0)
			return r == 0 ? -1 : -2;
		*have += (size_t)r;
	}
	return 0;
}

/* Print the server's frames until a close, the end, or the deadline. */
static int
ws_frames(int fd, uint8_t *buf, size_t have)
{
	uint64_t	 plen;
	size_t		 hlen, ext, i;
	int		 op, r;

	for (;;) {
		if ((r = fill(fd, buf, &have, 2)) != 0)
			break;
		op = buf[0] & 0x0f;
		plen = buf[1] & 0x7f;
		ext = plen == 126 ? 2 : plen == 127 ? 8 : 0;
		hlen = 2 + ext + (buf[1] & 0x80 ? 4 : 0);
		if ((r = fill(fd, buf, &have, hlen)) != 0)
			break;
		if (ext > 0)
			for (plen = 0, i = 0; i < ext; i++)
				plen = plen << 8 | buf[2 + i];
		if (plen > WS_BUF)
			errx(2, "a frame of %llu bytes",
			    (unsigned long long)plen);
		if ((r = fill(fd, buf, &have, hlen + plen)) != 0)
			break;
		switch (op) {
		case 0x1:
			printf("TEXT %.*s\n", (int)plen, buf + hlen);
			break;
		case 0x2:
			printf("BINARY %llu\n", (unsigned long long)plen);
			break;
		case 0x8:
			printf("CLOSE %d\n", plen >= 2 ?
			    buf[hlen] << 8 | buf[hlen + 1] : 1005);
			return 0;
		case 0x9:
			printf("PING %llu\n", (unsigned long long)plen);
			break;
		case 0xa:
			printf("PONG %llu\n", (unsigned long long)plen);
			break;
		default:
			printf("OPCODE %d\n", op);
			break;
		}
		fflush(stdout);
		have -= hlen + plen;
		memmove(buf, buf + hlen + plen, have);
	}
	printf(r == -1 ? "EOF\n" : "TIMEOUT\n");
	return r == -1 ? 0 : 3;
}

static int
ws_mode(const char *path, const char *key, int argc, char *argv[],
    const char *file)
{
	uint8_t		*buf, *end;
	char		*frames = NULL, *copy = NULL, *req;
	size_t		 have = 0, flen = 0;
	ssize_t		 n;
	int		 fd, r, status;

	if (file != NULL)
		frames = copy = read_file(file, &flen);
	else if (argc == 1) {
		frames = argv[0];
		if ((n = unhex(frames)) == -1)
			usage();
		flen = (size_t)n;
	} else if (argc != 0)
		usage();
	if ((buf = malloc(WS_BUF + 1)) == NULL)
		err(2, NULL);
	if (asprintf(&req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\n"
	    "%s%s%s\r\n", path, WS_CLIENT_KEY, key != NULL ? "X-API-Key: " :
	    "", key != NULL ? key : "", key != NULL ? "\r\n" : "") == -1)
		err(2, NULL);
	fd = dial();
	send_all(fd, req, strlen(req), 0, 0);
	free(req);
	/* The answer's head, up to the blank line; frames may follow it. */
	for (;;) {
		buf[have] = '\0';
		if ((end = (uint8_t *)strstr((char *)buf, "\r\n\r\n")) != NULL)
			break;
		if ((r = fill(fd, buf, &have, have + 1)) != 0) {
			printf(r == -1 ? "EOF\n" : "TIMEOUT\n");
			goto out;
		}
	}
	if (sscanf((char *)buf, "HTTP/1.%*d %d", &status) != 1)
		status = 0;
	printf("HTTP %d\n", status);
	fflush(stdout);
	r = 0;
	if (status == 101) {
		end += 4;
		have -= (size_t)(end - buf);
		memmove(buf, end, have);
		send_all(fd, frames, flen, 0, 0);
		r = ws_frames(fd, buf, have);
	}
 out:
	close(fd);
	free(buf);
	free(copy);
	return r == 0 || r == -1 ? 0 : 3;
}

int
main(int argc, char *argv[])
{
	const char	*file = NULL, *path = NULL, *key = NULL;
	size_t		 piece = 0;
	int		 ch, pause = 0, shut = 0, conns = 0, hold = 0;
	int		 reset = 0, seconds = 10;

	while ((ch = getopt(argc, argv, "C:c:f:H:k:p:Rst:W:")) != -1) {
		switch (ch) {
		case 'C':
			conns = atoi(optarg);
			break;
		case 'c':
			piece = (size_t)atol(optarg);
			break;
		case 'f':
			file = optarg;
			break;
		case 'H':
			hold = atoi(optarg);
			break;
		case 'k':
			key = optarg;
			break;
		case 'p':
			pause = atoi(optarg);
			break;
		case 'R':
			reset = 1;
			break;
		case 's':
			shut = 1;
			break;
		case 't':
			seconds = atoi(optarg);
			break;
		case 'W':
			path = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons(atoi(argv[0]));
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	deadline = now_ms() + seconds * 1000LL;
	signal(SIGPIPE, SIG_IGN);
	if (conns > 0)
		return argc == 1 ? connect_mode(conns, reset) : 2;
	if (hold > 0)
		return hold_mode(hold, argc - 1, argv + 1);
	if (path != NULL)
		return ws_mode(path, key, argc - 1, argv + 1, file);
	return raw_mode(argc - 1, argv + 1, file, piece, pause, shut);
}
