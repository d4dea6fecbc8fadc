/*
 * hammer.c: connect to 127.0.0.1:PORT again and again for SECONDS, asking
 * GET /health each time, and count answers, refusals and other failures.
 * Prints "ok=N refused=N other=N".
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char *argv[])
{
	static const char	 req[] = "GET /health HTTP/1.0\r\n\r\n";
	struct sockaddr_in	 sin;
	struct timeval		 tv = { 5, 0 };
	char			 buf[512];
	double			 end;
	long			 ok = 0, refused = 0, other = 0;
	ssize_t			 n;
	int			 fd;

	if (argc != 3) {
		fprintf(stderr, "usage: hammer port seconds\n");
		return 2;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	end = now() + atof(argv[2]);
	while (now() < end) {
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1) {
			perror("socket");
			return 2;
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
			if (errno == ECONNREFUSED)
				refused++;
			else
				other++;
			close(fd);
			continue;
		}
		if (write(fd, req, sizeof(req) - 1) != sizeof(req) - 1) {
			other++;
			close(fd);
			continue;
		}
		n = read(fd, buf, sizeof(buf) - 1);
		if (n > 12 && strncmp(buf, "HTTP/1.", 7) == 0 &&
		    strncmp(buf + 8, " 200", 4) == 0)
			ok++;
		else
			other++;
		close(fd);
	}
	printf("ok=%ld refused=%ld other=%ld\n", ok, refused, other);
	return 0;
}
