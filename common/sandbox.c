/* sandbox.c: user drop, no_new_privs, landlock and a seccomp allow-list.
 * Applied before any thread exists (nanomsg starts its workers at the first
 * nn_socket), so every thread inherits the confinement. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include "log.h"
#include "sandbox.h"

static void add(char *buf, size_t len, const char *what)
{
	size_t n = strlen(buf);
	snprintf(buf + n, len - n, "%s%s", n ? "," : "", what);
}

static int drop_user(const struct sandbox_spec *s)
{
	struct passwd *pw = getpwnam(s->user);
	struct group *gr = s->group ? getgrnam(s->group) : NULL;
	gid_t groups[2];
	int ng = 0;

	if (!pw) {
		warnx("sandbox: no user %s (run scripts/deps.sh to create the daemon users)",
		      s->user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		warnx("sandbox: user %s is uid 0; refusing to run as root", s->user);
		return -1;
	}
	groups[ng++] = pw->pw_gid;
	if (gr && gr->gr_gid != pw->pw_gid)
		groups[ng++] = gr->gr_gid;
	if (setgroups((size_t)ng, groups) < 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0) {
		warn("sandbox: switching to user %s", s->user);
		return -1;
	}
	/* Prove there is no way back. */
	if (setuid(0) == 0 || geteuid() == 0) {
		warnx("sandbox: still able to regain uid 0");
		return -1;
	}
	return 0;
}

int sandbox_landlock_abi(void)
{
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0,
			 LANDLOCK_CREATE_RULESET_VERSION);
	return v < 0 ? 0 : (int)v;
}

#define FS_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_ALL_V1 (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
	LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR | \
	LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE | \
	LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | \
	LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK | \
	LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK | \
	LANDLOCK_ACCESS_FS_MAKE_SYM)
#define FS_REFER (1ULL << 13)
#define FS_TRUNCATE (1ULL << 14)

static int ll_rule(int rfd, const char *path, uint64_t access)
{
	struct landlock_path_beneath_attr pb = { .allowed_access = access };
	int rc;

	pb.parent_fd = open(path, O_PATH | O_CLOEXEC);
	if (pb.parent_fd < 0) {
		if (errno == ENOENT)
			return 0;	/* nothing there to allow */
		warn("sandbox: landlock: open %s", path);
		return -1;
	}
	rc = (int)syscall(SYS_landlock_add_rule, rfd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	if (rc < 0)
		warn("sandbox: landlock: rule for %s", path);
	close(pb.parent_fd);
	return rc < 0 ? -1 : 0;
}

static int apply_landlock(const struct sandbox_spec *s, int abi)
{
	struct landlock_ruleset_attr ra = { .handled_access_fs = FS_ALL_V1 };
	uint64_t rw = FS_ALL_V1;
	int rfd, rc = 0;

	if (abi >= 2) {
		ra.handled_access_fs |= FS_REFER;
		rw |= FS_REFER;
	}
	if (abi >= 3) {
		ra.handled_access_fs |= FS_TRUNCATE;
		rw |= FS_TRUNCATE;
	}
	rw &= ~(uint64_t)LANDLOCK_ACCESS_FS_EXECUTE;
	rfd = (int)syscall(SYS_landlock_create_ruleset, &ra, sizeof ra, 0);
	if (rfd < 0) {
		warn("sandbox: landlock_create_ruleset");
		return -1;
	}
	for (const char *const *p = s->rw_paths; p && *p && rc == 0; p++)
		rc = ll_rule(rfd, *p, rw);
	for (const char *const *p = s->ro_paths; p && *p && rc == 0; p++)
		rc = ll_rule(rfd, *p, FS_READ);
	/* Time zone data and /proc (status reads /proc/self). */
	if (rc == 0)
		rc = ll_rule(rfd, "/etc", FS_READ);
	if (rc == 0)
		rc = ll_rule(rfd, "/usr/share/zoneinfo", FS_READ);
	if (rc == 0)
		rc = ll_rule(rfd, "/proc", FS_READ);
	if (rc == 0)
		rc = ll_rule(rfd, "/dev/urandom", LANDLOCK_ACCESS_FS_READ_FILE);
	if (rc == 0)
		rc = ll_rule(rfd, "/dev/null", LANDLOCK_ACCESS_FS_READ_FILE |
			     LANDLOCK_ACCESS_FS_WRITE_FILE);
	if (rc == 0 && syscall(SYS_landlock_restrict_self, rfd, 0) < 0) {
		warn("sandbox: landlock_restrict_self");
		rc = -1;
	}
	close(rfd);
	return rc;
}

/* Everything a daemon does after start-up: files in its directories, LMDB
 * (mmap, pread/pwrite, fdatasync, locks), nanomsg (threads, eventfd, epoll,
 * unix sockets), TCP, time and signals. Anything else fails with ENOSYS,
 * which glibc treats as "not available" (clone3 falls back to clone). */
static const int allowed[] = {
	SYS_read, SYS_write, SYS_readv, SYS_writev, SYS_pread64, SYS_pwrite64,
	SYS_preadv, SYS_pwritev, SYS_open, SYS_openat, SYS_close, SYS_fstat,
	SYS_stat, SYS_lstat, SYS_newfstatat, SYS_statx, SYS_lseek, SYS_mmap,
	SYS_munmap, SYS_mprotect, SYS_mremap, SYS_madvise, SYS_brk, SYS_msync,
	SYS_mincore, SYS_fadvise64, SYS_fsync, SYS_fdatasync, SYS_sync_file_range,
	SYS_ftruncate, SYS_fallocate, SYS_rename, SYS_renameat, SYS_renameat2,
	SYS_unlink, SYS_unlinkat, SYS_mkdir, SYS_mkdirat, SYS_getdents64, SYS_fcntl,
	SYS_flock, SYS_ioctl, SYS_poll, SYS_ppoll, SYS_select, SYS_pselect6, SYS_epoll_create1,
	SYS_epoll_ctl, SYS_epoll_wait, SYS_epoll_pwait, SYS_eventfd2, SYS_pipe2,
	SYS_socket, SYS_socketpair, SYS_bind, SYS_listen, SYS_accept, SYS_accept4,
	SYS_connect, SYS_getsockname, SYS_getpeername, SYS_setsockopt,
	SYS_getsockopt, SYS_sendto, SYS_recvfrom, SYS_sendmsg, SYS_recvmsg,
	SYS_sendmmsg, SYS_recvmmsg, SYS_shutdown, SYS_clock_gettime,
	SYS_clock_getres, SYS_clock_nanosleep, SYS_nanosleep, SYS_gettimeofday,
	SYS_time, SYS_getpid, SYS_gettid, SYS_getuid, SYS_geteuid, SYS_getgid,
	SYS_getegid, SYS_getppid, SYS_getrandom, SYS_futex, SYS_set_robust_list,
	SYS_get_robust_list, SYS_rseq, SYS_clone, SYS_exit, SYS_exit_group,
	SYS_rt_sigaction, SYS_rt_sigprocmask, SYS_rt_sigreturn, SYS_sigaltstack,
	SYS_tgkill, SYS_sched_yield, SYS_sched_getaffinity, SYS_prlimit64,
	SYS_getrlimit, SYS_uname, SYS_sysinfo, SYS_membarrier, SYS_restart_syscall,
	SYS_timerfd_create, SYS_timerfd_settime, SYS_timerfd_gettime, SYS_readlink,
	SYS_readlinkat, SYS_access, SYS_faccessat, SYS_getcwd, SYS_umask, SYS_dup,
	SYS_dup2, SYS_dup3, SYS_prctl, SYS_set_tid_address, SYS_getrusage,
	SYS_times, SYS_fchmod, SYS_chmod, SYS_fchown, SYS_fstatfs, SYS_statfs,
	SYS_getresuid, SYS_getresgid, SYS_getgroups, SYS_alarm,
#ifdef SYS_faccessat2
	SYS_faccessat2,
#endif
#ifdef SYS_epoll_pwait2
	SYS_epoll_pwait2,
#endif
};

static int apply_seccomp(void)
{
	enum { N = sizeof allowed / sizeof allowed[0] };
	_Static_assert(N < 255, "BPF jump offsets are 8 bits");
	struct sock_filter f[N + 8];
	struct sock_fprog prog;
	size_t k = 0;

	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		offsetof(struct seccomp_data, arch));
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		AUDIT_ARCH_X86_64, 1, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		offsetof(struct seccomp_data, nr));
	for (size_t i = 0; i < N; i++) {
		/* Match: fall through to ALLOW placed right after; else skip it. */
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
			(uint32_t)allowed[i], (uint8_t)(N - i), 0);
	}
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
		SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog.len = (unsigned short)k;
	prog.filter = f;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) < 0) {
		warn("sandbox: seccomp");
		return -1;
	}
	return 0;
}

int sandbox_apply(const struct sandbox_spec *s, char *applied, size_t len)
{
	int abi;

	applied[0] = '\0';
#ifndef __x86_64__
#error "the seccomp allow-list is written for x86_64"
#endif
	if (geteuid() == 0) {
		if (drop_user(s) < 0)
			return -1;	/* never stay root, even with enforce off */
		add(applied, len, "user");
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		warn("sandbox: no_new_privs");
		if (s->enforce)
			return -1;
	} else {
		add(applied, len, "nnp");
	}
	abi = sandbox_landlock_abi();
	if (abi > 0) {
		if (apply_landlock(s, abi) == 0) {
			char t[32];
			snprintf(t, sizeof t, "landlock(v%d)", abi);
			add(applied, len, t);
		} else if (s->enforce) {
			return -1;
		}
	}
	if (apply_seccomp() == 0)
		add(applied, len, "seccomp");
	else if (s->enforce)
		return -1;
	return 0;
}
