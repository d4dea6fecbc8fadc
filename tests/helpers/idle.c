/*
 * idle.c: connect to 127.0.0.1:PORT, send TEXT (possibly nothing, or half
 * a request), then wait up to SECONDS for the server to close.  Exit 0
 * when it closed, 1 when it did not, 2 on errors.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	struct sockaddr_in	 sin;
	struct pollfd		 pfd;
	char			 buf[4096];
	int			 fd, ms;
	ssize_t			 n;

	if (argc != 4) {
		fprintf(stderr, "usage: idle port text seconds\n");
		return 2;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		perror("idle: connect");
		return 2;
	}
	if (argv[2][0] != '\0' &&
	    write(fd, argv[2], strlen(argv[2])) != (ssize_t)strlen(argv[2])) {
		perror("idle: write");
		return 2;
	}
	ms = atoi(argv[3]) * 1000;
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		if (poll(&pfd, 1, ms) <= 0)
			return 1;	/* still open at the deadline */
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return 0;
	}
}
