/* loop.c: epoll loop with periodic timers. Level-triggered, so a callback
 * that leaves data unread is simply called again. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "log.h"
#include "loop.h"

int64_t loop_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t loop_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t wall_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int loop_init(struct loop *l)
{
	struct rlimit rl;

	memset(l, 0, sizeof *l);
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	l->maxfd = rl.rlim_cur > 1048576 ? 1048576 : (int)rl.rlim_cur;
	l->ents = calloc((size_t)l->maxfd, sizeof *l->ents);
	if (!l->ents)
		return -1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l->ents);
		return -1;
	}
	return 0;
}

int loop_add(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if (fd < 0 || fd >= l->maxfd) {
		errno = EMFILE;
		return -1;
	}
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -1;
	l->ents[fd].cb = cb;
	l->ents[fd].arg = arg;
	return 0;
}

int loop_mod(struct loop *l, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev);
}

int loop_del(struct loop *l, int fd)
{
	if (fd < 0 || fd >= l->maxfd)
		return -1;
	l->ents[fd].cb = NULL;
	l->ents[fd].arg = NULL;
	return epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
}

int loop_timer(struct loop *l, int interval_ms, loop_timer_cb cb, void *arg)
{
	if (l->ntimers >= LOOP_MAX_TIMERS || interval_ms <= 0)
		return -1;
	l->timers[l->ntimers++] = (struct loop_timer){
		interval_ms, loop_now_ms() + interval_ms, cb, arg };
	return 0;
}

static int next_timeout(struct loop *l, int cap)
{
	int64_t now = loop_now_ms();
	int t = cap;
	for (int i = 0; i < l->ntimers; i++) {
		int64_t d = l->timers[i].due - now;
		if (d < 0)
			d = 0;
		if (t < 0 || d < t)
			t = (int)d;
	}
	return t;
}

static void run_timers(struct loop *l)
{
	int64_t now = loop_now_ms();
	for (int i = 0; i < l->ntimers; i++) {
		struct loop_timer *t = &l->timers[i];
		if (now < t->due)
			continue;
		t->due = now + t->interval_ms;
		t->cb(t->arg);
	}
}

void loop_once(struct loop *l, int timeout_ms)
{
	struct epoll_event evs[256];
	int n = epoll_wait(l->epfd, evs, 256, next_timeout(l, timeout_ms));

	if (n < 0 && errno != EINTR)
		fatal("epoll_wait");
	for (int i = 0; i < n; i++) {
		int fd = evs[i].data.fd;
		/* An earlier callback in this batch may have closed this fd. */
		if (fd >= 0 && fd < l->maxfd && l->ents[fd].cb)
			l->ents[fd].cb(l->ents[fd].arg, fd, evs[i].events);
	}
	run_timers(l);
	if (l->end_of_turn)
		l->end_of_turn(l->end_arg);
}

void loop_on_end_of_turn(struct loop *l, void (*fn)(void *), void *arg)
{
	l->end_of_turn = fn;
	l->end_arg = arg;
}

void loop_run(struct loop *l, volatile sig_atomic_t *stop)
{
	l->stop = stop;
	while (!*stop)
		loop_once(l, 1000);
}
