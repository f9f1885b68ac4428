/* proc.h: the programs of a node, by id. The one list of daemon names. */
#ifndef ZK_PROC_H
#define ZK_PROC_H

enum zk_proc {
	P_NONE = 0,
	P_ELECTD,
	P_ZABD,
	P_TREED,
	P_SESSIOND,
	P_GW,
	P_CTL,		/* zk-ctl and other tools: never a daemon */
	P_COUNT
};
#define P_FIRST_DAEMON P_ELECTD
#define P_LAST_DAEMON  P_GW

/* "zk-electd" ... for P_ELECTD ...; NULL for out-of-range ids. */
const char *proc_name(int id);
/* Id of a program name, with or without the "zk-" prefix; P_NONE if unknown. */
int proc_id(const char *name);

#endif
