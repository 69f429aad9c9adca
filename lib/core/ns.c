// SPDX-License-Identifier: MIT
/*
 * Namespaces: building one from its Identify data (discovery is a state of
 * the attach, ctrlr_init.c), their geometry, and NVM read/write submission with
 * argument checks done before anything reaches the queue.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctrlr.h"
#include "core/error.h"
#include "core/export.h"
#include "core/ns.h"
#include "core/request.h"
#include "tcp/transport.h"

void nvd__ns_construct(struct nvd_ns *ns, struct nvd_ctrlr *c, uint32_t nsid,
		  const struct nvd_id_ns *id)
{
	unsigned fmt = nvd_flbas_index(id->flbas);
	const struct nvd_lbaf *lbaf;
	uint32_t max;

	memset(ns, 0, sizeof(*ns));
	ns->ctrlr = c;
	ns->nsid = nsid;
	ns->id = *id;
	ns->num_sectors = id->nsze;

	if (fmt > id->nlbaf || fmt >= 64)
		return;			/* no valid format: listed, not usable */
	lbaf = &id->lbaf[fmt];
	if (lbaf->lbads < 9 || lbaf->lbads > 30)
		return;
	ns->sector_size = 1u << lbaf->lbads;
	ns->sector_shift = lbaf->lbads;
	ns->md_size = lbaf->ms;
	/* metadata (separate or interleaved) is not supported yet */
	ns->io_supported = ns->md_size == 0;

	max = c->max_xfer / ns->sector_size;
	ns->max_io_sectors = max < NVD_MAX_NLB ? max : NVD_MAX_NLB;
	if (ns->max_io_sectors == 0)
		ns->io_supported = false;
	ns->io_max_sectors = ns->io_supported ? ns->max_io_sectors : 0;
}

/* ---- public: lookup and geometry -------------------------------------- */

NVD_EXPORT uint32_t nvd_ctrlr_first_ns(const struct nvd_ctrlr *ctrlr)
{
	return ctrlr && ctrlr->num_ns ? ctrlr->ns[0].nsid : 0;
}

NVD_EXPORT uint32_t nvd_ctrlr_next_ns(const struct nvd_ctrlr *ctrlr, uint32_t prev_nsid)
{
	uint32_t i;

	for (i = 0; ctrlr && i < ctrlr->num_ns; i++)
		if (ctrlr->ns[i].nsid > prev_nsid)
			return ctrlr->ns[i].nsid;
	return 0;
}

NVD_EXPORT struct nvd_ns *nvd_ctrlr_get_ns(struct nvd_ctrlr *ctrlr, uint32_t nsid)
{
	uint32_t lo = 0, hi, mid;

	if (!ctrlr)
		return NULL;
	hi = ctrlr->num_ns;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ctrlr->ns[mid].nsid == nsid)
			return &ctrlr->ns[mid];
		if (ctrlr->ns[mid].nsid < nsid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

NVD_EXPORT uint32_t nvd_ns_get_id(const struct nvd_ns *ns)
{
	return ns ? ns->nsid : 0;
}

NVD_EXPORT uint32_t nvd_ns_get_sector_size(const struct nvd_ns *ns)
{
	return ns ? ns->sector_size : 0;
}

NVD_EXPORT uint64_t nvd_ns_get_num_sectors(const struct nvd_ns *ns)
{
	return ns ? ns->num_sectors : 0;
}

NVD_EXPORT uint64_t nvd_ns_get_size(const struct nvd_ns *ns)
{
	return ns ? ns->num_sectors * ns->sector_size : 0;
}

NVD_EXPORT uint32_t nvd_ns_get_max_io_sectors(const struct nvd_ns *ns)
{
	return ns ? ns->max_io_sectors : 0;
}

NVD_EXPORT uint32_t nvd_ns_get_md_size(const struct nvd_ns *ns)
{
	return ns ? ns->md_size : 0;
}

NVD_EXPORT int nvd_ns_is_io_supported(const struct nvd_ns *ns)
{
	return ns ? ns->io_supported : 0;
}

NVD_EXPORT const void *nvd_ns_identify_data(const struct nvd_ns *ns)
{
	return ns ? &ns->id : NULL;
}

/* ---- I/O argument checks (ns.c, ns_cmd.c) ----------------------------- */

int nvd__ns_check_qp(struct nvd_ns *ns, struct nvd_qpair *q, const char *what)
{
	nvd__clear_detail();
	if (!ns || !q || q->ctrlr != ns->ctrlr || q->qid == 0)
		return -EINVAL;
	if (q->failed || ctrlr_is_failed(q->ctrlr))
		return -ENXIO;
	if (!ns->io_supported) {
		nvd__ns_refuse_detail(ns, what);
		return -EOPNOTSUPP;
	}
	return 0;
}

void nvd__ns_refuse_detail(const struct nvd_ns *ns, const char *what)
{
	if (!ns->sector_size)
		nvd__set_detail("namespace %u: %s needs a valid LBA format (FLBAS 0x%x names none nvdirect can use)",
			   ns->nsid, what, ns->id.flbas);
	else if (ns->md_size)
		nvd__set_detail("namespace %u: %s needs a format without metadata (this one has %u bytes per LBA)",
			   ns->nsid, what, ns->md_size);
	else
		nvd__set_detail("namespace %u: %s: one %u-byte LBA exceeds the controller's transfer limit of %u bytes",
			   ns->nsid, what, ns->sector_size, ns->ctrlr->max_xfer);
}

int nvd__ns_check_io(struct nvd_ns *ns, struct nvd_qpair *q, const char *what, uint64_t lba,
		uint64_t count, uint32_t flags, uint32_t known_flags)
{
	int err = nvd__ns_check_qp(ns, q, what);

	if (err)
		return err;
	if (flags & ~known_flags) {
		nvd__set_detail("%s: unknown I/O flags 0x%x", what, flags & ~known_flags);
		return -EINVAL;
	}
	if (count == 0) {
		nvd__set_detail("%s: LBA count is 0", what);
		return -EINVAL;
	}
	if (lba >= ns->num_sectors || count > ns->num_sectors - lba) {
		nvd__set_detail("%s: LBAs %llu..%llu are past the end of namespace %u (%llu LBAs)", what,
			   (unsigned long long)lba, (unsigned long long)(lba + count - 1), ns->nsid,
			   (unsigned long long)ns->num_sectors);
		return -EINVAL;
	}
	return 0;
}

int nvd__ns_check_buf(struct nvd_qpair *q, const void *buf, size_t len)
{
	if (!buf) {
		nvd__set_detail("the data buffer is NULL");
		return -EINVAL;
	}
	/* NVMe/TCP copies through the socket: any memory */
	if (q->tcp)
		return 0;
	if ((uintptr_t)buf & 3) {
		nvd__set_detail("buffer %p is not 4-byte aligned, as PRP entries require", buf);
		return -EINVAL;
	}
	if (!dma_pool_find_span(&q->ctrlr->dma, buf, len)) {
		nvd__set_detail("buffer %p is not %zu bytes of DMA memory from nvd_dma_alloc or of memory registered with nvd_mem_register",
			   buf, len);
		return -EINVAL;
	}
	return 0;
}

/* ---- public: read and write ------------------------------------------- */

/*
 * The slow path of a read, write or compare: whatever the fast path does
 * not do.  It says which check failed, looks the buffer's span up (and
 * caches it, so the next I/O in that region is fast again), describes more
 * than two pages with a PRP list or an SGL, splits a transfer above the
 * limit and queues a command the SQ has no tracker for.  Armed hooks and a
 * running reset are handled in request.c's submission.
 */
static int __attribute__((noinline))
ns_rw_slow(struct nvd_ns *ns, struct nvd_qpair *q, uint8_t opc, void *buf, uint64_t lba,
	   uint32_t count, nvd_cmd_cb cb, void *cb_arg, uint32_t flags)
{
	const char *what = opc == NVME_CMD_READ ? "read" : opc == NVME_CMD_WRITE ? "write" :
			   "compare";
	struct nvme_cmd tmpl = { .opc = opc, .cdw12 = flags };
	size_t len;
	int err;

	err = nvd__ns_check_io(ns, q, what, lba, count, flags, NVD_IO_FLAGS);
	if (err)
		return err;
	/* NVMe/TCP queue pairs always come here (QP_NO_FAST_TCP): any memory, no PRPs */
	if (q->tcp)
		return nvd__tcp_ns_rw(ns, q, opc, buf, lba, count, cb, cb_arg, flags);
	len = (size_t)count << ns->sector_shift;
	err = nvd__ns_check_buf(q, buf, len);
	if (err)
		return err;
	dma_pool_find_span_cached(&q->ctrlr->dma, &q->span_cache, buf, len);
	tmpl.nsid = ns->nsid;
	return nvd__qpair_submit_split(q, &tmpl, buf, ns->sector_shift, lba, count, ns->max_io_sectors,
				  cb, cb_arg, NULL, NULL, false);
}

/*
 * ns_rw_slow() with the exported functions' arguments, so the fast path
 * leaves for it by a jump (a sibling call) and makes no call of its own.
 */
typedef int (*ns_rw_fn)(struct nvd_ns *ns, struct nvd_qpair *q, void *buf, uint64_t lba,
			uint32_t count, nvd_cmd_cb cb, void *cb_arg, uint32_t flags);

static int __attribute__((noinline))
ns_read_slow(struct nvd_ns *ns, struct nvd_qpair *q, void *buf, uint64_t lba, uint32_t count,
	     nvd_cmd_cb cb, void *cb_arg, uint32_t flags)
{
	return ns_rw_slow(ns, q, NVME_CMD_READ, buf, lba, count, cb, cb_arg, flags);
}

static int __attribute__((noinline))
ns_write_slow(struct nvd_ns *ns, struct nvd_qpair *q, void *buf, uint64_t lba, uint32_t count,
	      nvd_cmd_cb cb, void *cb_arg, uint32_t flags)
{
	return ns_rw_slow(ns, q, NVME_CMD_WRITE, buf, lba, count, cb, cb_arg, flags);
}

/*
 * The fast path: no lock, no allocation, no syscall, no division and no
 * thread-local write.  It takes the common case only -- arguments valid,
 * the buffer in the cached span, one or two pages (PRP1 and PRP2, Base 2.0
 * §4.1.1), a tracker free -- and leaves every other case to @slow with the
 * same arguments.  The argument checks are one predictable branch: count - 1
 * wraps for count 0, which io_max_sectors (<= 65536, 0 when the namespace
 * cannot do I/O) then refuses; no_fast covers the admin queue, a failed
 * queue, armed hooks and a running reset; a NULL buffer is in no span.  No
 * check for queued requests: while any wait, no tracker is free (request.c).
 */
static inline __attribute__((always_inline)) int
ns_rw(struct nvd_ns *ns, struct nvd_qpair *q, uint8_t opc, void *buf, uint64_t lba,
      uint32_t count, nvd_cmd_cb cb, void *cb_arg, uint32_t flags, ns_rw_fn slow)
{
	const struct dma_span *span;
	struct nvme_cmd *cmd;
	struct tracker *tr;
	size_t len, first;

	if (__builtin_expect(!(ns && q && q->ctrlr == ns->ctrlr && !q->no_fast &&
			       !((uintptr_t)buf & 3) && !(flags & ~NVD_IO_FLAGS) &&
			       count - 1 < ns->io_max_sectors && lba < ns->num_sectors &&
			       count <= ns->num_sectors - lba && !ctrlr_is_failed(q->ctrlr)), 0))
		return slow(ns, q, buf, lba, count, cb, cb_arg, flags);
	len = (size_t)count << ns->sector_shift;
	first = NVME_PAGE_SIZE - ((uintptr_t)buf & (NVME_PAGE_SIZE - 1));
	span = dma_span_cache_hit(&q->ctrlr->dma, &q->span_cache, buf, len);
	if (__builtin_expect(!span || len > first + NVME_PAGE_SIZE, 0))
		return slow(ns, q, buf, lba, count, cb, cb_arg, flags);
	tr = qpair_get_tracker(q);
	if (__builtin_expect(!tr, 0))
		return slow(ns, q, buf, lba, count, cb, cb_arg, flags);
	/* built in place in the SQ slot; the tail moves in qpair_commit_fast() */
	cmd = sq_ring_slot(&q->sq);
	*cmd = (struct nvme_cmd){
		.opc = opc,
		.nsid = ns->nsid,
		.prp1 = dma_span_bus(span, buf),
		.prp2 = len <= first ? 0 : dma_span_bus(span, (const uint8_t *)buf + first),
		.cdw10 = (uint32_t)lba,
		.cdw11 = (uint32_t)(lba >> 32),
		.cdw12 = (count - 1) | flags,	/* NLB is 0-based */
	};
	qpair_commit_fast(q, tr, cmd, cb, cb_arg);
	return 0;
}

NVD_EXPORT int nvd_ns_read(struct nvd_ns *ns, struct nvd_qpair *qpair, void *buf,
			   uint64_t lba, uint32_t count, nvd_cmd_cb cb, void *cb_arg,
			   uint32_t flags)
{
	return ns_rw(ns, qpair, NVME_CMD_READ, buf, lba, count, cb, cb_arg, flags, ns_read_slow);
}

NVD_EXPORT int nvd_ns_write(struct nvd_ns *ns, struct nvd_qpair *qpair, void *buf,
			    uint64_t lba, uint32_t count, nvd_cmd_cb cb, void *cb_arg,
			    uint32_t flags)
{
	return ns_rw(ns, qpair, NVME_CMD_WRITE, buf, lba, count, cb, cb_arg, flags, ns_write_slow);
}

NVD_EXPORT int nvd_ns_compare(struct nvd_ns *ns, struct nvd_qpair *qpair, void *buf,
			      uint64_t lba, uint32_t count, nvd_cmd_cb cb, void *cb_arg,
			      uint32_t flags)
{
	if (ns && !(ns->ctrlr->id.oncs & NVD_ONCS_COMPARE)) {
		nvd__clear_detail();
		nvd__set_detail("the controller does not support Compare (ONCS bit 0 is clear)");
		return -EOPNOTSUPP;
	}
	return ns_rw_slow(ns, qpair, NVME_CMD_COMPARE, buf, lba, count, cb, cb_arg, flags);
}
