// SPDX-License-Identifier: MIT
/*
 * Vectored reads and writes: the caller's element list, walked through its
 * reset_sgl/next_sge callbacks, described with PRPs.  PRPs can describe a
 * list only when it looks like one buffer page by page (Base 2.0 §4.3.1):
 * every element but the first starts on a page boundary and every element
 * but the last ends on one; the first may start at any dword.  The list
 * is checked once when the I/O is submitted and walked again, per piece,
 * when the command gets its tracker.
 */
#include <errno.h>

#include "internal.h"

#define PAGE_MASK	((uintptr_t)NVME_PAGE_SIZE - 1)

/* Where PRP entry k of @total goes: PRP1, PRP2, or a list page (chained). */
struct prp_out {
	struct nvme_cmd *cmd;
	const struct prp_list_page *pages;
	unsigned npages, page, slot;
	uint32_t k, total;
};

static int prp_emit(struct prp_out *o, uint64_t bus)
{
	if (o->k == 0) {
		o->cmd->prp1 = bus;
		o->cmd->prp2 = 0;
	} else if (o->total == 2) {
		o->cmd->prp2 = bus;
	} else {
		if (o->k == 1) {
			if (!o->npages)
				return -E2BIG;
			o->cmd->prp2 = o->pages[0].bus;
		}
		if (o->slot == PRP_ENTRIES_PER_PAGE - 1 && o->k + 1 < o->total) {
			/* last slot and more to come: chain to the next page */
			if (++o->page == o->npages)
				return -E2BIG;
			o->pages[o->page - 1].entries[o->slot] = o->pages[o->page].bus;
			o->slot = 0;
		}
		o->pages[o->page].entries[o->slot++] = bus;
	}
	o->k++;
	return 0;
}

/*
 * Walk @len bytes of the list from byte @offset; with @o, emit PRP entries
 * (the checks already passed).  0, or -EINVAL with words.
 */
static int iov_walk(struct nvd_qpair *q, nvd_req_reset_sgl_cb reset_sgl,
		    nvd_req_next_sge_cb next_sge, void *arg, uint32_t offset, uint32_t len,
		    struct prp_out *o)
{
	uint32_t left = len, elen, e = 0;
	const struct dma_span *span;
	uintptr_t p, end;
	void *addr;
	int err;

	reset_sgl(arg, offset);
	while (left) {
		if (next_sge(arg, &addr, &elen) || !elen || !addr) {
			set_detail("element %u of the list: next_sge failed with %u of %u bytes still to describe",
				   e, left, len);
			return -EINVAL;
		}
		if (elen > left)
			elen = left;
		p = (uintptr_t)addr;
		end = p + elen;
		if ((e == 0 && (p & 3)) || (e > 0 && (p & PAGE_MASK)) ||
		    (elen < left && (end & PAGE_MASK))) {
			set_detail("element %u (%p, %u bytes) breaks the PRP rules: only the first may start and only the last may end off a 4 KiB page boundary (and the first on a dword)",
				   e, addr, elen);
			return -EINVAL;
		}
		span = dma_pool_find_span(&q->ctrlr->dma, addr, elen);
		if (!span) {
			set_detail("element %u (%p, %u bytes) is not DMA memory from nvd_dma_alloc or registered with nvd_mem_register",
				   e, addr, elen);
			return -EINVAL;
		}
		if (o && e == 0)
			o->total = (uint32_t)(((p & PAGE_MASK) + len + PAGE_MASK) / NVME_PAGE_SIZE);
		for (; o && p < end; p = (p & ~PAGE_MASK) + NVME_PAGE_SIZE) {
			err = prp_emit(o, dma_span_bus(span, (const void *)p));
			if (err)
				return err;
		}
		left -= elen;
		e++;
	}
	return 0;
}

int req_map_sgl(struct nvd_qpair *q, struct tracker *tr, struct nvme_cmd *cmd,
		struct request *r)
{
	struct prp_out o = { .cmd = cmd, .pages = tr->prp, .npages = q->prp_per_tracker };

	return iov_walk(q, r->reset_sgl, r->next_sge, r->cb_arg, r->sgl_offset, r->len, &o);
}

static int ns_rwv(struct nvd_ns *ns, struct nvd_qpair *q, uint8_t opc, uint64_t lba,
		  uint32_t count, nvd_cmd_cb cb, void *cb_arg, uint32_t flags,
		  nvd_req_reset_sgl_cb reset_sgl, nvd_req_next_sge_cb next_sge)
{
	struct nvme_cmd tmpl = { .opc = opc, .cdw12 = flags };
	const char *what = opc == NVME_CMD_READ ? "readv" : "writev";
	uint32_t max;
	int err;

	err = ns_check_io(ns, q, what, lba, count, flags, NVD_IO_FLAGS);
	if (err)
		return err;
	if (!reset_sgl || !next_sge) {
		set_detail("%s needs both reset_sgl and next_sge", what);
		return -EINVAL;
	}
	if ((uint64_t)count << ns->sector_shift > UINT32_MAX) {
		set_detail("%s of %u LBAs is more than 4 GiB", what, count);
		return -EINVAL;
	}
	err = iov_walk(q, reset_sgl, next_sge, cb_arg, 0, count << ns->sector_shift, NULL);
	if (err)
		return err;
	/* pieces start on a page boundary of the payload, so their PRPs stay valid */
	max = ns->max_io_sectors;
	tmpl.nsid = ns->nsid;
	return qpair_submit_split(q, &tmpl, NULL, ns->sector_shift, lba, count, max, cb, cb_arg,
				  reset_sgl, next_sge);
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
