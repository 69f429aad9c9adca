/* SPDX-License-Identifier: MIT */
/*
 * The engine's per-job state, shared by engine.c (setup, queue pairs,
 * memory) and io.c (the I/O path).  Included after fio's headers.
 */
#ifndef NVD_FIO_ENGINE_H
#define NVD_FIO_ENGINE_H

#include <poll.h>

#include "fio.h"
#include "nvd_fio.h"

/* --nvd_... options (td->eo).  fio wants no option at offset 0. */
struct nvd_fio_opts {
	void *pad;
	unsigned int shadow_doorbells;
	unsigned int delay_doorbells;
	unsigned int interrupts;
	unsigned int adaptive;
	unsigned int queue_size;
	unsigned int registered_mem;
	unsigned int hdr_digest;	/* NVMe/TCP */
	unsigned int data_digest;
};

/* One controller a job uses, and the job thread's queue pair on it. */
struct nvd_fio_use {
	struct nvd_fio_ctrlr *c;
	struct nvd_qpair *qp;
};

/* One of the job's files: a namespace. */
struct nvd_fio_file {
	struct nvd_fio_target target;
	struct nvd_fio_use *use;
	struct nvd_ns *ns;
	uint32_t sector_size;
	unsigned int lba_shift;		/* log2(sector_size): no division per I/O */
};

/* A job (one fio thread): td->io_ops_data. */
struct nvd_fio_job {
	struct thread_data *td;
	int set_up;			/* setup() finished: files sized, controllers attached */
	struct nvd_fio_file *files;	/* indexed by fio_file->fileno */
	unsigned int nr_files;
	struct nvd_fio_use *uses;	/* distinct controllers, at most nr_files */
	unsigned int nr_uses;
	int interrupts;
	int adaptive;			/* nvd_adaptive: nvd_qpair_wait() when one queue pair */
	int delay_doorbells;
	struct pollfd *pfds;		/* interrupt mode: one eventfd per use */
	/*
	 * Completed io_us in a ring of iodepth entries: getevents() hands out
	 * the first @returned of @count from @head; the next call drops them.
	 */
	struct io_u **done;
	unsigned int cap, head, count, returned;
	/*
	 * io_us queued since the last commit(): commit() tells fio they are
	 * issued (io_u_queued: submission latency), as fio asks of an engine
	 * with a commit hook.
	 */
	struct io_u **pending;
	unsigned int nr_pending;
	/* I/O memory: nvd_dma_alloc of uses[0], or mmap registered with each */
	void *mem;
	size_t mem_len;
	int mem_registered;
};

/* Per io_u: what errdetails() says about a failed I/O. */
struct nvd_fio_req {
	struct io_u *io_u;
	struct nvd_fio_job *job;
	uint64_t lba;
	uint32_t count;
	struct nvd_cpl cpl;
	char why[160];			/* a submission refused: the library's words */
};

/* io.c: the I/O path */
int nvd_fio_io_u_init(struct thread_data *td, struct io_u *io_u);
void nvd_fio_io_u_free(struct thread_data *td, struct io_u *io_u);
enum fio_q_status nvd_fio_queue(struct thread_data *td, struct io_u *io_u);
int nvd_fio_commit(struct thread_data *td);
int nvd_fio_getevents(struct thread_data *td, unsigned int min, unsigned int max,
		      const struct timespec *ts);
struct io_u *nvd_fio_event(struct thread_data *td, int i);
char *nvd_fio_errdetails(struct io_u *io_u);

#endif /* NVD_FIO_ENGINE_H */
