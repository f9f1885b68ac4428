/* test_sandbox.c: lock-down in a child process: the user drop (when run as
 * root), landlock confinement to the allowed paths, and the seccomp
 * allow-list (execve is refused; the page cache calls pass). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "sandbox.h"
#include "unit.h"

static char allowed_dir[] = "/tmp/zk-sbx-XXXXXX";
static char other_dir[] = "/tmp/zk-sbx-other-XXXXXX";

/* Runs fn in a locked-down child; the child's exit status is the number of
 * failed checks (255 if lock-down itself failed). */
static int in_child(int (*fn)(const char *applied))
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		const char *rw[] = { allowed_dir, NULL };
		struct sandbox_spec s = { .user = "nobody", .group = NULL,
			.rw_paths = rw, .ro_paths = NULL, .enforce = 1 };
		char applied[128];
		if (sandbox_apply(&s, applied, sizeof applied) < 0)
			_exit(255);
		_exit(fn(applied));
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return 254;
	return WEXITSTATUS(st);
}

static int child_checks(const char *applied)
{
	char p[256];
	int bad = 0, fd;

	if (geteuid() == 0 || getuid() == 0)
		bad++;
	if (!strstr(applied, "nnp") || !strstr(applied, "seccomp"))
		bad++;
	/* allowed: create a file in the rw directory */
	snprintf(p, sizeof p, "%s/ok", allowed_dir);
	fd = open(p, O_CREAT | O_RDWR, 0600);
	if (fd < 0) {
		bad++;
	} else {
		/* zk-zabd drops log pages (fadvise64) and its view of the tree
		 * map (madvise) while locked down */
		void *m;
		if (write(fd, p, 16) != 16 || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0)
			bad++;
		m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED || madvise(m, 4096, MADV_DONTNEED) != 0)
			bad++;
		if (m != MAP_FAILED)
			munmap(m, 4096);
		close(fd);
	}
	/* outside: refused by landlock when the kernel has it (other_dir is
	 * world-writable, so only landlock can refuse) */
	if (sandbox_landlock_abi() > 0) {
		snprintf(p, sizeof p, "%s/no", other_dir);
		fd = open(p, O_CREAT | O_WRONLY, 0600);
		if (fd >= 0 || errno != EACCES)
			bad++;
		if (fd >= 0)
			close(fd);
		if (!strstr(applied, "landlock"))
			bad++;
	}
	/* execve is not on the allow-list */
	{
		char *argv[] = { "/bin/true", NULL };
		execve("/bin/true", argv, NULL);
		if (errno != ENOSYS)
			bad++;
	}
	return bad;
}

static void lockdown_confines(void)
{
	CHECK(mkdtemp(allowed_dir) != NULL);
	CHECK(mkdtemp(other_dir) != NULL);
	/* the child may be "nobody": let it in, as the daemon dirs let their user in */
	CHECK(chmod(allowed_dir, 0777) == 0);
	CHECK(chmod(other_dir, 0777) == 0);
	CHECK_EQ_INT(in_child(child_checks), 0);
	{
		char p[256];
		snprintf(p, sizeof p, "%s/ok", allowed_dir);
		unlink(p);
		snprintf(p, sizeof p, "%s/no", other_dir);
		unlink(p);
	}
	rmdir(allowed_dir);
	rmdir(other_dir);
}

static void refuses_uid0_user(void)
{
	/* As root, asking to become "root" must fail: never stay uid 0. */
	pid_t pid;
	int st;

	if (geteuid() != 0)
		return;
	pid = fork();
	if (pid == 0) {
		struct sandbox_spec s = { .user = "root", .enforce = 1 };
		char applied[128];
		_exit(sandbox_apply(&s, applied, sizeof applied) < 0 ? 0 : 1);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "lockdown_confines", lockdown_confines },
		{ "refuses_uid0_user", refuses_uid0_user },
		{ NULL, NULL },
	};
	return unit_run("sandbox", cases);
}
