/* proc.c: program names by id. */
#include <string.h>
#include "proc.h"

static const char *const names[P_COUNT] = {
	[P_NONE] = NULL,
	[P_ELECTD] = "zk-electd",
	[P_ZABD] = "zk-zabd",
	[P_TREED] = "zk-treed",
	[P_SESSIOND] = "zk-sessiond",
	[P_GW] = "zk-gw",
	[P_CTL] = "zk-ctl",
};

const char *proc_name(int id)
{
	if (id <= P_NONE || id >= P_COUNT)
		return NULL;
	return names[id];
}

int proc_id(const char *name)
{
	for (int i = P_NONE + 1; i < P_COUNT; i++) {
		if (strcmp(name, names[i]) == 0 ||
		    strcmp(name, names[i] + 3) == 0)
			return i;
	}
	return P_NONE;
}
