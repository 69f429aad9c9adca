// SPDX-License-Identifier: MIT
/*
 * One attach per controller for the whole fio process.  A controller's
 * character device opens once (a second open is -EBUSY), and every job
 * thread needs only its own I/O queue pair, so the jobs share the attach:
 * the first job's setup attaches, the last job's cleanup detaches.  An
 * NVMe/TCP controller is shared the same way: one admin connection (one
 * association, one Keep Alive), each job's queue pair on its own
 * connection.  Controllers are told apart by their transport ID.  The
 * mutex covers this list only; the I/O path never takes it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvd_fio.h"

struct nvd_fio_ctrlr {
	struct nvd_fio_ctrlr *next;
	struct nvd_trid trid;
	char name[NVD_FIO_NAME_LEN];
	struct nvd_ctrlr *ctrlr;
	uint32_t flags;
	unsigned refs;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct nvd_fio_ctrlr *attached;

/*
 * I/O queues asked for at attach: one per job thread and controller, so as
 * many as a job file is likely to run; the controller grants what it has.
 */
#define NVD_FIO_IO_QUEUES 64

/* Words for a failed attach, naming the controller. */
static void attach_error(const struct nvd_fio_target *t, int err, char *why, size_t whylen)
{
	char bound[8][NVD_BDF_LEN], list[8 * (NVD_BDF_LEN + 1) + 8] = "";
	const char *bdf = t->name;
	int n, i;

	if (t->trid.trtype != NVD_TRTYPE_PCIE || err != -ENOENT) {
		snprintf(why, whylen, "cannot %s %s: %s%s%s",
			 t->trid.trtype == NVD_TRTYPE_PCIE ? "attach" : "connect to", t->name,
			 nvd_strerror(err), *nvd_last_error() ? ": " : "", nvd_last_error());
		return;
	}
	n = nvd_list_bound(bound, 8);
	for (i = 0; i < n && i < 8; i++) {
		strcat(list, " ");
		strcat(list, bound[i]);
	}
	if (n > 8)
		strcat(list, " ...");
	snprintf(why, whylen, "%s is not bound to nvdirect (bound:%s); bind it with 'nvdirect setup'",
		 bdf, n > 0 ? list : " none");
}

/* The same controller: every field of the transport ID but the namespace. */
static int same_trid(const struct nvd_trid *a, const struct nvd_trid *b)
{
	return a->trtype == b->trtype && a->adrfam == b->adrfam && !strcmp(a->traddr, b->traddr) &&
	       !strcmp(a->trsvcid, b->trsvcid) && !strcmp(a->subnqn, b->subnqn) &&
	       !strcmp(a->hostnqn, b->hostnqn);
}

struct nvd_fio_ctrlr *nvd_fio_ctrlr_get(const struct nvd_fio_target *t, uint32_t flags, char *why,
					size_t whylen)
{
	const char *bdf = t->name;
	struct nvd_ctrlr_opts opts;
	struct nvd_fio_ctrlr *c;
	int err;

	pthread_mutex_lock(&lock);
	for (c = attached; c; c = c->next)
		if (same_trid(&c->trid, &t->trid))
			break;
	if (c) {
		if (c->flags != flags) {
			snprintf(why, whylen,
				 "%s is attached already with nvd_shadow_doorbells=%d nvd_delay_doorbells=%d nvd_hdr_digest=%d nvd_data_digest=%d: every job of one fio process must use the same for a controller",
				 bdf, !(c->flags & NVD_CTRLR_NO_SHADOW_DOORBELLS),
				 !!(c->flags & NVD_CTRLR_DELAY_CMD_SUBMIT),
				 !!(c->flags & NVD_CTRLR_TCP_HEADER_DIGEST),
				 !!(c->flags & NVD_CTRLR_TCP_DATA_DIGEST));
			c = NULL;
			goto out;
		}
		c->refs++;
		goto out;
	}

	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(why, whylen, "attaching %s: out of memory", bdf);
		goto out;
	}
	nvd_ctrlr_opts_init(&opts);
	opts.num_io_queues = NVD_FIO_IO_QUEUES;
	opts.flags |= flags;
	err = nvd_ctrlr_connect(&t->trid, &opts, &c->ctrlr);
	if (err) {
		attach_error(t, err, why, whylen);
		free(c);
		c = NULL;
		goto out;
	}
	c->trid = t->trid;
	snprintf(c->name, sizeof(c->name), "%s", t->name);
	c->flags = flags;
	c->refs = 1;
	c->next = attached;
	attached = c;
out:
	pthread_mutex_unlock(&lock);
	return c;
}

void nvd_fio_ctrlr_put(struct nvd_fio_ctrlr *c)
{
	struct nvd_fio_ctrlr **pp;

	pthread_mutex_lock(&lock);
	if (--c->refs > 0) {
		pthread_mutex_unlock(&lock);
		return;
	}
	for (pp = &attached; *pp != c; pp = &(*pp)->next)
		;
	*pp = c->next;
	/* under the lock: a job attaching it again waits for the close */
	nvd_ctrlr_detach(c->ctrlr);
	pthread_mutex_unlock(&lock);
	free(c);
}

struct nvd_ctrlr *nvd_fio_ctrlr_handle(const struct nvd_fio_ctrlr *c)
{
	return c->ctrlr;
}

const char *nvd_fio_ctrlr_bdf(const struct nvd_fio_ctrlr *c)
{
	return c->name;
}

/*
 * fio unloads the engine after its last job; a job that failed before its
 * cleanup ran may have left a reference.  Shut such controllers down
 * properly (CC.SHN) rather than leave it to the module's release.
 */
__attribute__((destructor)) static void nvd_fio_ctrlr_exit(void)
{
	struct nvd_fio_ctrlr *c;

	while ((c = attached)) {
		attached = c->next;
		nvd_ctrlr_detach(c->ctrlr);
		free(c);
	}
}
