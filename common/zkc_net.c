/* zkc_net.c: the client's server list and non-blocking TCP connect with a
 * deadline. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "zkc_int.h"
#include "zkclient.h"

int zkc_parse_hosts(struct zkc *c, const char *hosts)
{
	const char *s = hosts;

	c->nhosts = 0;
	while (*s) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		char *h;

		while (n && (*s == ' ' || *s == '\t')) {
			s++;
			n--;
		}
		if (n) {
			if (c->nhosts == ZKC_MAX_HOSTS || n + 6 >= ZKC_HOST_LEN)
				return -1;
			h = c->hosts[c->nhosts++];
			memcpy(h, s, n);
			h[n] = '\0';
			/* No port (and not a bare IPv6 address): default 2181. */
			if (strrchr(h, ':') == NULL || (h[0] == '[' && h[n - 1] == ']'))
				strcat(h, ":2181");
		}
		if (!e)
			break;
		s = e + 1;
	}
	return c->nhosts ? 0 : -1;
}

int zkc_tcp_connect(const char *hostport, int timeout_ms)
{
	char host[ZKC_HOST_LEN];
	const char *port;
	char *colon;
	struct addrinfo hints, *res, *ai;
	int fd = -1;
	int64_t deadline = zkc_now_ms() + timeout_ms;

	snprintf(host, sizeof host, "%s", hostport);
	colon = strrchr(host, ':');
	if (colon == NULL)
		return -1;
	*colon = '\0';
	port = colon + 1;
	if (host[0] == '[') {
		size_t n = strlen(host);
		if (n < 2 || host[n - 1] != ']')
			return -1;
		host[n - 1] = '\0';
		memmove(host, host + 1, n - 1);
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	for (ai = res; ai; ai = ai->ai_next) {
		struct pollfd pfd;
		int err = 0, one = 1;
		socklen_t elen = sizeof err;
		int64_t left;

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS)
			goto next;
		left = deadline - zkc_now_ms();
		pfd.fd = fd;
		pfd.events = POLLOUT;
		for (;;) {
			int rc = poll(&pfd, 1, left > 0 ? (int)left : 0);
			if (rc < 0 && errno == EINTR) {
				left = deadline - zkc_now_ms();
				continue;
			}
			if (rc <= 0)
				goto next;
			break;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err != 0)
			goto next;
		/* Requests are small and latency-bound. */
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0)
			goto next;
		freeaddrinfo(res);
		return fd;
next:
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return -1;
}
