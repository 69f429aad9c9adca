// SPDX-License-Identifier: MIT
/*
 * nvdirect as an external fio ioengine:
 *	fio --ioengine=PATH/fio-nvdirect.so --thread=1 \
 *	    --filename='trtype=PCIe traddr=0000.00.03.0 ns=1' ...
 *	    --filename='trtype=TCP adrfam=IPv4 traddr=127.0.0.1 trsvcid=4420 subnqn=nqn.2014-08.org.example\:sub1 ns=1'
 * fio finds the ops through dlsym(handle, "ioengine") (fio 3.33,
 * ioengines.c: dlopen_ioengine).  Per job: setup() attaches the job's
 * controllers (shared by all jobs of the process) and sizes its files,
 * init() gives the job thread a queue pair on each, iomem_alloc() hands
 * fio memory the controllers can reach, cleanup() undoes it all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "engine.h"
#include "optgroup.h"

#define NVD_FIO_DEFAULT_QSIZE 256

static struct fio_option options[] = {
	{
		.name	= "nvd_shadow_doorbells",
		.lname	= "nvdirect shadow doorbells",
		.type	= FIO_OPT_BOOL,
		.off1	= offsetof(struct nvd_fio_opts, shadow_doorbells),
		.def	= "1",
		.help	= "Use shadow doorbells (Doorbell Buffer Config) when the controller offers them",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_INVALID,
	},
	{
		.name	= "nvd_delay_doorbells",
		.lname	= "nvdirect delayed doorbells",
		.type	= FIO_OPT_BOOL,
		.off1	= offsetof(struct nvd_fio_opts, delay_doorbells),
		.def	= "1",
		.help	= "Write the SQ tail doorbell once per fio commit (every iodepth_batch_submit I/Os, and before fio waits) instead of in every queue()",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_INVALID,
	},
	{
		.name	= "nvd_interrupts",
		.lname	= "nvdirect interrupt mode",
		.type	= FIO_OPT_BOOL,
		.off1	= offsetof(struct nvd_fio_opts, interrupts),
		.def	= "0",
		.help	= "Sleep on the queue pair's MSI-X eventfd while waiting instead of polling",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_INVALID,
	},
	{
		.name	= "nvd_adaptive",
		.lname	= "nvdirect adaptive polling",
		.type	= FIO_OPT_BOOL,
		.off1	= offsetof(struct nvd_fio_opts, adaptive),
		.def	= "0",
		.help	= "Interrupt-mode queue pair; spin while a completion is due soon, sleep while none is (nvd_qpair_wait)",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_INVALID,
	},
	{
		.name	= "nvd_queue_size",
		.lname	= "nvdirect I/O queue size",
		.type	= FIO_OPT_INT,
		.off1	= offsetof(struct nvd_fio_opts, queue_size),
		.def	= "0",
		.help	= "Entries of each job's I/O queue pair (0: 256, or more when iodepth needs it)",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_INVALID,
	},
	{
		.name	= "nvd_registered_mem",
		.lname	= "nvdirect registered memory",
		.type	= FIO_OPT_BOOL,
		.off1	= offsetof(struct nvd_fio_opts, registered_mem),
		.def	= "0",
		.help	= "I/O buffers from mmap registered with the controllers (always so with several controllers) instead of nvd_dma_alloc",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_INVALID,
	},
	{
		.name	= "nvd_hdr_digest",
		.lname	= "nvdirect NVMe/TCP header digest",
		.type	= FIO_OPT_BOOL,
		.off1	= offsetof(struct nvd_fio_opts, hdr_digest),
		.def	= "0",
		.help	= "NVMe/TCP: ask for header digests (CRC32C of each PDU header), as nvme connect --hdr-digest",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_INVALID,
	},
	{
		.name	= "nvd_data_digest",
		.lname	= "nvdirect NVMe/TCP data digest",
		.type	= FIO_OPT_BOOL,
		.off1	= offsetof(struct nvd_fio_opts, data_digest),
		.def	= "0",
		.help	= "NVMe/TCP: ask for data digests (CRC32C of each PDU's data), as nvme connect --data-digest",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_INVALID,
	},
	{
		.name	= NULL,
	},
};

static void job_free(struct nvd_fio_job *job)
{
	free(job->files);
	free(job->uses);
	free(job->pfds);
	free(job->done);
	free(job->pending);
	free(job);
}

/* The job's use of @t's controller: found, or attached (shared) and added. */
static struct nvd_fio_use *job_use(struct thread_data *td, struct nvd_fio_job *job,
				   const struct nvd_fio_target *t)
{
	struct nvd_fio_opts *o = td->eo;
	uint32_t flags = 0;
	unsigned int i;
	char why[256];

	for (i = 0; i < job->nr_uses; i++)
		if (!strcmp(nvd_fio_ctrlr_bdf(job->uses[i].c), t->name))
			return &job->uses[i];
	if (!o->shadow_doorbells)
		flags |= NVD_CTRLR_NO_SHADOW_DOORBELLS;
	if (o->delay_doorbells)
		flags |= NVD_CTRLR_DELAY_CMD_SUBMIT;
	if (o->hdr_digest)
		flags |= NVD_CTRLR_TCP_HEADER_DIGEST;
	if (o->data_digest)
		flags |= NVD_CTRLR_TCP_DATA_DIGEST;
	job->uses[i].c = nvd_fio_ctrlr_get(t, flags, why, sizeof(why));
	if (!job->uses[i].c) {
		log_err("nvdirect: %s\n", why);
		return NULL;
	}
	job->nr_uses++;
	return &job->uses[i];
}

/* One file: parse its name, find its namespace, tell fio its size. */
static int file_setup(struct thread_data *td, struct nvd_fio_job *job, struct fio_file *ff,
		      struct nvd_fio_file *f)
{
	struct nvd_ctrlr *ctrlr;
	char why[256];

	if (nvd_fio_parse_filename(ff->file_name, &f->target, why, sizeof(why))) {
		log_err("nvdirect: filename '%s': %s; expected %s (dots for the colons of a PCI address, '\\:' for those of an NQN)\n",
			ff->file_name, why, NVD_FIO_FILENAME_SYNTAX);
		return -EINVAL;
	}
	f->use = job_use(td, job, &f->target);
	if (!f->use)
		return -ENODEV;
	ctrlr = nvd_fio_ctrlr_handle(f->use->c);
	f->ns = nvd_ctrlr_get_ns(ctrlr, f->target.nsid);
	if (!f->ns) {
		char list[96] = "";
		uint32_t id;
		size_t n = 0;

		for (id = nvd_ctrlr_first_ns(ctrlr); id && n + 12 < sizeof(list);
		     id = nvd_ctrlr_next_ns(ctrlr, id))
			n += (size_t)snprintf(list + n, sizeof(list) - n, " %u", id);
		log_err("nvdirect: %s has no active namespace %u (active:%s)\n", f->target.name,
			f->target.nsid, n ? list : " none");
		return -ENOENT;
	}
	if (!nvd_ns_is_io_supported(f->ns)) {
		log_err("nvdirect: %s namespace %u has %u bytes of metadata per LBA: nvdirect does no I/O on it\n",
			f->target.name, f->target.nsid, nvd_ns_get_md_size(f->ns));
		return -EOPNOTSUPP;
	}
	f->sector_size = nvd_ns_get_sector_size(f->ns);
	/* an LBA is 2^LBADS bytes (the LBA Format the namespace uses) */
	f->lba_shift = (unsigned int)__builtin_ctz(f->sector_size);
	ff->filetype = FIO_TYPE_BLOCK;
	ff->real_file_size = nvd_ns_get_size(f->ns);
	fio_file_set_size_known(ff);
	return 0;
}

/*
 * Attach the job's controllers and size its files.  fio calls setup() from
 * its main thread before the jobs start (create_serialize, the default),
 * or from the job thread after init(); init() calls it too, so whichever
 * comes first does the work.
 */
static int nvd_fio_setup(struct thread_data *td)
{
	struct nvd_fio_job *job;
	struct fio_file *ff;
	unsigned int i;
	int err;

	job = td->io_ops_data;
	if (job)
		return job->set_up ? 0 : 1;	/* a failed setup() said why already */
	if (!td->o.use_thread) {
		log_err("nvdirect: the engine runs jobs as threads of one process sharing each controller: add thread=1 (--thread)\n");
		td_vmsg(td, EINVAL, "the nvdirect engine needs thread=1", "setup");
		return 1;
	}
	job = calloc(1, sizeof(*job));
	if (!job)
		goto err_nomem;
	job->td = td;
	job->nr_files = td->files_index;
	job->files = calloc(job->nr_files, sizeof(*job->files));
	job->uses = calloc(job->nr_files, sizeof(*job->uses));
	if (!job->files || !job->uses)
		goto err_free;
	td->io_ops_data = job;

	for_each_file(td, ff, i) {
		if ((unsigned int)ff->fileno >= job->nr_files) {
			log_err("nvdirect: file %u of %u: fio added files after setup\n", ff->fileno,
				job->nr_files);
			err = -EINVAL;
			goto err_put;
		}
		err = file_setup(td, job, ff, &job->files[ff->fileno]);
		if (err)
			goto err_put;
	}
	job->set_up = 1;
	return 0;

err_put:
	td_vmsg(td, -err, "nvdirect engine setup failed", "setup");
	/* cleanup() drops the attaches made so far */
	return 1;
err_free:
	job_free(job);
err_nomem:
	td_verror(td, ENOMEM, "setup");
	return 1;
}

/* Entries for each queue pair: the option, else 256 or what iodepth needs. */
static int queue_size(struct thread_data *td, struct nvd_fio_use *u, uint32_t *qsize)
{
	const struct nvd_ctrlr_info *info = nvd_ctrlr_get_info(nvd_fio_ctrlr_handle(u->c));
	struct nvd_fio_opts *o = td->eo;
	uint32_t depth = td->o.iodepth;

	/* a queue of N entries holds N - 1 commands (Base 2.0 §3.3.1.5) */
	if (o->queue_size) {
		if (o->queue_size < 2 || o->queue_size > info->mqes) {
			log_err("nvdirect: nvd_queue_size=%u is outside what %s supports: 2..%u (MQES)\n",
				o->queue_size, nvd_fio_ctrlr_bdf(u->c), info->mqes);
			return -EINVAL;
		}
		if (depth > o->queue_size - 1) {
			log_err("nvdirect: iodepth=%u exceeds the %u commands a queue of nvd_queue_size=%u holds\n",
				depth, o->queue_size - 1, o->queue_size);
			return -EINVAL;
		}
		*qsize = o->queue_size;
		return 0;
	}
	if (depth > (uint32_t)info->mqes - 1) {
		log_err("nvdirect: iodepth=%u exceeds the %u commands an I/O queue of %s holds (MQES %u)\n",
			depth, info->mqes - 1, nvd_fio_ctrlr_bdf(u->c), info->mqes);
		return -EINVAL;
	}
	*qsize = depth + 1 > NVD_FIO_DEFAULT_QSIZE ? depth + 1 : NVD_FIO_DEFAULT_QSIZE;
	if (*qsize > info->mqes)
		*qsize = info->mqes;
	return 0;
}

/* In the job thread: its own queue pair on each controller, and the done ring. */
static int nvd_fio_init(struct thread_data *td)
{
	struct nvd_fio_opts *o = td->eo;
	struct nvd_io_qpair_opts qo;
	struct nvd_fio_job *job;
	unsigned int i;
	int err;

	if (nvd_fio_setup(td))
		return 1;
	job = td->io_ops_data;
	job->interrupts = o->interrupts || o->adaptive;
	job->adaptive = o->adaptive;
	job->delay_doorbells = o->delay_doorbells;
	job->cap = td->o.iodepth;
	job->done = calloc(job->cap, sizeof(*job->done));
	job->pending = calloc(job->cap, sizeof(*job->pending));
	job->pfds = calloc(job->nr_uses, sizeof(*job->pfds));
	if (!job->done || !job->pending || !job->pfds) {
		td_verror(td, ENOMEM, "init");
		return 1;
	}
	for (i = 0; i < job->nr_uses; i++) {
		struct nvd_fio_use *u = &job->uses[i];

		nvd_io_qpair_opts_init(&qo);
		err = queue_size(td, u, &qo.qsize);
		if (err)
			goto err;
		qo.interrupts = job->interrupts;
		err = nvd_ctrlr_alloc_io_qpair_opts(nvd_fio_ctrlr_handle(u->c), &qo, &u->qp);
		if (err) {
			log_err("nvdirect: %s: no I/O queue pair of %u entries%s: %s%s%s\n",
				nvd_fio_ctrlr_bdf(u->c), qo.qsize,
				job->interrupts ? " in interrupt mode" : "", nvd_strerror(err),
				*nvd_last_error() ? ": " : "", nvd_last_error());
			goto err;
		}
		if (job->interrupts) {
			job->pfds[i].fd = nvd_qpair_get_fd(u->qp);
			job->pfds[i].events = POLLIN;
		}
	}
	return 0;
err:
	/* cleanup() frees the queue pairs made so far */
	td_vmsg(td, -err, "nvdirect engine init failed", "init");
	return 1;
}

/*
 * fio's I/O memory.  One controller: its DMA memory.  Several, or
 * nvd_registered_mem=1: anonymous memory registered with each, so every
 * buffer is zero-copy for whichever controller a file sits on.
 */
static int nvd_fio_iomem_alloc(struct thread_data *td, size_t len)
{
	struct nvd_fio_job *job = td->io_ops_data;
	struct nvd_fio_opts *o = td->eo;
	unsigned int i;
	int err;

	if (job->nr_uses == 1 && !o->registered_mem) {
		job->mem = nvd_dma_alloc(nvd_fio_ctrlr_handle(job->uses[0].c), len);
		if (!job->mem) {
			log_err("nvdirect: %zu bytes of DMA memory for %s: %s%s%s\n", len,
				nvd_fio_ctrlr_bdf(job->uses[0].c), strerror(errno),
				*nvd_last_error() ? ": " : "", nvd_last_error());
			return 1;
		}
		job->mem_len = len;
		td->orig_buffer = job->mem;
		return 0;
	}

	job->mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (job->mem == MAP_FAILED) {
		job->mem = NULL;
		log_err("nvdirect: mmap of %zu bytes for I/O buffers: %s\n", len, strerror(errno));
		return 1;
	}
	job->mem_len = len;
	for (i = 0; i < job->nr_uses; i++) {
		err = nvd_mem_register(nvd_fio_ctrlr_handle(job->uses[i].c), job->mem, len);
		if (err) {
			log_err("nvdirect: registering %zu bytes of I/O buffers with %s: %s%s%s\n", len,
				nvd_fio_ctrlr_bdf(job->uses[i].c), nvd_strerror(err),
				*nvd_last_error() ? ": " : "", nvd_last_error());
			goto err_unregister;
		}
	}
	job->mem_registered = 1;
	td->orig_buffer = job->mem;
	return 0;

err_unregister:
	while (i-- > 0)
		nvd_mem_unregister(nvd_fio_ctrlr_handle(job->uses[i].c), job->mem);
	munmap(job->mem, len);
	job->mem = NULL;
	return 1;
}

static void nvd_fio_iomem_free(struct thread_data *td)
{
	struct nvd_fio_job *job = td->io_ops_data;
	unsigned int i;

	if (!job || !job->mem)
		return;
	if (job->mem_registered) {
		for (i = 0; i < job->nr_uses; i++)
			nvd_mem_unregister(nvd_fio_ctrlr_handle(job->uses[i].c), job->mem);
		munmap(job->mem, job->mem_len);
	} else {
		nvd_dma_free(nvd_fio_ctrlr_handle(job->uses[0].c), job->mem);
	}
	job->mem = NULL;
	job->mem_registered = 0;
	td->orig_buffer = NULL;
}

static int nvd_fio_open_file(struct thread_data *td, struct fio_file *ff)
{
	struct nvd_fio_job *job = td->io_ops_data;

	if (!job || (unsigned int)ff->fileno >= job->nr_files || !job->files[ff->fileno].use) {
		log_err("nvdirect: %s was not set up\n", ff->file_name);
		return 1;
	}
	FILE_SET_ENG_DATA(ff, &job->files[ff->fileno]);
	return 0;
}

static int nvd_fio_close_file(struct thread_data *td, struct fio_file *ff)
{
	(void)td;
	FILE_SET_ENG_DATA(ff, NULL);
	return 0;
}

/* No page cache between fio and the device: nothing to invalidate. */
static int nvd_fio_invalidate(struct thread_data *td, struct fio_file *ff)
{
	(void)td;
	(void)ff;
	return 0;
}

/* Reverse of setup and init: queue pairs (their last commands come back aborted), then attaches. */
static void nvd_fio_cleanup(struct thread_data *td)
{
	struct nvd_fio_job *job = td->io_ops_data;
	unsigned int i;

	if (!job)
		return;
	nvd_fio_iomem_free(td);
	for (i = job->nr_uses; i-- > 0;) {
		if (job->uses[i].qp) {
			/* completions of aborted commands land in the ring; make room */
			job->head = job->count = job->returned = job->nr_pending = 0;
			nvd_ctrlr_free_io_qpair(job->uses[i].qp);
		}
		nvd_fio_ctrlr_put(job->uses[i].c);
	}
	job_free(job);
	td->io_ops_data = NULL;
}

__attribute__((visibility("default"))) struct ioengine_ops ioengine = {
	.name			= "nvdirect",
	.version		= FIO_IOOPS_VERSION,
	.flags			= FIO_RAWIO | FIO_NOEXTEND | FIO_NODISKUTIL | FIO_MEMALIGN,
	.setup			= nvd_fio_setup,
	.init			= nvd_fio_init,
	.queue			= nvd_fio_queue,
	.commit			= nvd_fio_commit,
	.getevents		= nvd_fio_getevents,
	.event			= nvd_fio_event,
	.errdetails		= nvd_fio_errdetails,
	.cleanup		= nvd_fio_cleanup,
	.open_file		= nvd_fio_open_file,
	.close_file		= nvd_fio_close_file,
	.invalidate		= nvd_fio_invalidate,
	.iomem_alloc		= nvd_fio_iomem_alloc,
	.iomem_free		= nvd_fio_iomem_free,
	.io_u_init		= nvd_fio_io_u_init,
	.io_u_free		= nvd_fio_io_u_free,
	.option_struct_size	= sizeof(struct nvd_fio_opts),
	.options		= options,
};
