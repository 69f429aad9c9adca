// SPDX-License-Identifier: MIT
/*
 * The engine's I/O path: queue() submits on the job thread's own queue
 * pair and returns, getevents() reaps (spinning, or sleeping on the queue
 * pairs' eventfds in interrupt mode), event() hands the io_us to fio.  No
 * lock, no copy: fio's buffers are the library's DMA or registered memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"

/* How long one sleep on the eventfds lasts at most: a removed device raises no interrupt. */
#define NVD_FIO_IRQ_WAIT_MS 1000

int nvd_fio_io_u_init(struct thread_data *td, struct io_u *io_u)
{
	struct nvd_fio_req *r = calloc(1, sizeof(*r));

	if (!r)
		return 1;
	r->io_u = io_u;
	r->job = td->io_ops_data;
	io_u->engine_data = r;
	return 0;
}

void nvd_fio_io_u_free(struct thread_data *td, struct io_u *io_u)
{
	(void)td;
	free(io_u->engine_data);
	io_u->engine_data = NULL;
}

/* The slot @i entries past @job's head in the done ring (@i <= cap): no division. */
static inline unsigned int done_slot(const struct nvd_fio_job *job, unsigned int i)
{
	unsigned int at = job->head + i;

	return at < job->cap ? at : at - job->cap;
}

static void nvd_fio_done(void *arg, const struct nvd_cpl *cpl)
{
	struct nvd_fio_req *r = arg;
	struct nvd_fio_job *job = r->job;

	r->cpl = *cpl;
	/* fio's word for a failed I/O; errdetails() names the NVMe status */
	if (nvd_cpl_is_error(cpl))
		r->io_u->error = EIO;
	/* never overflows: at most iodepth io_us are in flight or undelivered */
	job->done[done_slot(job, job->count++)] = r->io_u;
}

/* A submission the library refused: keep its words for errdetails(). */
static enum fio_q_status refused(struct nvd_fio_req *r, int err)
{
	snprintf(r->why, sizeof(r->why), "%s%s%s", nvd_strerror(err),
		 *nvd_last_error() ? ": " : "", nvd_last_error());
	r->io_u->error = -err;
	return FIO_Q_COMPLETED;
}

enum fio_q_status nvd_fio_queue(struct thread_data *td, struct io_u *io_u)
{
	struct nvd_fio_file *f = FILE_ENG_DATA(io_u->file);
	struct nvd_fio_req *r = io_u->engine_data;
	struct nvd_qpair *qp = f->use->qp;
	struct nvd_dsm_range range;
	int err;

	fio_ro_check(td, io_u);
	r->why[0] = '\0';
	memset(&r->cpl, 0, sizeof(r->cpl));
	r->lba = io_u->offset >> f->lba_shift;
	r->count = (uint32_t)(io_u->xfer_buflen >> f->lba_shift);
	if (ddir_rw(io_u->ddir) || io_u->ddir == DDIR_TRIM) {
		if ((io_u->offset | io_u->xfer_buflen) & (f->sector_size - 1) ||
		    io_u->xfer_buflen == 0 || io_u->xfer_buflen >> f->lba_shift > UINT32_MAX) {
			snprintf(r->why, sizeof(r->why),
				 "offset %llu length %llu: not whole %u-byte LBAs of namespace %u",
				 io_u->offset, io_u->xfer_buflen, f->sector_size, f->target.nsid);
			io_u->error = EINVAL;
			return FIO_Q_COMPLETED;
		}
	}

	switch (io_u->ddir) {
	case DDIR_READ:
		err = nvd_ns_read(f->ns, qp, io_u->xfer_buf, r->lba, r->count, nvd_fio_done, r, 0);
		break;
	case DDIR_WRITE:
		err = nvd_ns_write(f->ns, qp, io_u->xfer_buf, r->lba, r->count, nvd_fio_done, r, 0);
		break;
	case DDIR_TRIM:
		/* Dataset Management, Deallocate (NVM Command Set 1.0 §3.2.3) */
		range.attributes = 0;
		range.length = r->count;
		range.lba = r->lba;
		err = nvd_ns_deallocate(f->ns, qp, &range, 1, nvd_fio_done, r);
		break;
	case DDIR_SYNC:
	case DDIR_DATASYNC:
		err = nvd_ns_flush(f->ns, qp, nvd_fio_done, r);
		break;
	default:
		snprintf(r->why, sizeof(r->why), "fio's I/O direction %d has no NVMe command",
			 (int)io_u->ddir);
		io_u->error = EINVAL;
		return FIO_Q_COMPLETED;
	}
	/* the queue pair's requests are used up: reap first (never with none in flight) */
	if (err == -ENOMEM && nvd_qpair_outstanding(qp) > 0)
		return FIO_Q_BUSY;
	if (err)
		return refused(r, err);
	r->job->pending[r->job->nr_pending++] = io_u;
	return FIO_Q_QUEUED;
}

/*
 * fio's accounting of what was issued: an engine with a commit hook calls
 * io_u_queued() itself (fio 3.33, backend.c: io_queue_event), else fio
 * reports no submission latency.  fio stamps an io_u's issue time only
 * after the commit that td_io_queue() makes, so the stamp is ours to set
 * first (as io_uring's engine does): the time of the doorbell.
 */
static void issued(struct thread_data *td, struct nvd_fio_job *job)
{
	struct timespec now;
	unsigned int i;

	if (fio_fill_issue_time(td)) {
		fio_gettime(&now, NULL);
		for (i = 0; i < job->nr_pending; i++)
			job->pending[i]->issue_time = now;
	}
	for (i = 0; i < job->nr_pending; i++)
		io_u_queued(td, job->pending[i]);
	io_u_mark_submit(td, job->nr_pending);
	job->nr_pending = 0;
}

/*
 * What fio queued since the last commit goes to the device: one SQ tail
 * doorbell per queue pair for all of it with delayed doorbells (fio commits
 * every iodepth_batch_submit io_us and before it waits for completions),
 * each queue() rang its own otherwise.
 */
int nvd_fio_commit(struct thread_data *td)
{
	struct nvd_fio_job *job = td->io_ops_data;
	unsigned int i;
	int err;

	if (!job->nr_pending)
		return 0;
	for (i = 0; job->delay_doorbells && i < job->nr_uses; i++) {
		err = nvd_qpair_flush(job->uses[i].qp);
		if (err) {
			log_err("nvdirect: %s: doorbell write failed: %s\n",
				nvd_fio_ctrlr_bdf(job->uses[i].c), nvd_strerror(err));
			return err;
		}
	}
	issued(td, job);
	return 0;
}

static int reap(struct nvd_fio_job *job)
{
	unsigned int i;
	int n;

	for (i = 0; i < job->nr_uses; i++) {
		n = nvd_qpair_process_completions(job->uses[i].qp, 0);
		if (n < 0) {
			log_err("nvdirect: %s: reaping completions failed: %s%s%s\n",
				nvd_fio_ctrlr_bdf(job->uses[i].c), nvd_strerror(n),
				*nvd_last_error() ? ": " : "", nvd_last_error());
			return n;
		}
	}
	return 0;
}

/*
 * Interrupt mode: sleep until a queue pair's device posts a completion.
 * Arming first closes the window where a completion lands between the
 * last reap and the sleep.
 */
static int wait_irq(struct nvd_fio_job *job, int timeout_ms)
{
	unsigned int i;
	int r;

	for (i = 0; i < job->nr_uses; i++) {
		r = nvd_qpair_arm(job->uses[i].qp);
		if (r < 0)
			return r;
		if (r == 1)
			return 0;
	}
	if (poll(job->pfds, job->nr_uses, timeout_ms) < 0 && errno != EINTR)
		return -errno;
	return 0;
}

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int nvd_fio_getevents(struct thread_data *td, unsigned int min, unsigned int max,
		      const struct timespec *ts)
{
	struct nvd_fio_job *job = td->io_ops_data;
	int64_t deadline = 0, left;
	int err, ms;

	/* the io_us handed out last time are fio's now */
	job->head = done_slot(job, job->returned);
	job->count -= job->returned;
	job->returned = 0;
	/* fio reaps without committing first when it polls (min 0) */
	if (job->nr_pending)
		issued(td, job);
	/* a zero timeout (fio's min 0) is one pass: no clock to read */
	if (ts && (ts->tv_sec || ts->tv_nsec))
		deadline = now_ns() + (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;

	for (;;) {
		err = reap(job);
		if (err)
			return err;
		if (job->count >= min)
			break;
		left = 0;
		if (ts && (!deadline || (left = deadline - now_ns()) <= 0))
			break;
		if (job->adaptive && job->nr_uses == 1) {
			/* several controllers: interrupt mode's wait on all of them */
			err = nvd_qpair_wait(job->uses[0].qp, ts ? left / 1000 : NVD_FIO_IRQ_WAIT_MS * 1000);
			if (err < 0)
				return err;
		} else if (job->interrupts) {
			ms = NVD_FIO_IRQ_WAIT_MS;
			if (ts && left / 1000000 < ms)
				ms = (int)(left / 1000000);
			err = wait_irq(job, ms);
			if (err)
				return err;
		}
	}
	job->returned = job->count < max ? job->count : max;
	return (int)job->returned;
}

struct io_u *nvd_fio_event(struct thread_data *td, int i)
{
	struct nvd_fio_job *job = td->io_ops_data;

	return job->done[done_slot(job, (unsigned int)i)];
}

static const char *ddir_word(enum fio_ddir d)
{
	switch (d) {
	case DDIR_READ: return "read";
	case DDIR_WRITE: return "write";
	case DDIR_TRIM: return "deallocate";
	case DDIR_SYNC:
	case DDIR_DATASYNC: return "flush";
	default: return "command";
	}
}

/* The line fio prints under its own for a failed I/O. */
char *nvd_fio_errdetails(struct io_u *io_u)
{
	struct nvd_fio_req *r = io_u->engine_data;
	struct nvd_fio_file *f = io_u->file ? FILE_ENG_DATA(io_u->file) : NULL;
	char *s = NULL;
	int n;

	if (!r || !f)
		return strdup("nvdirect: no details");
	if (nvd_cpl_is_error(&r->cpl))
		n = asprintf(&s, "nvdirect: %s of LBA %llu+%u on %s namespace %u failed: %s",
			     ddir_word(io_u->ddir), (unsigned long long)r->lba, r->count,
			     f->target.name, f->target.nsid, nvd_cpl_status_str(&r->cpl));
	else if (r->why[0])
		n = asprintf(&s, "nvdirect: %s of LBA %llu+%u on %s namespace %u refused: %s",
			     ddir_word(io_u->ddir), (unsigned long long)r->lba, r->count,
			     f->target.name, f->target.nsid, r->why);
	else
		n = asprintf(&s, "nvdirect: the device completed this %s without error",
			     ddir_word(io_u->ddir));
	return n < 0 ? strdup("nvdirect: out of memory") : s;
}
