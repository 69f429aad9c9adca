// SPDX-License-Identifier: MIT
/*
 * Vectored reads and writes: the caller's element list, walked through its
 * reset_sgl/next_sge callbacks, cut into bus-contiguous pieces (an element
 * may cross DMA regions, so pieces end at least at every 4 KiB page) and
 * handed to the PRP builder or the SGL builder.
 *
 * PRPs can describe a list only when it looks like one buffer page by page
 * (Base 2.0 §4.3.1): every element but the first starts on a page boundary
 * and every element but the last ends on one.  Otherwise an SGL (§4.3.2)
 * does, if the controller supports SGLs and NVD_CTRLR_FORCE_PRP is unset.
 * The whole list is checked when the I/O is submitted, and walked again per
 * piece of a split when the command gets its tracker.
 */
#include <errno.h>

#include "core/ctrlr.h"
#include "core/error.h"
#include "core/export.h"
#include "core/ns.h"
#include "core/request.h"
#include "pcie/qpair.h"
#include "tcp/transport.h"

#define PAGE_MASK	((uintptr_t)NVME_PAGE_SIZE - 1)

/* The caller's list as bus-contiguous pieces (sgl_next_fn). */
struct iov_iter {
	struct dma_pool *pool;
	nvd_req_next_sge_cb next_sge;
	void *arg;
	uintptr_t va;			/* rest of the current element */
	uint32_t left;
	uint32_t total_left;		/* bytes of the transfer not yet handed out */
	const struct dma_span *span;
};

static int iov_next(void *ctx, uint64_t *bus, uint32_t *len)
{
	struct iov_iter *it = ctx;
	uint32_t n;
	void *addr;

	if (!it->left) {
		if (it->next_sge(it->arg, &addr, &it->left) || !it->left || !addr)
			return -EINVAL;
		it->va = (uintptr_t)addr;
		it->span = dma_pool_find_span(it->pool, addr, it->left);
		if (!it->span)
			return -EFAULT;
	}
	n = NVME_PAGE_SIZE - (uint32_t)(it->va & PAGE_MASK);
	if (n > it->left)
		n = it->left;
	if (n > it->total_left)
		n = it->total_left;
	*bus = dma_span_bus(it->span, (const void *)it->va);
	*len = n;
	it->va += n;
	it->left -= n;
	it->total_left -= n;
	if (!it->total_left)
		it->left = 0;
	return 0;
}

static void iov_start(struct iov_iter *it, struct nvd_qpair *q, nvd_req_reset_sgl_cb reset_sgl,
		      nvd_req_next_sge_cb next_sge, void *arg, uint32_t offset, uint32_t len)
{
	*it = (struct iov_iter){ .pool = &q->ctrlr->dma, .next_sge = next_sge, .arg = arg,
				 .total_left = len };
	reset_sgl(arg, offset);
}

int nvd__req_map_sgl(struct nvd_qpair *q, struct tracker *tr, struct nvme_cmd *cmd,
		struct request *r)
{
	struct iov_iter it;

	iov_start(&it, q, r->reset_sgl, r->next_sge, r->cb_arg, r->sgl_offset, r->len);
	if (r->use_sgl)
		return nvd__sgl_build(cmd, r->len, iov_next, &it, TRACKER_SGL(q, tr),
				 q->prp_per_tracker);
	return nvd__prp_build_pieces(r->len, iov_next, &it, tr->prp, q->prp_per_tracker, &cmd->prp1,
				&cmd->prp2);
}

/* A contiguous buffer in one span, as pieces of at most a page. */
struct span_iter {
	const struct dma_span *s;
	const uint8_t *p;
	size_t left;
};

static int span_next(void *ctx, uint64_t *bus, uint32_t *len)
{
	struct span_iter *it = ctx;
	uint32_t n = NVME_PAGE_SIZE - (uint32_t)((uintptr_t)it->p & PAGE_MASK);

	if (!it->left)
		return -EINVAL;
	if (n > it->left)
		n = (uint32_t)it->left;
	*bus = dma_span_bus(it->s, it->p);
	*len = n;
	it->p += n;
	it->left -= n;
	return 0;
}

int nvd__qpair_map_span_sgl(struct nvd_qpair *q, struct tracker *tr, struct nvme_cmd *cmd,
		       const struct dma_span *s, const void *buf, size_t len)
{
	struct span_iter it = { .s = s, .p = buf, .left = len };

	return nvd__sgl_build(cmd, len, span_next, &it, TRACKER_SGL(q, tr), q->prp_per_tracker);
}

/*
 * Check the whole list once: every element DMA memory, and PRPs or (when
 * allowed) an SGL able to describe it.  *@use_sgl says which.  0 or
 * -EINVAL with words.
 */
static int iov_check(struct nvd_qpair *q, const char *what, nvd_req_reset_sgl_cb reset_sgl,
		     nvd_req_next_sge_cb next_sge, void *arg, uint32_t len, bool *use_sgl)
{
	uint32_t left = len, elen, e = 0, npieces = 0;
	bool prp_ok = true, sgl_ok = q->sgl;
	uintptr_t p, end;
	void *addr;

	reset_sgl(arg, 0);
	while (left) {
		if (next_sge(arg, &addr, &elen) || !elen || !addr) {
			nvd__set_detail("%s: element %u: next_sge gave nothing with %u of %u bytes still to describe",
				   what, e, left, len);
			return -EINVAL;
		}
		if (elen > left)
			elen = left;
		p = (uintptr_t)addr;
		end = p + elen;
		if (!dma_pool_find_span(&q->ctrlr->dma, addr, elen)) {
			nvd__set_detail("%s: element %u (%p, %u bytes) is not DMA memory from nvd_dma_alloc or registered with nvd_mem_register",
				   what, e, addr, elen);
			return -EINVAL;
		}
		if ((e == 0 && (p & 3)) || (e > 0 && (p & PAGE_MASK)) ||
		    (elen < left && (end & PAGE_MASK)))
			prp_ok = false;
		if (q->sgl_dword && ((p | elen) & 3))
			sgl_ok = false;
		/* pieces end at page boundaries (and element ends) */
		npieces += (uint32_t)(((end + PAGE_MASK) & ~PAGE_MASK) - (p & ~PAGE_MASK)) /
			   NVME_PAGE_SIZE;
		left -= elen;
		e++;
	}
	if (prp_ok) {
		*use_sgl = false;
		return 0;
	}
	if (sgl_ok && npieces <= q->prp_per_tracker * (SGL_DESCS_PER_PAGE - 1)) {
		*use_sgl = true;
		return 0;
	}
	if (sgl_ok)
		nvd__set_detail("%s: the list makes %u pieces; an SGL here holds at most %zu", what,
			   npieces, (size_t)q->prp_per_tracker * (SGL_DESCS_PER_PAGE - 1));
	else
		nvd__set_detail("%s: PRPs cannot describe the list (only the first element may start, and only the last may end, off a 4 KiB page boundary) and %s",
			   what, !(q->ctrlr->id.sgls & NVD_SGLS_SUPPORT_MASK) ?
			   "the controller does not support SGLs" :
			   !q->sgl ? "SGLs are turned off (NVD_CTRLR_FORCE_PRP or NVDIRECT_FORCE_PRP)" :
			   "the controller's SGLs need dword-aligned elements");
	return -EINVAL;
}

static int ns_rwv(struct nvd_ns *ns, struct nvd_qpair *q, uint8_t opc, uint64_t lba,
		  uint32_t count, nvd_cmd_cb cb, void *cb_arg, uint32_t flags,
		  nvd_req_reset_sgl_cb reset_sgl, nvd_req_next_sge_cb next_sge)
{
	struct nvme_cmd tmpl = { .opc = opc, .cdw12 = flags };
	const char *what = opc == NVME_CMD_READ ? "readv" : "writev";
	bool use_sgl;
	int err;

	err = nvd__ns_check_io(ns, q, what, lba, count, flags, NVD_IO_FLAGS);
	if (err)
		return err;
	if (!reset_sgl || !next_sge) {
		nvd__set_detail("%s needs both reset_sgl and next_sge", what);
		return -EINVAL;
	}
	if ((uint64_t)count << ns->sector_shift > UINT32_MAX) {
		nvd__set_detail("%s of %u LBAs is more than 4 GiB", what, count);
		return -EINVAL;
	}
	/* NVMe/TCP: data PDUs walk the caller's list; no PRP or SGL rules */
	if (q->tcp)
		return nvd__tcp_ns_rwv(ns, q, opc, lba, count, cb, cb_arg, flags, reset_sgl,
				       next_sge);
	err = iov_check(q, what, reset_sgl, next_sge, cb_arg, count << ns->sector_shift, &use_sgl);
	if (err)
		return err;
	tmpl.nsid = ns->nsid;
	/* a piece may start inside an element: as a first element it needs only a dword */
	return nvd__qpair_submit_split(q, &tmpl, NULL, ns->sector_shift, lba, count, ns->max_io_sectors,
				  cb, cb_arg, reset_sgl, next_sge, use_sgl);
}

NVD_EXPORT int nvd_ns_readv(struct nvd_ns *ns, struct nvd_qpair *qpair, uint64_t lba,
			    uint32_t count, nvd_cmd_cb cb, void *cb_arg, uint32_t flags,
			    nvd_req_reset_sgl_cb reset_sgl, nvd_req_next_sge_cb next_sge)
{
	return ns_rwv(ns, qpair, NVME_CMD_READ, lba, count, cb, cb_arg, flags, reset_sgl,
		      next_sge);
}

NVD_EXPORT int nvd_ns_writev(struct nvd_ns *ns, struct nvd_qpair *qpair, uint64_t lba,
			     uint32_t count, nvd_cmd_cb cb, void *cb_arg, uint32_t flags,
			     nvd_req_reset_sgl_cb reset_sgl, nvd_req_next_sge_cb next_sge)
{
	return ns_rwv(ns, qpair, NVME_CMD_WRITE, lba, count, cb, cb_arg, flags, reset_sgl,
		      next_sge);
}
