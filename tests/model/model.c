// SPDX-License-Identifier: MIT
/*
 * The model's transport (BAR as plain memory, DMA regions and pins with
 * made-up bus addresses and the bus -> virtual lookup the controller
 * side uses), its lifetime, the controller thread and model_step().
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "model_priv.h"

/* Live models by BDF: transport open() has nothing else to go by. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct model *registry[8];

uint64_t model_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- transport ops ---------------------------------------------------- */

static int model_open(const char *bdf, struct pci_backend **out)
{
	struct model *m = NULL;
	unsigned i;

	pthread_mutex_lock(&registry_lock);
	for (i = 0; i < sizeof(registry) / sizeof(registry[0]); i++)
		if (registry[i] && !strcmp(registry[i]->cfg.bdf, bdf))
			m = registry[i];
	pthread_mutex_unlock(&registry_lock);
	if (!m)
		return -ENODEV;
	pthread_mutex_lock(&m->lock);
	if (m->open) {
		pthread_mutex_unlock(&m->lock);
		return -EBUSY;
	}
	m->open = true;
	pthread_mutex_unlock(&m->lock);
	*out = &m->t;
	return 0;
}

/*
 * As nvdirect.ko's release (kmod/ctrl.c nvd_quiesce): the controller is
 * stopped, then the regions and pins the library still holds are freed.
 * The library leaves some only when it could not confirm the controller
 * stopped (nvd_ctrlr_detach); leaving any after a completed shutdown or
 * disable is a leak, which model_destroy() reports.
 */
static void model_close(struct pci_backend *t)
{
	struct model *m = to_model(t);
	unsigned i, left = 0;
	bool confirmed;

	pthread_mutex_lock(&m->lock);
	m->open = false;
	confirmed = !m->gone && (!m->enabled || m->shutdown);
	/* a controller that completed shutdown processes nothing more: left as it is */
	if (m->enabled && !m->shutdown && !m->gone) {
		/* CC.EN = 0: a Controller Reset, as handle_cc() does it */
		*model_reg(m, NVME_REG_CC) = 0;
		m->cc = 0;
		model_reset_queues(m);
		m->enabled = m->ready = m->cfs = m->shutdown = false;
		m->stats.resets++;
		__atomic_store_n(model_reg(m, NVME_REG_CSTS), 0, __ATOMIC_RELEASE);
	}
	/* the library unmaps its own view of the regions */
	for (i = 0; i < MODEL_MAX_REGIONS; i++) {
		if (m->regions[i].va) {
			m->regions[i].va = NULL;
			left++;
		}
	}
	m->live_regions = 0;
	for (i = 0; i < MODEL_MAX_PINS; i++) {
		if (m->pins[i].va) {
			m->pins[i].va = NULL;
			left++;
		}
	}
	m->stats.released_at_close += left;
	if (confirmed)
		m->leaked_at_close += left;
	pthread_mutex_unlock(&m->lock);
}

static int model_dma_map(struct pci_backend *t, size_t size, void *at, struct dma_region *r)
{
	struct model *m = to_model(t);
	unsigned i;
	void *va;

	ck_assert_uint_le(size, t->info.max_region_size);
	ck_assert_uint_eq(size % 4096, 0);
	ck_assert_uint_eq((uintptr_t)at % 4096, 0);
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < MODEL_MAX_REGIONS && m->regions[i].va; i++)
		;
	if (i == MODEL_MAX_REGIONS) {
		/* no Check assertion under the lock: the thread would wait forever */
		pthread_mutex_unlock(&m->lock);
		return -ENOMEM;
	}
	va = mmap(at, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (va == MAP_FAILED) {
		pthread_mutex_unlock(&m->lock);
		return -errno;
	}
	m->maps++;
	r->vaddr = va;
	r->size = size;
	r->bus_addr = MODEL_BUS_BASE + (uint64_t)m->maps * MODEL_BUS_STEP;
	r->handle = r->bus_addr;
	m->regions[i] = (struct model_region){ r->bus_addr, va, size };
	m->live_regions++;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

static void model_dma_unmap(struct pci_backend *t, struct dma_region *r)
{
	struct model *m = to_model(t);
	unsigned i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < MODEL_MAX_REGIONS; i++) {
		if (m->regions[i].va == r->vaddr) {
			m->regions[i].va = NULL;
			m->live_regions--;
		}
	}
	mmap(r->vaddr, r->size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
	     -1, 0);
	pthread_mutex_unlock(&m->lock);
}

/* Page @i of pin @h: descending, 64 KiB apart, so no two are adjacent. */
static uint64_t pin_page_bus(uint64_t h, size_t i)
{
	return MODEL_PIN_BASE + h * MODEL_BUS_STEP - (i + 1) * 0x10000;
}

static int model_mem_pin(struct pci_backend *t, void *vaddr, size_t size, uint64_t *addrs,
			 uint64_t *handle)
{
	struct model *m = to_model(t);
	unsigned i;
	size_t p;

	ck_assert_uint_eq((uintptr_t)vaddr % 4096, 0);
	ck_assert_uint_eq(size % 4096, 0);
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < MODEL_MAX_PINS && m->pins[i].va; i++)
		;
	if (i == MODEL_MAX_PINS) {
		pthread_mutex_unlock(&m->lock);
		return -ENOMEM;
	}
	m->pins[i].handle = ++m->last_pin;
	m->pins[i].va = vaddr;
	m->pins[i].npages = size / 4096;
	for (p = 0; p < size / 4096; p++)
		addrs[p] = pin_page_bus(m->pins[i].handle, p);
	*handle = m->pins[i].handle;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

static void model_mem_unpin(struct pci_backend *t, uint64_t handle)
{
	struct model *m = to_model(t);
	unsigned i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < MODEL_MAX_PINS; i++)
		if (m->pins[i].va && m->pins[i].handle == handle)
			m->pins[i].va = NULL;
	pthread_mutex_unlock(&m->lock);
}

static int model_set_irq(struct pci_backend *t, uint32_t vector, int efd)
{
	struct model *m = to_model(t);

	ck_assert_uint_lt(vector, t->info.nr_vectors);
	pthread_mutex_lock(&m->lock);
	m->irq_fd[vector] = efd;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

const struct pci_backend_ops model_transport_ops = {
	.name = "model",
	.open = model_open,
	.close = model_close,
	.dma_map = model_dma_map,
	.dma_unmap = model_dma_unmap,
	.mem_pin = model_mem_pin,
	.mem_unpin = model_mem_unpin,
	.set_irq = model_set_irq,
};

/* Host memory behind [bus, bus + len), which must lie in one region or page. */
void *model_bus_to_virt(struct model *m, uint64_t bus, size_t len)
{
	const struct model_region *r;
	const struct model_pin *p;
	uint64_t top, off, start;
	unsigned i;

	for (i = 0; i < MODEL_MAX_REGIONS; i++) {
		r = &m->regions[i];
		if (r->va && bus >= r->bus && bus - r->bus + len <= r->size)
			return r->va + (bus - r->bus);
	}
	for (i = 0; i < MODEL_MAX_PINS; i++) {
		p = &m->pins[i];
		if (!p->va)
			continue;
		top = MODEL_PIN_BASE + p->handle * MODEL_BUS_STEP;
		if (bus >= top || top - bus > p->npages * 0x10000)
			continue;
		off = (top - bus - 1) / 0x10000;	/* page index */
		start = pin_page_bus(p->handle, off);
		if (bus - start + len > 4096)
			return NULL;
		return p->va + off * 4096 + (bus - start);
	}
	return NULL;
}

/* ---- lifetime --------------------------------------------------------- */

void model_config_init(struct model_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->bdf, sizeof(cfg->bdf), "0000:7e:00.0");
	cfg->mqes = 1023;
	cfg->to = 10;
	cfg->mdts = 5;
	cfg->max_io_queues = 8;
	cfg->nr_vectors = 8;
	cfg->max_region = 4u << 20;
	cfg->nr_ns = 1;
	cfg->ns[0].nsze = 2048;
	cfg->ns[0].lbads = 9;
}

struct model *model_create(const struct model_config *cfg)
{
	struct model *m = calloc(1, sizeof(*m));
	unsigned i, slot;
	bool dup = false;

	ck_assert_ptr_nonnull(m);
	m->cfg = *cfg;
	ck_assert_uint_le(cfg->nr_ns, MODEL_MAX_NS);
	ck_assert_uint_le(cfg->max_io_queues, MODEL_MAX_QUEUES);
	ck_assert_uint_le(cfg->nr_vectors, sizeof(m->irq_fd) / sizeof(m->irq_fd[0]));
	pthread_mutex_init(&m->lock, NULL);
	m->bar = aligned_alloc(4096, MODEL_BAR_SIZE);
	ck_assert_ptr_nonnull(m->bar);
	memset(m->bar, 0, MODEL_BAR_SIZE);
	for (i = 0; i < sizeof(m->irq_fd) / sizeof(m->irq_fd[0]); i++)
		m->irq_fd[i] = -1;

	m->t.ops = &model_transport_ops;
	m->t.bar = m->bar;
	m->t.info.bar_size = MODEL_BAR_SIZE;
	m->t.info.max_region_size = cfg->max_region;
	m->t.info.max_dma_bytes = 1ull << 30;
	m->t.info.dma_mask = ~0ull;
	m->t.info.nr_vectors = cfg->nr_vectors;
	snprintf(m->t.info.devpath, sizeof(m->t.info.devpath), "/dev/model");

	for (i = 0; i < cfg->nr_ns; i++)
		ck_assert_int_eq(model_ns_init(m, i, &cfg->ns[i]), 0);
	model_admin_init(m);
	model_regs_reset(m);

	/* no Check assertion under the lock: a failed one would keep it taken */
	pthread_mutex_lock(&registry_lock);
	for (i = 0; i < sizeof(registry) / sizeof(registry[0]); i++)
		if (registry[i] && !strcmp(registry[i]->cfg.bdf, cfg->bdf))
			dup = true;
	for (slot = 0; slot < sizeof(registry) / sizeof(registry[0]) && registry[slot]; slot++)
		;
	if (!dup && slot < sizeof(registry) / sizeof(registry[0]))
		registry[slot] = m;
	pthread_mutex_unlock(&registry_lock);
	ck_assert_msg(!dup, "a live model already has BDF %s", cfg->bdf);
	ck_assert_uint_lt(slot, sizeof(registry) / sizeof(registry[0]));
	return m;
}

void model_destroy(struct model *m)
{
	unsigned i;

	if (!m)
		return;
	model_stop(m);
	pthread_mutex_lock(&registry_lock);
	for (i = 0; i < sizeof(registry) / sizeof(registry[0]); i++)
		if (registry[i] == m)
			registry[i] = NULL;
	pthread_mutex_unlock(&registry_lock);
	ck_assert_msg(!m->open, "model destroyed while the library still has it open");
	ck_assert_msg(m->leaked_at_close == 0,
		      "%u regions and pins were left to close after the controller was stopped",
		      m->leaked_at_close);
	ck_assert_uint_eq(m->live_regions, 0);
	for (i = 0; i < MODEL_MAX_PINS; i++)
		ck_assert_ptr_null(m->pins[i].va);
	model_ns_fini(m);
	free(m->pend);
	free(m->bar);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

const char *model_bdf(const struct model *m)
{
	return m->cfg.bdf;
}

/* ---- running ---------------------------------------------------------- */

static unsigned step_locked(struct model *m)
{
	m->steps++;
	if (m->gone) {
		/* whatever the host wrote since, a read still finds all ones */
		memset(m->bar, 0xff, NVME_REG_DBS);
		return 0;
	}
	return model_regs_step(m);
}

unsigned model_step(struct model *m)
{
	unsigned n;

	pthread_mutex_lock(&m->lock);
	n = step_locked(m);
	pthread_mutex_unlock(&m->lock);
	return n;
}

static void *model_thread(void *arg)
{
	struct model *m = arg;
	struct timespec idle = { 0, 20 * 1000 };
	unsigned n;

	while (__atomic_load_n(&m->running, __ATOMIC_ACQUIRE)) {
		pthread_mutex_lock(&m->lock);
		n = step_locked(m);
		pthread_mutex_unlock(&m->lock);
		if (!n)
			nanosleep(&idle, NULL);
	}
	return NULL;
}

void model_start(struct model *m)
{
	if (m->thread_live)
		return;
	__atomic_store_n(&m->running, 1, __ATOMIC_RELEASE);
	ck_assert_int_eq(pthread_create(&m->thread, NULL, model_thread, m), 0);
	m->thread_live = true;
}

void model_stop(struct model *m)
{
	if (!m->thread_live)
		return;
	__atomic_store_n(&m->running, 0, __ATOMIC_RELEASE);
	pthread_join(m->thread, NULL);
	m->thread_live = false;
}

/* ---- observation ------------------------------------------------------ */

void model_stats(struct model *m, struct model_stats *out)
{
	pthread_mutex_lock(&m->lock);
	*out = m->stats;
	pthread_mutex_unlock(&m->lock);
}

uint32_t model_reg_read(struct model *m, uint32_t off)
{
	return __atomic_load_n(model_reg(m, off), __ATOMIC_ACQUIRE);
}

void *model_ns_data(struct model *m, uint32_t nsid, uint64_t lba)
{
	ck_assert_uint_ge(nsid, 1);
	ck_assert_uint_le(nsid, m->cfg.nr_ns);
	ck_assert_uint_lt(lba, m->ns[nsid - 1].nsze);
	return m->ns[nsid - 1].data + lba * model_ns_lba_size(m, nsid - 1);
}

unsigned model_live_regions(struct model *m)
{
	unsigned n;

	pthread_mutex_lock(&m->lock);
	n = m->live_regions;
	pthread_mutex_unlock(&m->lock);
	return n;
}
