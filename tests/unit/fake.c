// SPDX-License-Identifier: MIT
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fake.h"

static int fake_open(const char *bdf, struct pci_backend **out)
{
	(void)bdf;
	(void)out;
	return -ENODEV;
}

static void fake_close(struct pci_backend *t)
{
	fake_transport_free(t);
}

static int fake_dma_map(struct pci_backend *t, size_t size, void *at, struct dma_region *r)
{
	struct fake_transport *f = to_fake(t);
	void *va;

	/* the allocator must respect the transport's limits */
	ck_assert_uint_le(size, t->info.max_region_size);
	ck_assert_uint_eq(size % 4096, 0);
	ck_assert_uint_eq((uintptr_t)at % 4096, 0);
	if (f->fail_map_at && ++f->maps == (unsigned)f->fail_map_at)
		return -ENOMEM;
	if (!f->fail_map_at)
		f->maps++;
	va = mmap(at, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (va == MAP_FAILED)
		return -errno;
	r->vaddr = va;
	r->size = size;
	/* each region far from the last: buffers are not bus-contiguous */
	r->bus_addr = FAKE_BUS_BASE + (uint64_t)f->maps * FAKE_BUS_STEP;
	r->handle = r->bus_addr;
	f->live_regions++;
	for (unsigned i = 0; i < 64; i++) {
		if (!f->regions[i].va) {
			f->regions[i].bus = r->bus_addr;
			f->regions[i].va = va;
			f->regions[i].size = size;
			break;
		}
	}
	return 0;
}

static void fake_dma_unmap(struct pci_backend *t, struct dma_region *r)
{
	to_fake(t)->unmaps++;
	for (unsigned i = 0; i < 64; i++)
		if (to_fake(t)->regions[i].va == r->vaddr)
			to_fake(t)->regions[i].va = NULL;
	mmap(r->vaddr, r->size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
	     -1, 0);
	to_fake(t)->live_regions--;
}

static int fake_mem_pin(struct pci_backend *t, void *vaddr, size_t size, uint64_t *addrs,
			uint64_t *handle)
{
	struct fake_transport *f = to_fake(t);
	size_t i;

	ck_assert_uint_eq((uintptr_t)vaddr % 4096, 0);
	ck_assert_uint_eq(size % 4096, 0);
	ck_assert_uint_gt(size, 0);
	if (f->pin_error)
		return f->pin_error;
	*handle = ++f->last_handle;
	for (i = 0; i < size / 4096; i++)
		addrs[i] = fake_pin_addr(*handle, i);
	f->live_pins++;
	f->pinned_bytes += size;
	return 0;
}

static void fake_mem_unpin(struct pci_backend *t, uint64_t handle)
{
	struct fake_transport *f = to_fake(t);

	ck_assert_uint_gt(handle, 0);
	ck_assert_uint_le(handle, f->last_handle);
	ck_assert_uint_gt(f->live_pins, 0);
	f->live_pins--;
}

static int fake_set_irq(struct pci_backend *t, uint32_t vector, int efd)
{
	struct fake_transport *f = to_fake(t);

	ck_assert_uint_lt(vector, t->info.nr_vectors);
	ck_assert_uint_lt(vector, sizeof(f->irq_fd) / sizeof(f->irq_fd[0]));
	if (f->irq_error)
		return f->irq_error;
	f->irq_fd[vector] = efd;
	f->irq_masked[vector] = false;		/* routing or unrouting unmasks */
	return 0;
}

static int fake_mask_irq(struct pci_backend *t, uint32_t vector, bool mask)
{
	struct fake_transport *f = to_fake(t);

	ck_assert_uint_lt(vector, sizeof(f->irq_fd) / sizeof(f->irq_fd[0]));
	ck_assert_int_ge(f->irq_fd[vector], 0);		/* only a routed vector */
	/* the library asks only for changes */
	ck_assert_int_ne(f->irq_masked[vector], mask);
	if (mask)
		f->irq_masks++;
	else
		f->irq_unmasks++;
	if (f->mask_error)
		return f->mask_error;
	__atomic_store_n(&f->irq_masked[vector], mask, __ATOMIC_SEQ_CST);
	if (!mask && f->on_unmask)
		f->on_unmask(t, vector);
	return 0;
}

static const struct pci_backend_ops fake_ops = {
	.name = "fake",
	.open = fake_open,
	.close = fake_close,
	.dma_map = fake_dma_map,
	.dma_unmap = fake_dma_unmap,
	.mem_pin = fake_mem_pin,
	.mem_unpin = fake_mem_unpin,
	.set_irq = fake_set_irq,
	.mask_irq = fake_mask_irq,
};

struct pci_backend *fake_transport_new(size_t max_region)
{
	struct fake_transport *f = calloc(1, sizeof(*f));

	ck_assert_ptr_nonnull(f);
	f->bar_mem = aligned_alloc(4096, FAKE_BAR_SIZE);
	ck_assert_ptr_nonnull(f->bar_mem);
	memset(f->bar_mem, 0, FAKE_BAR_SIZE);
	f->base.ops = &fake_ops;
	f->base.bar = f->bar_mem;
	f->base.info.bar_size = FAKE_BAR_SIZE;
	f->base.info.max_region_size = max_region;
	f->base.info.max_dma_bytes = 1ull << 30;
	f->base.info.dma_mask = ~0ull;
	strcpy(f->base.info.devpath, "/dev/fake0");
	f->base.info.nr_vectors = 4;
	memset(f->irq_fd, 0xff, sizeof(f->irq_fd));

	/* CAP: MQES 1023 (0-based), TO 1 (500 ms), DSTRD 0, CSS NVM, MPSMIN 0 */
	*fake_reg(&f->base, NVME_REG_CAP) = 1023 | (1u << 24);
	*fake_reg(&f->base, NVME_REG_CAP + 4) = 1u << (37 - 32);
	*fake_reg(&f->base, NVME_REG_VS) = 0x10400;
	*fake_reg(&f->base, NVME_REG_CSTS) = NVME_CSTS_RDY;
	return &f->base;
}

void fake_transport_free(struct pci_backend *t)
{
	struct fake_transport *f = to_fake(t);

	free(f->bar_mem);
	free(f);
}

void fake_ctrlr_setup(struct fake_ctrlr *f, const struct fake_opts *o)
{
	struct fake_opts d = { .qsize = 8, .max_xfer = 128 * 1024, .nsze = 1000, .lbads = 9,
			       .max_region = 4 << 20 };
	struct nvd_ctrlr_opts opts;
	struct nvd_id_ns id;

	if (o) {
		d.qsize = o->qsize ? o->qsize : d.qsize;
		d.max_xfer = o->max_xfer ? o->max_xfer : d.max_xfer;
		d.nsze = o->nsze ? o->nsze : d.nsze;
		d.lbads = o->lbads ? o->lbads : d.lbads;
		d.ms = o->ms;
		d.max_region = o->max_region ? o->max_region : d.max_region;
		d.ctrlr_flags = o->ctrlr_flags;
		d.dbbuf = o->dbbuf;
	}
	memset(f, 0, sizeof(*f));
	f->t = fake_transport_new(d.max_region);
	nvd_ctrlr_opts_init(&opts);
	opts.flags = d.ctrlr_flags;
	ck_assert_int_eq(nvd__ctrlr_construct(&f->c, f->t, &opts), 0);
	if (d.dbbuf)
		ck_assert_int_eq(nvd__ctrlr_dbbuf_alloc(&f->c, 2), 0);
	f->c.max_xfer = d.max_xfer;
	f->c.enabled = true;

	memset(&id, 0, sizeof(id));
	id.nsze = id.ncap = id.nuse = d.nsze;
	id.nlbaf = 0;
	id.flbas = 0;
	id.lbaf[0].lbads = d.lbads;
	id.lbaf[0].ms = d.ms;
	nvd__ns_construct(&f->ns, &f->c, 1, &id);

	ck_assert_int_eq(nvd__qpair_construct(&f->q, &f->c, 1, d.qsize, f->c.max_xfer), 0);
	f->q.on_device = true;
	f->cq_phase = 1;
}

void fake_ctrlr_teardown(struct fake_ctrlr *f)
{
	nvd__qpair_destruct(&f->q);
	nvd__ctrlr_destruct(&f->c);
	ck_assert_uint_eq(to_fake(f->t)->live_regions, 0);
	ck_assert_uint_eq(to_fake(f->t)->live_pins, 0);
	fake_transport_free(f->t);
}

void fake_complete(struct fake_ctrlr *f, uint16_t cid, uint16_t status)
{
	volatile struct nvd_cpl *e = &((volatile struct nvd_cpl *)f->q.cq_mem)[f->cq_tail];

	f->sq_head = (f->sq_head + 1) % f->q.sq.size;
	e->cdw0 = 0;
	e->sqhd = (uint16_t)f->sq_head;
	e->sqid = f->q.qid;
	e->cid = cid;
	/* the phase tag goes in last, as a controller must */
	e->status = (uint16_t)((status & ~NVME_CPL_PHASE) | f->cq_phase);
	if (++f->cq_tail == f->q.cq.size) {
		f->cq_tail = 0;
		f->cq_phase ^= 1;
	}
}

uint32_t fake_sq_doorbell(struct fake_ctrlr *f)
{
	return *fake_reg(f->t, doorbell_offset(f->q.qid, false, 0));
}

uint32_t fake_cq_doorbell(struct fake_ctrlr *f)
{
	return *fake_reg(f->t, doorbell_offset(f->q.qid, true, 0));
}

void *fake_bus_to_virt(struct pci_backend *t, uint64_t bus)
{
	struct fake_transport *f = to_fake(t);
	unsigned i;

	for (i = 0; i < 64; i++)
		if (f->regions[i].va && bus >= f->regions[i].bus &&
		    bus < f->regions[i].bus + f->regions[i].size)
			return (uint8_t *)f->regions[i].va + (bus - f->regions[i].bus);
	return NULL;
}

void fake_arm_doorbells(struct fake_ctrlr *f)
{
	*fake_reg(f->t, doorbell_offset(f->q.qid, false, 0)) = FAKE_DB_UNTOUCHED;
	*fake_reg(f->t, doorbell_offset(f->q.qid, true, 0)) = FAKE_DB_UNTOUCHED;
}

uint32_t fake_shadow_sq(struct fake_ctrlr *f)
{
	ck_assert_ptr_nonnull(f->c.dbbuf_dbs);
	return f->c.dbbuf_dbs[2 * f->q.qid];
}

uint32_t fake_shadow_cq(struct fake_ctrlr *f)
{
	ck_assert_ptr_nonnull(f->c.dbbuf_dbs);
	return f->c.dbbuf_dbs[2 * f->q.qid + 1];
}

uint32_t fake_sq_tail(struct fake_ctrlr *f)
{
	return f->c.dbbuf_dbs ? fake_shadow_sq(f) : fake_sq_doorbell(f);
}

void fake_set_eventidx(struct fake_ctrlr *f, uint32_t sq_ei, uint32_t cq_ei)
{
	ck_assert_ptr_nonnull(f->c.dbbuf_eis);
	f->c.dbbuf_eis[2 * f->q.qid] = sq_ei;
	f->c.dbbuf_eis[2 * f->q.qid + 1] = cq_ei;
}

unsigned fake_process(struct fake_ctrlr *f)
{
	uint32_t tail = fake_sq_tail(f), size = f->q.sq.size;
	unsigned n = 0;

	ck_assert_uint_lt(tail, size);
	while (f->sq_head != tail) {
		const struct nvme_cmd *cmd = &((struct nvme_cmd *)f->q.sq_mem)[f->sq_head];

		fake_complete(f, cmd->cid, 0);	/* advances sq_head */
		n++;
	}
	if (f->c.dbbuf_dbs)
		fake_set_eventidx(f, tail, fake_shadow_cq(f));
	return n;
}

struct nvme_cmd *fake_sqe(struct fake_ctrlr *f, uint32_t slot)
{
	return &((struct nvme_cmd *)f->q.sq_mem)[slot];
}

uint32_t fake_pending(struct fake_ctrlr *f)
{
	return (f->q.sq.tail + f->q.sq.size - f->sq_head) % f->q.sq.size;
}

uint16_t fake_complete_next(struct fake_ctrlr *f, uint16_t status, struct nvme_cmd *cmd)
{
	const struct nvme_cmd *c;

	ck_assert_uint_gt(fake_pending(f), 0);
	c = fake_sqe(f, f->sq_head);
	if (cmd)
		*cmd = *c;
	fake_complete(f, c->cid, status);	/* advances sq_head */
	return c->cid;
}

int fake_fd_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	ck_assert_int_ge(poll(&p, 1, 0), 0);
	return (p.revents & POLLIN) != 0;
}

void fake_irq_fire(int fd)
{
	uint64_t one = 1;

	ck_assert_int_eq(write(fd, &one, sizeof(one)), sizeof(one));
}
