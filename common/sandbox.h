/* sandbox.h: privilege drop and confinement, applied once after start-up.
 * Steps, in order: drop to the daemon's user (when root), no_new_privs,
 * landlock (filesystem: rw and ro path lists), seccomp allow-list. */
#ifndef ZK_SANDBOX_H
#define ZK_SANDBOX_H
#include <stddef.h>

struct sandbox_spec {
	const char *user;		/* user to become when started as root */
	const char *group;		/* shared group of all daemons ("zk") */
	const char *const *rw_paths;	/* NULL-terminated */
	const char *const *ro_paths;	/* NULL-terminated */
	int enforce;			/* 0: failures are warnings (sandbox=off) */
};

/* Applies the spec; writes what was applied ("user,nnp,landlock,seccomp")
 * to applied. Returns 0, or -1 after logging the failed step (then the
 * caller exits unless enforce is 0). Never returns with uid 0 kept when
 * it started as root and enforce is set. */
int sandbox_apply(const struct sandbox_spec *s, char *applied, size_t len);

/* Landlock ABI version of the running kernel, 0 if unavailable. */
int sandbox_landlock_abi(void);

#endif
