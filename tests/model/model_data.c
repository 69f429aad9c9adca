// SPDX-License-Identifier: MIT
/*
 * A command's data pointer as the controller walks it: PRPs (Base 2.0
 * §4.1.1, Figures 108-110) and SGLs (§4.1.2, Figures 117-121), each
 * resolved page by page through the bus -> virtual lookup, with the
 * spec's checks turned into the statuses a controller returns.
 */
#include <string.h>

#include "model_priv.h"

#define PAGE		NVME_PAGE_SIZE
#define MAX_SGL_DESCS	4096

static uint16_t add_seg(struct model *m, struct model_xfer *x, uint64_t bus, uint32_t len)
{
	uint8_t *va;

	if (x->n == sizeof(x->seg) / sizeof(x->seg[0]))
		return MS_INVALID_FIELD;
	va = model_bus_to_virt(m, bus, len);
	if (!va)
		return MS_DATA_XFER_ERROR;
	x->seg[x->n].va = va;
	x->seg[x->n].len = len;
	x->n++;
	return MS_OK;
}

/*
 * PRP1 may start anywhere dword aligned in a page; every later entry
 * points at a page start.  When more than one further page is needed,
 * PRP2 points at a list whose last entry chains to the next list page.
 */
static uint16_t map_prp(struct model *m, const struct nvme_cmd *cmd, size_t len,
			struct model_xfer *x)
{
	uint64_t *list, entry;
	uint32_t first, chunk, nent, i;
	size_t left;
	uint16_t st;

	if (cmd->prp1 & 3)
		return MS_PRP_OFFSET_INVALID;
	first = PAGE - (uint32_t)(cmd->prp1 & (PAGE - 1));
	chunk = len < first ? (uint32_t)len : first;
	st = add_seg(m, x, cmd->prp1, chunk);
	if (st)
		return st;
	left = len - chunk;
	if (!left)
		return MS_OK;
	if (left <= PAGE) {
		if (cmd->prp2 & (PAGE - 1))
			return MS_PRP_OFFSET_INVALID;
		return add_seg(m, x, cmd->prp2, (uint32_t)left);
	}
	/* a list pointer: qword aligned, may start inside its page */
	entry = cmd->prp2;
	if (entry & 7)
		return MS_PRP_OFFSET_INVALID;
	for (;;) {
		nent = (PAGE - (uint32_t)(entry & (PAGE - 1))) / 8;
		list = model_bus_to_virt(m, entry, (size_t)nent * 8);
		if (!list)
			return MS_DATA_XFER_ERROR;
		for (i = 0; i < nent && left; i++) {
			/* the last entry of a full list page chains on */
			if (i == nent - 1 && left > PAGE) {
				entry = list[i];
				if (entry & 7)
					return MS_PRP_OFFSET_INVALID;
				break;
			}
			if (list[i] & (PAGE - 1))
				return MS_PRP_OFFSET_INVALID;
			chunk = left < PAGE ? (uint32_t)left : PAGE;
			st = add_seg(m, x, list[i], chunk);
			if (st)
				return st;
			left -= chunk;
		}
		if (!left)
			return MS_OK;
	}
}

/*
 * SGL: SGL1 is a Data Block, Segment or Last Segment descriptor.  A
 * segment is a list of descriptors whose last may chain to the next
 * (Segment) or to the final list (Last Segment); a Last Segment list holds
 * no further segment descriptors.  Data Blocks must add up to @len.
 */
static uint16_t map_sgl(struct model *m, const struct nvme_cmd *cmd, size_t len,
			struct model_xfer *x)
{
	struct model_sgl d, *list = NULL;
	unsigned i = 0, n = 0, total = 0;
	bool last_list = false;
	size_t got = 0;
	uint16_t st;

	memcpy(&d, &cmd->prp1, sizeof(d));
	for (;;) {
		unsigned type = d.id >> 4;

		if (d.id & 0xf)
			return MS_SGL_TYPE_INVALID;	/* only address subtypes */
		if (++total > MAX_SGL_DESCS)
			return MS_SGL_NUM_INVALID;
		if (type == SGL_TYPE_DATA) {
			if (got + d.len > len)
				return MS_SGL_LEN_INVALID;
			for (uint32_t off = 0; off < d.len;) {
				/* one piece per page: pages need not be bus-contiguous here */
				uint32_t in = PAGE - (uint32_t)((d.addr + off) & (PAGE - 1));
				uint32_t c = d.len - off < in ? d.len - off : in;

				st = add_seg(m, x, d.addr + off, c);
				if (st)
					return st;
				off += c;
			}
			got += d.len;
		} else if (type == SGL_TYPE_SEGMENT || type == SGL_TYPE_LAST_SEGMENT) {
			/* only as the last descriptor of its list, never inside a last list */
			if ((list && i != n) || last_list)
				return MS_SGL_SEG_INVALID;
			if (!d.len || d.len % sizeof(struct model_sgl) || (d.addr & 0xf))
				return MS_SGL_SEG_INVALID;
			list = model_bus_to_virt(m, d.addr, d.len);
			if (!list)
				return MS_DATA_XFER_ERROR;
			n = d.len / sizeof(struct model_sgl);
			i = 0;
			last_list = type == SGL_TYPE_LAST_SEGMENT;
		} else {
			/* bit bucket and keyed/transport types: SGLS does not offer them */
			return MS_SGL_TYPE_INVALID;
		}
		if (!list || i == n)
			break;
		d = list[i++];
		if (i == n && !last_list && (d.id >> 4) != SGL_TYPE_SEGMENT &&
		    (d.id >> 4) != SGL_TYPE_LAST_SEGMENT)
			return MS_SGL_SEG_INVALID;	/* a Segment must chain on */
	}
	return got == len ? MS_OK : MS_SGL_LEN_INVALID;
}

uint16_t model_map_data(struct model *m, const struct nvme_cmd *cmd, size_t len,
			struct model_xfer *x)
{
	x->n = 0;
	if (!len)
		return MS_OK;
	switch (MODEL_PSDT(cmd->flags)) {
	case 0:
		return map_prp(m, cmd, len, x);
	case 1:
		return map_sgl(m, cmd, len, x);
	default:
		/* 10b (SGL with metadata as one buffer) is not offered; 11b reserved */
		return MS_INVALID_FIELD;
	}
}

void model_xfer_to_host(struct model_xfer *x, const void *src, size_t len)
{
	const uint8_t *s = src;
	unsigned i;

	for (i = 0; i < x->n && len; i++) {
		uint32_t c = x->seg[i].len < len ? x->seg[i].len : (uint32_t)len;

		memcpy(x->seg[i].va, s, c);
		s += c;
		len -= c;
	}
}

void model_xfer_from_host(struct model_xfer *x, void *dst, size_t len)
{
	uint8_t *d = dst;
	unsigned i;

	for (i = 0; i < x->n && len; i++) {
		uint32_t c = x->seg[i].len < len ? x->seg[i].len : (uint32_t)len;

		memcpy(d, x->seg[i].va, c);
		d += c;
		len -= c;
	}
}
