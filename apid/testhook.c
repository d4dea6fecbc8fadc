/*
 * testhook.c: compiled only into test builds (--enable-test-hooks): POST
 * /_test/escape?what=open|socket|exec|fork makes the API process try what
 * its sandbox forbids, so that the test suite can see it fail or die.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "config.h"
#include "http_reply.h"
#include "testhook.h"

#ifdef SOLAR_TEST_HOOKS
void
api_test_escape(struct evhttp_request *req, const char **params, size_t n)
{
	struct evkeyvalq	 q;
	const char		*what = NULL, *query;
	char			 body[256];
	char			*argv[] = { (char *)"/bin/true", NULL };
	int			 fd, rc;
	pid_t			 pid;

	(void)params;
	(void)n;
	TAILQ_INIT(&q);
	query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	if (query != NULL && evhttp_parse_query_str(query, &q) == 0)
		what = evhttp_find_header(&q, "what");
	if (what == NULL)
		what = "";
	errno = 0;
	if (strcmp(what, "open") == 0) {
		fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
		rc = fd;
		if (fd != -1)
			close(fd);
	} else if (strcmp(what, "socket") == 0) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		rc = fd;
		if (fd != -1)
			close(fd);
	} else if (strcmp(what, "exec") == 0) {
		rc = execve(argv[0], argv, argv + 1);
	} else if (strcmp(what, "fork") == 0) {
		if ((pid = fork()) == 0)
			_exit(0);
		rc = pid;
		if (pid > 0)
			waitpid(pid, NULL, 0);
	} else {
		http_reply_detail(req, 400, "what=open|socket|exec|fork");
		evhttp_clear_headers(&q);
		return;
	}
	snprintf(body, sizeof(body), "%s %s: %s", what,
	    rc == -1 ? "failed" : "succeeded", rc == -1 ? strerror(errno) : "");
	evhttp_clear_headers(&q);
	http_reply_detail(req, 200, body);
}
#endif
