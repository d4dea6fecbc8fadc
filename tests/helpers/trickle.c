/*
 * trickle.c: connect to 127.0.0.1:PORT and send a request's headers one
 * short line every 300 ms, never finishing, for up to SECONDS.  Exit 0
 * when the server closed the connection, 1 when it was still open.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	static const char	 start[] = "GET /health HTTP/1.1\r\n";
	static const char	 more[] = "X-Slow: a\r\n";
	struct sockaddr_in	 sin;
	struct pollfd		 pfd;
	char			 buf[512];
	time_t			 end;
	int			 fd;

	if (argc != 3)
		return 2;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    write(fd, start, sizeof(start) - 1) == -1)
		return 2;
	end = time(NULL) + atoi(argv[2]);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (time(NULL) < end) {
		if (poll(&pfd, 1, 300) == 1 && read(fd, buf, sizeof(buf)) <= 0)
			return 0;
		if (write(fd, more, sizeof(more) - 1) == -1)
			return 0;
	}
	return 1;
}
