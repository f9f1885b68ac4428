/* zk-ctl: inspect and control the daemons of one node over their control
 * sockets (status, purge, snapshot), and write the node's supervision
 * files (mkservice). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "conf.h"
#include "ctl.h"
#include "log.h"
#include "proc.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: zk-ctl [-c zoo.cfg] status [DAEMON] [--json]\n"
		"       zk-ctl [-c zoo.cfg] purge      (keep the newest autopurge.snapRetainCount\n"
		"                                    snapshots and the txn log they need)\n"
		"       zk-ctl [-c zoo.cfg] snapshot   (zk-treed snapshots the tree now)\n"
		"       zk-ctl mkservice -c zoo.cfg -o DIR\n"
		"DAEMON: zk-electd zk-zabd zk-treed zk-sessiond zk-gw (or without zk-)\n"
		"status exits 0 when every daemon asked answers, 1 if one is down, 2 on usage or config errors\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *cfg = getenv("ZK_CONF") ? getenv("ZK_CONF") : "/etc/zk/zoo.cfg";
	int i = 1;

	log_init("zk-ctl", LOG_LVL_WARN);
	if (argc >= 2 && strcmp(argv[1], "mkservice") == 0)
		return mkservice_main(argc - 1, argv + 1);
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			cfg = argv[i + 1];
			i += 2;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage();
		} else {
			usage();
		}
	}
	if (i >= argc)
		usage();
	if (strcmp(argv[i], "status") == 0)
		return status_main(cfg, argc - i, argv + i);
	if (strcmp(argv[i], "purge") == 0)
		return purge_main(cfg, argc - i, argv + i);
	if (strcmp(argv[i], "snapshot") == 0)
		return snapshot_main(cfg, argc - i, argv + i);
	if (strcmp(argv[i], "mkservice") == 0) {
		/* "zk-ctl -c FILE mkservice -o DIR" is accepted too. */
		char *av[8];
		int ac = 0;
		av[ac++] = "mkservice";
		av[ac++] = "-c";
		av[ac++] = (char *)cfg;
		for (int k = i + 1; k < argc && ac < 7; k++)
			av[ac++] = argv[k];
		av[ac] = NULL;
		return mkservice_main(ac, av);
	}
	usage();
	return 2;
}
