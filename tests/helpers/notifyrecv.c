/*
 * notifyrecv.c: stand in for systemd's notification socket: bind a
 * datagram socket at PATH and print each message received, one per line,
 * until COUNT arrived (exit 0) or SECONDS passed (exit 1).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	struct sockaddr_un	 sun;
	struct pollfd		 pfd;
	char			 buf[1024];
	ssize_t			 n;
	int			 fd, want, got = 0;

	if (argc != 4 || strlen(argv[1]) >= sizeof(sun.sun_path))
		return 2;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, argv[1]);
	want = atoi(argv[2]);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		perror("notifyrecv");
		return 2;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (got < want && poll(&pfd, 1, atoi(argv[3]) * 1000) == 1) {
		if ((n = recv(fd, buf, sizeof(buf) - 1, 0)) <= 0)
			break;
		buf[n] = '\0';
		printf("%s\n", buf);
		fflush(stdout);
		got++;
	}
	return got == want ? 0 : 1;
}
