/* SPDX-License-Identifier: MIT */
/*
 * Requests the library holds on to: the per-queue-pair pool, the FIFO of
 * those waiting for a tracker, split transfers (request.c).
 */
#ifndef NVD_CORE_REQUEST_H
#define NVD_CORE_REQUEST_H

#include <stdbool.h>
#include <stdint.h>

#include <nvdirect.h>

#include "core/nvme_spec.h"

struct nvd_qpair;

/*
 * An I/O the library holds on to (request.c): one that waits for a free
 * tracker in the queue pair's FIFO, one piece of a split transfer, the
 * parent of a split, or a command whose completion frees something (DSM
 * range page).  Taken from a per-qpair pool of nvd_io_qpair_opts.io_requests.
 */
struct request {
	struct request *next;		/* FIFO or free list */
	struct nvd_qpair *qp;
	struct nvme_cmd cmd;		/* data pointers filled at submission */
	void *buf;			/* data, or NULL */
	uint32_t len;
	nvd_cmd_cb cb;			/* the caller's; NULL for a split child */
	void *cb_arg;
	struct request *parent;		/* split child: the request it is a piece of */
	uint32_t children;		/* parent: pieces not yet complete */
	struct nvd_cpl cpl;		/* parent: first error, else last completion */
	int16_t dsm_page;		/* index of its DSM range page, or -1 */
	/* readv/writev: the caller's scatter-gather list */
	nvd_req_reset_sgl_cb reset_sgl;
	nvd_req_next_sge_cb next_sge;
	uint32_t sgl_offset;		/* byte offset of this piece in the list (< 4 GiB: reset_sgl's) */
	bool use_sgl;			/* the list breaks PRP rules: an SGL describes it */
};

/* Replace @q's request pool by one of @n (0: 4 x trackers); none may be in use. */
int nvd__qpair_alloc_requests(struct nvd_qpair *q, uint32_t n);
void nvd__qpair_free_requests(struct nvd_qpair *q);
/* Submit queued requests while trackers are free. */
void nvd__qpair_drain(struct nvd_qpair *q);
/* Complete @r (never sent, or its tracker gone) with @cpl. */
void nvd__req_complete(struct request *r, const struct nvd_cpl *cpl);
/* Take @q's FIFO: the caller completes what it held. */
struct request *nvd__qpair_take_queued(struct nvd_qpair *q);
struct request *nvd__req_get(struct nvd_qpair *q);
void nvd__req_put(struct nvd_qpair *q, struct request *r);
/* Send @r now if nothing waits and a tracker is free, else append it to the FIFO. */
void nvd__qpair_queue_req(struct nvd_qpair *q, struct request *r);
/*
 * Send @cmd with @len bytes at @buf (already validated DMA memory, or
 * NULL): straight to the SQ when possible, else as a queued request.
 */
int nvd__qpair_submit_cmd(struct nvd_qpair *q, const struct nvme_cmd *cmd, void *buf, uint32_t len,
		     nvd_cmd_cb cb, void *cb_arg);
/*
 * @count LBAs from @lba as pieces of at most @max LBAs: @tmpl gives opcode,
 * nsid and CDW12 flags; @buf (or NULL) advances by piece << @shift.  With
 * reset_sgl/next_sge the data is the caller's list instead, described by an
 * SGL when @use_sgl.  -ENOMEM (with words) when the pool cannot hold all
 * pieces; -EINVAL (with words) when a piece with data passes 4 GiB, or a
 * vectored one starts past it.  @count << @shift must fit 64 bits.
 */
int nvd__qpair_submit_split(struct nvd_qpair *q, const struct nvme_cmd *tmpl, void *buf,
		       unsigned shift, uint64_t lba, uint64_t count, uint32_t max, nvd_cmd_cb cb,
		       void *cb_arg, nvd_req_reset_sgl_cb reset_sgl, nvd_req_next_sge_cb next_sge,
		       bool use_sgl);

/* DSM range pages of @q: one free page's index, or -1. */
int nvd__qpair_get_dsm_page(struct nvd_qpair *q);

#endif /* NVD_CORE_REQUEST_H */
