/* loop.h: the event loop every daemon runs: epoll over file descriptors
 * plus a few periodic timers. Callbacks run on the loop's one thread. */
#ifndef ZK_LOOP_H
#define ZK_LOOP_H
#include <signal.h>
#include <stdint.h>

typedef void (*loop_fd_cb)(void *arg, int fd, uint32_t events);
typedef void (*loop_timer_cb)(void *arg);

#define LOOP_MAX_TIMERS 16

struct loop_ent {
	loop_fd_cb cb;
	void *arg;
};

struct loop_timer {
	int interval_ms;
	int64_t due;
	loop_timer_cb cb;
	void *arg;
};

struct loop {
	int epfd;
	void (*end_of_turn)(void *arg);	/* after each round of callbacks */
	void *end_arg;
	int maxfd;			/* size of ents */
	struct loop_ent *ents;		/* indexed by fd */
	struct loop_timer timers[LOOP_MAX_TIMERS];
	int ntimers;
	volatile sig_atomic_t *stop;
};

int loop_init(struct loop *l);
/* events are EPOLLIN/EPOLLOUT...; fd must be below the RLIMIT_NOFILE seen
 * at loop_init. Return 0 or -1 with errno. */
int loop_add(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg);
int loop_mod(struct loop *l, int fd, uint32_t events);
int loop_del(struct loop *l, int fd);
/* Periodic timer; first run after interval_ms. Returns -1 when full. */
int loop_timer(struct loop *l, int interval_ms, loop_timer_cb cb, void *arg);
/* fn(arg) runs at the end of every turn of the loop (one hook). */
void loop_on_end_of_turn(struct loop *l, void (*fn)(void *), void *arg);
/* Runs until *stop becomes non-zero. */
void loop_run(struct loop *l, volatile sig_atomic_t *stop);
/* Runs one round of ready callbacks, waiting at most timeout_ms. */
void loop_once(struct loop *l, int timeout_ms);

int64_t loop_now_ms(void);	/* CLOCK_MONOTONIC, ms */
int64_t loop_now_us(void);
int64_t wall_now_ms(void);	/* CLOCK_REALTIME, ms */

#endif
