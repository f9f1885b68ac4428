/* child.c: running a command for zk watch/lock/elect: fork+exec with extra
 * environment, tied to our life (PDEATHSIG), stopped with TERM then KILL. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "zk.h"

volatile int zk_got_signal;

static void on_signal(int sig)
{
	zk_got_signal = sig;
}

void zk_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: poll() must return so the loop sees the flag. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int zk_child_start(struct zk_child *ch, char **argv, char **env_add)
{
	pid_t parent = getpid();
	pid_t pid;

	memset(ch, 0, sizeof *ch);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct sigaction sa;

		/* If zk dies (even by SIGKILL), the command must not outlive
		 * the lock or leadership it was started under. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(127);
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = SIG_DFL;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		sigaction(SIGPIPE, &sa, NULL);
		for (char **e = env_add; e && *e; e++)
			if (putenv(*e) != 0)
				_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "zk: %s: cannot run %s: %s\n", zk_opt.verb, argv[0], strerror(errno));
		_exit(127);
	}
	ch->pid = pid;
	return 0;
}

int zk_child_poll(struct zk_child *ch)
{
	int st;
	pid_t r;

	if (ch->exited)
		return 1;
	r = waitpid(ch->pid, &st, WNOHANG);
	if (r == ch->pid) {
		ch->status = st;
		ch->exited = 1;
		return 1;
	}
	return 0;
}

void zk_child_stop(struct zk_child *ch, int grace_ms)
{
	struct timespec ts = { 0, 20 * 1000000L };

	if (zk_child_poll(ch))
		return;
	kill(ch->pid, SIGTERM);
	for (int waited = 0; waited < grace_ms; waited += 20) {
		if (zk_child_poll(ch))
			return;
		nanosleep(&ts, NULL);
	}
	kill(ch->pid, SIGKILL);
	while (!zk_child_poll(ch))
		nanosleep(&ts, NULL);
}

int zk_child_code(const struct zk_child *ch)
{
	if (WIFEXITED(ch->status))
		return WEXITSTATUS(ch->status);
	if (WIFSIGNALED(ch->status))
		return 128 + WTERMSIG(ch->status);
	return EXIT_SERVER;
}
