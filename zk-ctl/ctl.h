/* ctl.h: the subcommands of zk-ctl. */
#ifndef ZK_CTL_H
#define ZK_CTL_H

/* argv[0] = "status"; prints the status of the node's daemons. */
int status_main(const char *cfg, int argc, char **argv);
/* argv[0] = "purge": one snapshot and txn log purge now (purge.c). */
int purge_main(const char *cfg, int argc, char **argv);
/* argv[0] = "snapshot": zk-treed takes a snapshot now; waits for it. */
int snapshot_main(const char *cfg, int argc, char **argv);
/* argv[0] = "mkservice"; writes the runit service set (mkservice.c). */
int mkservice_main(int argc, char **argv);

#endif
