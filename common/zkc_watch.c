/* zkc_watch.c: the client's event queue (bounded; the oldest event is
 * dropped when full, and the loss is remembered) and its registry of the
 * watches the server holds for it, re-sent after a reconnect. */
#include <stdlib.h>
#include <string.h>
#include "zkc_int.h"
#include "zkclient.h"

void zkc_ev_push(struct zkc *c, int32_t type, int32_t state, int64_t zxid,
    const struct jute_bytes *path)
{
	struct zkc_event *e;
	char *p;
	size_t n = path && path->len > 0 ? (size_t)path->len : 0;

	p = malloc(n + 1);
	if (p == NULL) {
		c->ev_dropped++;
		c->ev_gap = 1;
		return;
	}
	if (n)
		memcpy(p, path->p, n);
	p[n] = '\0';
	if (c->evcount == ZKC_EVQ_MAX) {
		/* Full: drop the oldest and remember that events were lost. */
		free(c->evq[c->evhead].path);
		c->evhead = (c->evhead + 1) % ZKC_EVQ_MAX;
		c->evcount--;
		c->ev_dropped++;
		c->ev_gap = 1;
	}
	e = &c->evq[(c->evhead + c->evcount) % ZKC_EVQ_MAX];
	e->type = type;
	e->state = state;
	e->zxid = zxid;
	e->path = p;
	c->evcount++;
}

void zkc_event_free(struct zkc_event *ev)
{
	free(ev->path);
	ev->path = NULL;
}

int zkc_watch_note(struct zkc *c, const char *path, int kind)
{
	struct zkc_watch *nw;

	for (int i = 0; i < c->nwatches; i++)
		if (c->watches[i].kind == kind && strcmp(c->watches[i].path, path) == 0)
			return 0;
	if (c->nwatches >= ZKC_MAX_WATCHES)
		return -1;
	nw = realloc(c->watches, sizeof *nw * (size_t)(c->nwatches + 1));
	if (nw == NULL)
		return -1;
	c->watches = nw;
	nw[c->nwatches].path = strdup(path);
	if (nw[c->nwatches].path == NULL)
		return -1;
	nw[c->nwatches].kind = kind;
	c->nwatches++;
	return 0;
}

/* A standard watch fires once: forget it. Persistent ones stay. */
void zkc_watch_fired(struct zkc *c, int32_t type, const struct jute_bytes *path)
{
	for (int i = 0; i < c->nwatches; i++) {
		struct zkc_watch *w = &c->watches[i];
		int hit;

		if (!jute_bytes_eq(path, w->path))
			continue;
		if (w->kind == ZKC_W_CHILD)
			hit = type == EV_CHILDREN_CHANGED || type == EV_DELETED;
		else if (w->kind == ZKC_W_DATA || w->kind == ZKC_W_EXIST)
			hit = type == EV_CREATED || type == EV_DELETED ||
			    type == EV_DATA_CHANGED;
		else
			hit = 0;
		if (!hit)
			continue;
		free(w->path);
		c->watches[i] = c->watches[c->nwatches - 1];
		c->nwatches--;
		i--;
	}
}
