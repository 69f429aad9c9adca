/* SPDX-License-Identifier: MIT */
/*
 * nvd_fuzz: throws seeded random ioctls and mmaps at /dev/nvdirectN and
 * checks every answer whose errno the ABI determines (kmod/uapi/nvdirect.h).
 * The seed is printed first; the same seed replays the same calls.
 *
 *   nvd_fuzz fuzz DEV SEED IOCTLS MMAPS   random ioctls (MEM_PIN/UNPIN too),
 *                                         then random mmaps,
 *                                         then use-after-free and double free
 *   nvd_fuzz cycles DEV N                 N x open/alloc/map/touch/pin/close,
 *                                         dma_bytes and pinned_bytes must be
 *                                         0 after each close
 *
 * Exits non-zero on the first wrong answer, naming the call and the seed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "uapi/nvdirect.h"

#define PG		4096UL
#define MAX_LIVE	64
#define DMA_BASE	(1ULL << 40)	/* first mmap offset of a DMA region */

static const char *dev;
static uint64_t seed, rng;
static unsigned long ncalls;
static unsigned long n_alloc, n_enospc, n_efault, n_enotty, n_pin, n_route;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "FAIL %s:%d (seed %llu, call %lu): ", \
				__func__, __LINE__,                          \
				(unsigned long long)seed, ncalls);           \
			fprintf(stderr, __VA_ARGS__);                        \
			fprintf(stderr, "\n");                               \
			exit(1);                                             \
		}                                                            \
	} while (0)

/* xorshift64*: small, seedable, good enough to pick cases */
static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static uint64_t pick(uint64_t n)
{
	return rnd() % n;
}

static int open_dev(void)
{
	int fd = open(dev, O_RDWR | O_CLOEXEC);

	CHECK(fd >= 0, "open %s: %s", dev, strerror(errno));
	return fd;
}

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	ncalls++;
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static uint64_t read_u64(const char *path)
{
	char buf[64] = "";
	FILE *f = fopen(path, "r");

	CHECK(f && fgets(buf, sizeof(buf), f), "cannot read %s", path);
	fclose(f);
	return strtoull(buf, NULL, 0);
}

static uint64_t sysfs_u64(const char *attr)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/class/nvdirect/%s/%s",
		 strrchr(dev, '/') + 1, attr);
	return read_u64(path);
}

static struct nvdirect_info info;
static uint64_t max_dma;	/* module's per-open limit, read at start */
/* start over above this many pinned bytes: near the limit to reach ENOSPC */
static uint64_t keep_below;

/* Regions this open file knows about (those whose offset we learnt). */
static struct live {
	uint64_t off, size;
} live[MAX_LIVE];
static int nlive;
static uint64_t freed[MAX_LIVE];	/* recently freed offsets */
static int nfreed;

/* Pins this open file made and learnt the handle of (NVDIRECT_MEM_PIN). */
#define PIN_PAGES	64
static struct pin {
	uint64_t handle, size;
} pins[MAX_LIVE];
static int npins;
static uint64_t unpinned[MAX_LIVE];	/* recently unpinned handles */
static int nunpinned;
static uint64_t max_pinned;	/* module's per-open limit for pins */
static char *pinbuf;		/* PIN_PAGES pages the pins come from */

/* A page that is never accessible, and one that is read-only. */
static char *hole, *ropage;

static void get_info(int fd)
{
	memset(&info, 0, sizeof(info));
	info.argsz = sizeof(info);
	CHECK(xioctl(fd, NVDIRECT_GET_INFO, &info) == 0, "GET_INFO");
	CHECK(info.bar0_size >= PG && info.max_region_size >= PG, "GET_INFO sizes");
}

/* A value from the classes the ABI treats differently. */
static uint64_t interesting_size(void)
{
	static const uint64_t fixed[] = { 0, 1, 4095, 4096, 4097, 65536 };

	switch (pick(8)) {
	case 0: return fixed[pick(6)];
	case 1: return info.max_region_size;
	case 2: return info.max_region_size + 1;
	case 3: return ~0ULL;
	case 4: return rnd();
	case 5: return 0xfee00000ULL + pick(1 << 20);	/* bus-address-ish */
	default: return 1 + pick(16 * PG);
	}
}

static uint32_t interesting_argsz(uint32_t minsz, uint32_t fullsz)
{
	switch (pick(9)) {
	case 0: return 0;
	case 1: return 1 + pick(minsz - 1);
	case 2: return minsz - 1;
	case 3: return minsz;
	case 4: return minsz + 1;
	case 5: return fullsz - 1;
	case 6: return fullsz + 1;
	case 7: return ~0u - pick(3);
	default: return fullsz;
	}
}

static uint32_t interesting_flags(void)
{
	return pick(3) ? 0 : (pick(2) ? 1u << pick(32) : (uint32_t)rnd());
}

/* Opcodes the VFS answers itself before our ioctl sees them. */
static int vfs_type(unsigned int type)
{
	return type == 0x00 || type == 'T' || type == 'X' || type == 'f' ||
	       type == 0x94 || type == 'v' || type == 0x15;
}

static void fuzz_unknown_cmd(int fd)
{
	unsigned long cmd;
	char buf[256];
	int r;

	switch (pick(4)) {
	case 0:	/* right type and nr, a direction or size encoded */
		cmd = _IOC(1 + pick(3), NVDIRECT_TYPE, NVDIRECT_BASE + pick(3),
			   pick(2) ? sizeof(struct nvdirect_dma_alloc) : pick(1 << 14));
		/* _IOC with a direction is never one of ours (they are _IO) */
		break;
	case 1:	/* right type, wrong nr */
		do
			cmd = _IOC(pick(4), NVDIRECT_TYPE, pick(256), pick(2) ? 0 : pick(256));
		while (cmd == NVDIRECT_GET_INFO || cmd == NVDIRECT_DMA_ALLOC ||
		       cmd == NVDIRECT_DMA_FREE || cmd == NVDIRECT_MEM_PIN ||
		       cmd == NVDIRECT_MEM_UNPIN || cmd == NVDIRECT_SET_IRQS ||
		       cmd == NVDIRECT_MASK_IRQ);
		break;
	case 2:	/* wrong type, right nr */
		do
			cmd = _IO(pick(256), NVDIRECT_BASE + pick(3));
		while (_IOC_TYPE(cmd) == NVDIRECT_TYPE || vfs_type(_IOC_TYPE(cmd)));
		break;
	default:
		do
			cmd = (uint32_t)rnd();
		while (_IOC_TYPE(cmd) == NVDIRECT_TYPE || vfs_type(_IOC_TYPE(cmd)));
		break;
	}
	memset(buf, 0, sizeof(buf));
	r = xioctl(fd, cmd, pick(2) ? (void *)buf : NULL);
	n_enotty++;
	CHECK(r == -ENOTTY, "unknown cmd 0x%lx: got %d, want -ENOTTY", cmd, r);
}

static void fuzz_get_info(int fd)
{
	unsigned char buf[sizeof(struct nvdirect_info) + 16];
	struct nvdirect_info *in = (void *)buf;
	uint32_t argsz = interesting_argsz(8, sizeof(*in));
	uint32_t flags = interesting_flags();
	size_t copied = argsz < sizeof(*in) ? argsz : sizeof(*in);
	int r;

	memset(buf, 0xa5, sizeof(buf));
	in->argsz = argsz;
	in->flags = flags;
	r = xioctl(fd, NVDIRECT_GET_INFO, in);
	if (argsz < 8 || flags) {
		CHECK(r == -EINVAL, "GET_INFO argsz %u flags 0x%x: got %d, want -EINVAL",
		      argsz, flags, r);
		return;
	}
	CHECK(r == 0, "GET_INFO argsz %u: got %d", argsz, r);
	for (size_t i = copied > 8 ? copied : 8; i < sizeof(buf); i++)
		CHECK(buf[i] == 0xa5, "GET_INFO argsz %u wrote byte %zu", argsz, i);
	if (argsz >= sizeof(*in))
		CHECK(in->max_region_size == info.max_region_size &&
		      in->bar0_size == info.bar0_size, "GET_INFO answers changed");
}

static void remember(uint64_t off, uint64_t size)
{
	if (nlive < MAX_LIVE)
		live[nlive++] = (struct live){ off, size };
}

static void forget(int i)
{
	freed[nfreed++ % MAX_LIVE] = live[i].off;
	live[i] = live[--nlive];
}

static void fuzz_dma_alloc(int fd)
{
	unsigned char buf[sizeof(struct nvdirect_dma_alloc) + 16];
	struct nvdirect_dma_alloc *a = (void *)buf;
	uint32_t argsz = interesting_argsz(16, sizeof(*a));
	uint32_t flags = interesting_flags();
	uint64_t size = interesting_size(), before, after, want;
	size_t copied = argsz < sizeof(*a) ? argsz : sizeof(*a);
	int r;

	memset(buf, 0xa5, sizeof(buf));
	a->argsz = argsz;
	a->flags = flags;
	a->size = size;
	before = sysfs_u64("dma_bytes");
	r = xioctl(fd, NVDIRECT_DMA_ALLOC, a);
	after = sysfs_u64("dma_bytes");
	if (argsz < 16 || flags || !size || size > info.max_region_size) {
		CHECK(r == -EINVAL, "DMA_ALLOC argsz %u flags 0x%x size 0x%llx: got %d, want -EINVAL",
		      argsz, flags, (unsigned long long)size, r);
		CHECK(after == before, "a refused DMA_ALLOC changed dma_bytes");
		return;
	}
	want = (size + PG - 1) & ~(PG - 1);
	if (before + want > max_dma) {
		n_enospc++;
		CHECK(r == -ENOSPC, "DMA_ALLOC past the limit (%llu + %llu > %llu): got %d, want -ENOSPC",
		      (unsigned long long)before, (unsigned long long)want,
		      (unsigned long long)max_dma, r);
		return;
	}
	CHECK(r == 0 || r == -ENOMEM, "DMA_ALLOC size 0x%llx: got %d",
	      (unsigned long long)size, r);
	if (r)
		return;
	n_alloc++;
	CHECK(after == before + want, "dma_bytes grew by %llu, want %llu",
	      (unsigned long long)(after - before), (unsigned long long)want);
	for (size_t i = copied > 16 ? copied : 16; i < sizeof(buf); i++)
		CHECK(buf[i] == 0xa5, "DMA_ALLOC argsz %u wrote byte %zu", argsz, i);
	if (argsz >= sizeof(*a)) {
		CHECK(a->mmap_offset >= DMA_BASE && !(a->mmap_offset % PG),
		      "mmap_offset 0x%llx", (unsigned long long)a->mmap_offset);
		CHECK(a->bus_addr && !(a->bus_addr % PG) &&
		      a->bus_addr + want - 1 <= info.dma_mask, "bus_addr 0x%llx",
		      (unsigned long long)a->bus_addr);
		remember(a->mmap_offset, want);
	}
}

static void fuzz_dma_free(int fd)
{
	struct nvdirect_dma_free f = { .argsz = sizeof(f) };
	int i = -1, r;

	f.argsz = interesting_argsz(16, sizeof(f));
	f.flags = interesting_flags();
	switch (pick(5)) {
	case 0: case 1:
		if (nlive) {
			i = (int)pick(nlive);
			f.mmap_offset = live[i].off;
			break;
		}
		/* fall through */
	case 2:
		f.mmap_offset = nfreed ? freed[pick(nfreed < MAX_LIVE ? nfreed : MAX_LIVE)] :
					 DMA_BASE - PG;
		break;
	case 3:
		/* inside a region; unaligned, so never another region's start */
		f.mmap_offset = nlive ? live[pick(nlive)].off + 1 + pick(PG - 1) : 0;
		break;
	default:	/* garbage: below the region space, or unaligned */
		f.mmap_offset = pick(2) ? rnd() % DMA_BASE : rnd() | 1;
		break;
	}
	r = xioctl(fd, NVDIRECT_DMA_FREE, &f);
	if (f.argsz < 16 || f.flags || i < 0) {
		CHECK(r == -EINVAL, "DMA_FREE argsz %u flags 0x%x offset 0x%llx: got %d, want -EINVAL",
		      f.argsz, f.flags, (unsigned long long)f.mmap_offset, r);
		return;
	}
	CHECK(r == 0, "DMA_FREE of a live region 0x%llx: got %d",
	      (unsigned long long)f.mmap_offset, r);
	forget(i);
}

/* A user address for MEM_PIN: mostly inside pinbuf, sometimes not. */
static uint64_t pin_vaddr(void)
{
	switch (pick(10)) {
	case 0: return (uintptr_t)hole;			/* not mapped */
	case 1: return (uintptr_t)ropage;		/* not writable */
	case 2: return 0;
	case 3: return (uintptr_t)pinbuf + 1 + pick(PG - 1);	/* misaligned */
	case 4: return ~0ULL & ~(PG - 1);			/* wraps */
	case 5: return 0xffff888000000000ULL;			/* kernel */
	default: return (uintptr_t)pinbuf + pick(PIN_PAGES) * PG;
	}
}

static uint64_t pin_size(void)
{
	switch (pick(8)) {
	case 0: return 0;
	case 1: return 1 + pick(PG - 1);
	case 2: return PG * (1 + pick(16)) + 1 + pick(PG - 1);
	case 3: return max_pinned + PG;
	case 4: return ~0ULL & ~(PG - 1);
	default: return PG * (1 + pick(16));
	}
}

/* Is [va, va + size) inside pinbuf (writable, pinnable)? */
static int in_pinbuf(uint64_t va, uint64_t size)
{
	uint64_t b = (uintptr_t)pinbuf;

	return va >= b && size <= PIN_PAGES * PG && va - b <= PIN_PAGES * PG - size;
}

static void fuzz_mem_pin(int fd)
{
	const uint32_t minsz = 40;	/* through nr_addrs */
	static uint64_t addrs[PIN_PAGES + 8];
	unsigned char buf[sizeof(struct nvdirect_mem_pin) + 16];
	struct nvdirect_mem_pin *p = (void *)buf;
	uint64_t before, after, n;
	size_t copied;
	int r, bad_addrs = 0;

	memset(buf, 0xa5, sizeof(buf));
	p->argsz = interesting_argsz(minsz, sizeof(*p));
	p->flags = interesting_flags();
	p->vaddr = pin_vaddr();
	p->size = pin_size();
	n = p->size / NVDIRECT_PIN_GRANULE;
	switch (pick(8)) {
	case 0: p->addrs = 0; bad_addrs = 1; break;
	case 1: p->addrs = (uintptr_t)hole; bad_addrs = 1; break;
	case 2: p->addrs = (uintptr_t)ropage; bad_addrs = 1; break;
	default: p->addrs = (uintptr_t)addrs; break;
	}
	switch (pick(6)) {
	case 0: p->nr_addrs = n ? n - 1 : 0; break;
	case 1: p->nr_addrs = ~0ULL; break;
	default: p->nr_addrs = n; break;
	}
	copied = p->argsz < sizeof(*p) ? p->argsz : sizeof(*p);
	before = sysfs_u64("pinned_bytes");
	r = xioctl(fd, NVDIRECT_MEM_PIN, p);
	after = sysfs_u64("pinned_bytes");
	if (p->argsz < minsz || p->flags || !p->size || p->vaddr % PG || p->size % PG ||
	    p->vaddr + p->size < p->vaddr || p->nr_addrs < n) {
		CHECK(r == -EINVAL, "MEM_PIN argsz %u flags 0x%x vaddr 0x%llx size 0x%llx "
		      "nr_addrs %llu: got %d, want -EINVAL", p->argsz, p->flags,
		      (unsigned long long)p->vaddr, (unsigned long long)p->size,
		      (unsigned long long)p->nr_addrs, r);
		CHECK(after == before, "a refused MEM_PIN changed pinned_bytes");
		return;
	}
	if (p->size > max_pinned || before + p->size > max_pinned) {
		n_enospc++;
		CHECK(r == -ENOSPC, "MEM_PIN past the limit (%llu + %llu > %llu): got %d, want -ENOSPC",
		      (unsigned long long)before, (unsigned long long)p->size,
		      (unsigned long long)max_pinned, r);
		return;
	}
	if (!in_pinbuf(p->vaddr, p->size) || bad_addrs) {
		n_efault++;
		CHECK(r == -EFAULT, "MEM_PIN of vaddr 0x%llx size 0x%llx addrs 0x%llx: got %d, "
		      "want -EFAULT", (unsigned long long)p->vaddr, (unsigned long long)p->size,
		      (unsigned long long)p->addrs, r);
		CHECK(after == before, "MEM_PIN that returned EFAULT left %llu bytes pinned",
		      (unsigned long long)(after - before));
		return;
	}
	/* EOPNOTSUPP: the DMA API would bounce (swiotlb); nothing pinned then */
	CHECK(r == 0 || r == -EOPNOTSUPP || r == -ENOMEM, "MEM_PIN of %llu bytes of pinbuf: got %d",
	      (unsigned long long)p->size, r);
	if (r) {
		CHECK(after == before, "a failed MEM_PIN changed pinned_bytes");
		return;
	}
	n_pin++;
	CHECK(after == before + p->size, "pinned_bytes grew by %llu, want %llu",
	      (unsigned long long)(after - before), (unsigned long long)p->size);
	for (size_t i = copied > minsz ? copied : minsz; i < sizeof(buf); i++)
		CHECK(buf[i] == 0xa5, "MEM_PIN argsz %u wrote byte %zu", p->argsz, i);
	for (uint64_t i = 0; i < n; i++)
		CHECK(addrs[i] && !(addrs[i] % NVDIRECT_PIN_GRANULE) &&
		      addrs[i] <= info.dma_mask, "MEM_PIN addrs[%llu] = 0x%llx",
		      (unsigned long long)i, (unsigned long long)addrs[i]);
	/* the handle comes back only when argsz covers it */
	if (p->argsz >= 48 && npins < MAX_LIVE)
		pins[npins++] = (struct pin){ p->handle, p->size };
}

static void fuzz_mem_unpin(int fd)
{
	struct nvdirect_mem_unpin u = { .argsz = sizeof(u) };
	uint64_t before, after;
	int i = -1, r;

	u.argsz = interesting_argsz(16, sizeof(u));
	u.flags = interesting_flags();
	switch (pick(4)) {
	case 0: case 1:
		if (npins) {
			i = (int)pick(npins);
			u.handle = pins[i].handle;
			break;
		}
		/* fall through */
	case 2:		/* unpinned already: handles are never reused */
		u.handle = nunpinned ?
			unpinned[pick(nunpinned < MAX_LIVE ? nunpinned : MAX_LIVE)] : 0;
		break;
	default:
		u.handle = rnd() | (1ULL << 63);
		break;
	}
	before = sysfs_u64("pinned_bytes");
	r = xioctl(fd, NVDIRECT_MEM_UNPIN, &u);
	after = sysfs_u64("pinned_bytes");
	if (u.argsz < 16 || u.flags || i < 0) {
		CHECK(r == -EINVAL, "MEM_UNPIN argsz %u flags 0x%x handle 0x%llx: got %d, want -EINVAL",
		      u.argsz, u.flags, (unsigned long long)u.handle, r);
		CHECK(after == before, "a refused MEM_UNPIN changed pinned_bytes");
		return;
	}
	CHECK(r == 0, "MEM_UNPIN of live handle %llu: got %d", (unsigned long long)u.handle, r);
	CHECK(before - after == pins[i].size, "MEM_UNPIN gave back %llu bytes, want %llu",
	      (unsigned long long)(before - after), (unsigned long long)pins[i].size);
	unpinned[nunpinned++ % MAX_LIVE] = u.handle;
	pins[i] = pins[--npins];
}

/*
 * SET_IRQS: vectors routed by this open file (efds are ours, closed when
 * the file is reopened).  The routes must show in /proc/interrupts as
 * "nvdirectN-vI" and be gone after close.
 */
#define MAX_VEC		2048
static int routed[MAX_VEC];
static int efds[4], notfd = -1;

static unsigned irq_lines(void)
{
	char line[512], want[64];
	unsigned n = 0;
	FILE *f = fopen("/proc/interrupts", "r");

	CHECK(f, "cannot read /proc/interrupts");
	snprintf(want, sizeof(want), " %s-v", strrchr(dev, '/') + 1);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, want) != NULL;
	fclose(f);
	return n;
}

static unsigned nr_routed(void)
{
	unsigned n = 0;

	for (int i = 0; i < MAX_VEC; i++)
		n += routed[i] != 0;
	return n;
}

static uint32_t query_vectors(int fd)
{
	struct nvdirect_irq_set q = { .argsz = sizeof(q) };

	CHECK(xioctl(fd, NVDIRECT_SET_IRQS, &q) == 0, "SET_IRQS query");
	CHECK(q.nr_vectors <= MAX_VEC, "SET_IRQS: %u vectors", q.nr_vectors);
	return q.nr_vectors;
}

/* One fd entry: -1, an eventfd, or something the ABI refuses. */
static int32_t interesting_fd(int *want)
{
	switch (pick(8)) {
	case 0: *want = -EINVAL; return -2 - (int32_t)pick(1000);
	case 1: *want = -EBADF; return 100000 + (int32_t)pick(1000);
	case 2: *want = -EINVAL; return notfd;		/* open, not an eventfd */
	case 3: case 4: *want = 0; return -1;
	default: *want = 0; return efds[pick(4)];
	}
}

static void fuzz_set_irqs(int fd)
{
	struct nvdirect_irq_set q;
	uint32_t nvec = query_vectors(fd);
	int32_t fds[8];
	int want = 0, w, r;

	memset(&q, 0xa5, sizeof(q));
	q.argsz = interesting_argsz(24, sizeof(q));
	q.flags = interesting_flags();
	q.count = (uint32_t)pick(sizeof(fds) / sizeof(fds[0]) + 1);
	switch (pick(6)) {
	case 0: q.start = nvec - (uint32_t)pick(3); break;	/* around the end */
	case 1: q.start = (uint32_t)rnd(); break;
	case 2: q.count = nvec + 1 + (uint32_t)pick(1u << 31); q.start = (uint32_t)pick(nvec + 1); break;
	default: q.start = nvec > q.count ? (uint32_t)pick(nvec - q.count + 1) : 0; break;
	}
	for (uint32_t i = 0; i < q.count && i < 8; i++) {
		fds[i] = interesting_fd(&w);
		if (w && !want)
			want = w;	/* the first bad entry decides */
	}
	q.fds = (uintptr_t)fds;
	if (q.count && !pick(10)) {
		q.fds = (uintptr_t)hole;	/* the array cannot be read */
		want = -EFAULT;
	}
	if (q.argsz < 24 || q.flags ||
	    (uint64_t)q.start + q.count > nvec)
		want = -EINVAL;
	else if (!q.count)
		want = 0;
	r = xioctl(fd, NVDIRECT_SET_IRQS, &q);
	CHECK(r == want, "SET_IRQS argsz %u flags 0x%x start %u count %u of %u vectors: got %d, want %d",
	      q.argsz, q.flags, q.start, q.count, nvec, r, want);
	if (r == 0) {
		for (uint32_t i = 0; i < q.count; i++)
			routed[q.start + i] = fds[i] >= 0;
		if (q.argsz >= 28)
			CHECK(q.nr_vectors == nvec, "SET_IRQS nr_vectors %u, want %u", q.nr_vectors, nvec);
		/* output goes back up to argsz, never past it */
		for (size_t b = q.argsz > 24 ? q.argsz : 24; b < sizeof(q); b++)
			CHECK(((uint8_t *)&q)[b] == 0xa5, "SET_IRQS argsz %u wrote byte %zu", q.argsz, b);
		n_route += q.count;
	}
	CHECK(irq_lines() == nr_routed(), "/proc/interrupts shows %u routes, want %u",
	      irq_lines(), nr_routed());
}

/* Close the file: every route must go with it. */
static void irqs_closed(void)
{
	memset(routed, 0, sizeof(routed));
	CHECK(irq_lines() == 0, "%u MSI-X routes left after close", irq_lines());
}

/* Argument pointers the kernel must refuse to follow. */
static void fuzz_bad_pointer(int fd)
{
	static const unsigned long cmds[] = {
		NVDIRECT_GET_INFO, NVDIRECT_DMA_ALLOC, NVDIRECT_DMA_FREE,
		NVDIRECT_MEM_PIN, NVDIRECT_MEM_UNPIN, NVDIRECT_SET_IRQS,
	};
	unsigned long cmd = cmds[pick(6)];
	void *p;
	int r;

	switch (pick(5)) {
	case 0: p = NULL; break;
	case 1: p = (void *)(uintptr_t)(1 + pick(PG)); break;
	case 2: p = hole + pick(PG); break;
	case 3: p = (void *)(uintptr_t)(0xffff888000000000ULL + (rnd() & 0xfffffff000ULL)); break;
	default: p = hole - 1 - pick(7); break;	/* struct runs into the hole */
	}
	r = xioctl(fd, cmd, p);
	n_efault++;
	CHECK(r == -EFAULT, "cmd 0x%lx with pointer %p: got %d, want -EFAULT", cmd, p, r);
}

/*
 * DMA_ALLOC whose output cannot be written back: the caller never learns
 * the offset, so the region must not stay allocated.
 */
static void fuzz_alloc_readonly(int fd)
{
	struct nvdirect_dma_alloc *a = (void *)ropage;
	uint64_t before = sysfs_u64("dma_bytes");
	int r;

	r = xioctl(fd, NVDIRECT_DMA_ALLOC, a);
	CHECK(r == -EFAULT, "DMA_ALLOC into a read-only struct: got %d, want -EFAULT", r);
	CHECK(sysfs_u64("dma_bytes") == before,
	      "DMA_ALLOC that returned EFAULT left %llu bytes pinned",
	      (unsigned long long)(sysfs_u64("dma_bytes") - before));
}

static void do_ioctls(int *fd, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		switch (pick(22)) {
		case 0: case 1: case 2: fuzz_unknown_cmd(*fd); break;
		case 3: case 4: fuzz_get_info(*fd); break;
		case 5: case 6: case 7: case 8: fuzz_dma_alloc(*fd); break;
		case 9: case 10: case 11: case 12: fuzz_dma_free(*fd); break;
		case 13: case 14: fuzz_bad_pointer(*fd); break;
		case 15: case 16: fuzz_mem_pin(*fd); break;
		case 17: case 18: fuzz_mem_unpin(*fd); break;
		case 19: fuzz_alloc_readonly(*fd); break;
		default: fuzz_set_irqs(*fd); break;
		}
		/* keep the guest's memory in check: start over now and then */
		if (sysfs_u64("dma_bytes") > keep_below || !pick(2000)) {
			close(*fd);
			irqs_closed();
			CHECK(sysfs_u64("dma_bytes") == 0, "dma_bytes after close");
			CHECK(sysfs_u64("pinned_bytes") == 0, "pinned_bytes after close");
			*fd = open_dev();
			nlive = 0;
			npins = 0;
		}
	}
}

static void *xmmap(size_t len, int prot, int flags, int fd, uint64_t off)
{
	ncalls++;
	return mmap(NULL, len, prot, flags, fd, (off_t)off);
}

/* Region starts live, or one freshly allocated. */
static int some_region(int fd)
{
	struct nvdirect_dma_alloc a = { .argsz = sizeof(a), .size = PG * (1 + pick(8)) };

	if (nlive && pick(4))
		return (int)pick(nlive);
	if (nlive == MAX_LIVE)
		return 0;
	CHECK(xioctl(fd, NVDIRECT_DMA_ALLOC, &a) == 0, "DMA_ALLOC for mmap");
	remember(a.mmap_offset, a.size);
	return nlive - 1;
}

/* Does BAR0 range [off, off + len) touch a page of the MSI-X table or PBA? */
static int covers_msix(uint64_t off, uint64_t len)
{
	const uint32_t o[2] = { info.msix_table_offset, info.msix_pba_offset };
	const uint32_t n[2] = { info.msix_table_size, info.msix_pba_size };

	for (int i = 0; i < 2; i++)
		if (n[i] && off / PG <= (o[i] + n[i] - 1) / PG && (off + len - 1) / PG >= o[i] / PG)
			return 1;
	return 0;
}

static void fuzz_mmap(int fd)
{
	int prot = PROT_READ | PROT_WRITE, flags = MAP_SHARED, want = 0, i;
	uint64_t off = 0, len = PG;
	void *p;

	switch (pick(12)) {
	case 0:	/* BAR0, any page inside; those of the MSI-X table and PBA never */
		len = PG * (1 + pick(info.bar0_size / PG));
		off = PG * pick(info.bar0_size / PG - len / PG + 1);
		if (covers_msix(off, len))
			want = EINVAL;
		break;
	case 1:	/* BAR0 past its end */
		off = info.bar0_size - PG * pick(2);
		len = info.bar0_size + PG - off + PG * pick(4);
		want = EINVAL;
		break;
	case 2:	/* a region, whole or a prefix */
		i = some_region(fd);
		off = live[i].off;
		len = PG * (1 + pick(live[i].size / PG));
		break;
	case 3:	/* a region, too long */
		i = some_region(fd);
		off = live[i].off;
		len = live[i].size + PG * (1 + pick(4));
		want = EINVAL;
		break;
	case 4:	/* inside a region, not at its start */
		i = some_region(fd);
		if (live[i].size == PG)
			return;
		off = live[i].off + PG * (1 + pick(live[i].size / PG - 1));
		want = EINVAL;
		break;
	case 5:	/* between BAR0 and the regions, or a freed region */
		off = nfreed && pick(2) ? freed[pick(nfreed < MAX_LIVE ? nfreed : MAX_LIVE)] :
			info.bar0_size + PG * pick((DMA_BASE - info.bar0_size) / PG);
		want = EINVAL;
		break;
	case 6:	/* private: copy-on-write of device memory */
		i = some_region(fd);
		off = pick(2) ? live[i].off : 0;
		flags = MAP_PRIVATE;
		want = EINVAL;
		break;
	case 7:	/* length 0 */
		len = 0;
		want = EINVAL;
		break;
	case 8:	/* offsets near the top of the range */
		off = (~0ULL - PG * pick(4)) & ~(PG - 1) & ~(1ULL << 63);
		want = -1;	/* EINVAL or EOVERFLOW, decided by the VFS */
		break;
	case 9:	/* huge length */
		len = 1ULL << (40 + pick(7));
		want = -1;	/* EINVAL from us, ENOMEM from the VFS */
		break;
	case 10: /* odd protections: no access, exec */
		i = some_region(fd);
		off = pick(2) ? live[i].off : 0;
		prot = pick(2) ? PROT_NONE : PROT_READ | PROT_EXEC;
		want = -2;	/* either answer, but no crash */
		break;
	default: /* MAP_FIXED over a mapping of ours */
		i = some_region(fd);
		off = live[i].off;
		p = xmmap(2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		CHECK(p != MAP_FAILED, "anonymous mmap");
		void *q = mmap(p, PG, prot, MAP_SHARED | MAP_FIXED, fd, (off_t)off);
		CHECK(q == p, "MAP_FIXED over our own mapping: %s", strerror(errno));
		*(volatile uint32_t *)q = 0x5a5a5a5a;
		CHECK(*(volatile uint32_t *)q == 0x5a5a5a5a, "region reads back");
		munmap(p, 2 * PG);
		return;
	}
	p = xmmap(len, prot, flags, fd, off);
	if (want > 0) {
		CHECK(p == MAP_FAILED && errno == want,
		      "mmap off 0x%llx len 0x%llx flags 0x%x: got %s, want %s",
		      (unsigned long long)off, (unsigned long long)len, flags,
		      p == MAP_FAILED ? strerror(errno) : "success", strerror(want));
		return;
	}
	if (want == -1) {
		CHECK(p == MAP_FAILED && (errno == EINVAL || errno == EOVERFLOW ||
					  errno == ENOMEM),
		      "mmap off 0x%llx len 0x%llx: got %s, want a failure",
		      (unsigned long long)off, (unsigned long long)len,
		      p == MAP_FAILED ? strerror(errno) : "success");
		return;
	}
	if (want == -2) {
		if (p != MAP_FAILED)
			munmap(p, len);
		return;
	}
	CHECK(p != MAP_FAILED, "mmap off 0x%llx len 0x%llx: %s",
	      (unsigned long long)off, (unsigned long long)len, strerror(errno));
	if (off >= DMA_BASE) {
		volatile uint32_t *w = (volatile uint32_t *)((char *)p + len - 4);

		*w = (uint32_t)off;
		CHECK(*w == (uint32_t)off, "region reads back");
	} else {
		/* VS, a read-only register that always answers */
		volatile uint32_t *vs = (volatile uint32_t *)((char *)p + 8 - off % PG);

		if (off == 0)
			CHECK(*vs != 0 && *vs != ~0u, "VS reads 0x%x", *vs);
	}
	munmap(p, len);
}

/*
 * A region freed while mapped must fault with SIGBUS when touched, not show
 * stale or recycled memory.  Mappings do not survive fork (VM_DONTCOPY), so
 * the child does all of it on the inherited file.
 */
static void use_after_free(int fd)
{
	pid_t pid = fork();
	int st;

	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		struct nvdirect_dma_alloc a = { .argsz = sizeof(a), .size = 4 * PG };
		struct nvdirect_dma_free f = { .argsz = sizeof(f) };
		volatile uint32_t *p;

		if (ioctl(fd, NVDIRECT_DMA_ALLOC, &a))
			_exit(10);
		p = mmap(NULL, a.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 (off_t)a.mmap_offset);
		if (p == MAP_FAILED)
			_exit(11);
		p[0] = 0xdeadbeef;
		f.mmap_offset = a.mmap_offset;
		if (ioctl(fd, NVDIRECT_DMA_FREE, &f))
			_exit(12);
		if (ioctl(fd, NVDIRECT_DMA_FREE, &f) != -1 || errno != EINVAL)
			_exit(13);	/* double free must be EINVAL */
		(void)p[pick(4 * PG / 4)];
		_exit(0);	/* read freed memory: wrong */
	}
	CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS,
	      "touching a freed region: child %s %d, want killed by SIGBUS",
	      WIFSIGNALED(st) ? "killed by signal" : "exited with",
	      WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
}

static int cmd_fuzz(unsigned long nioctl, unsigned long nmmap)
{
	uint64_t before;
	int fd;

	printf("nvd_fuzz: seed %llu, %lu ioctls, %lu mmaps\n",
	       (unsigned long long)seed, nioctl, nmmap);
	fd = open_dev();
	get_info(fd);
	max_dma = read_u64("/sys/module/nvdirect/parameters/max_dma_bytes");
	CHECK(max_dma == info.max_dma_bytes, "max_dma_bytes %llu vs GET_INFO %llu",
	      (unsigned long long)max_dma, (unsigned long long)info.max_dma_bytes);

	keep_below = (max_dma < (32ULL << 20) ? max_dma : 32ULL << 20) - 4 * PG;
	max_pinned = read_u64("/sys/module/nvdirect/parameters/max_pinned_bytes");
	/* guard pages on both sides: a pin running off pinbuf must fault */
	pinbuf = mmap(NULL, (PIN_PAGES + 2) * PG, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	CHECK(pinbuf != MAP_FAILED, "anonymous mmap");
	mprotect(pinbuf, PG, PROT_NONE);
	mprotect(pinbuf + (PIN_PAGES + 1) * PG, PG, PROT_NONE);
	pinbuf += PG;

	hole = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(hole != MAP_FAILED, "anonymous mmap");
	/* PROT_NONE rather than munmap: later mmaps must not land in the hole */
	mprotect(hole + PG, PG, PROT_NONE);
	hole += PG;
	ropage = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(ropage != MAP_FAILED, "anonymous mmap");
	*(struct nvdirect_dma_alloc *)ropage =
		(struct nvdirect_dma_alloc){ .argsz = 32, .size = PG };
	mprotect(ropage, PG, PROT_READ);

	for (int i = 0; i < 4; i++) {
		efds[i] = eventfd(0, EFD_CLOEXEC);
		CHECK(efds[i] >= 0, "eventfd: %s", strerror(errno));
	}
	notfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK(notfd >= 0, "open /dev/null");

	do_ioctls(&fd, nioctl);
	printf("nvd_fuzz: ioctls done (%lu calls: %lu allocs, %lu pins, %lu vectors routed, "
	       "%lu ENOSPC, %lu EFAULT, %lu ENOTTY)\n", ncalls, n_alloc, n_pin, n_route, n_enospc,
	       n_efault, n_enotty);

	for (unsigned long i = 0; i < nmmap; i++) {
		fuzz_mmap(fd);
		if (nlive == MAX_LIVE || sysfs_u64("dma_bytes") > keep_below) {
			close(fd);
			fd = open_dev();
			nlive = 0;
		}
	}
	printf("nvd_fuzz: mmaps done (%lu calls)\n", ncalls);

	before = sysfs_u64("dma_regions");
	for (int i = 0; i < 20; i++)
		use_after_free(fd);
	CHECK(sysfs_u64("dma_regions") == before, "use-after-free children left regions");
	printf("nvd_fuzz: use after free and double free ok\n");

	close(fd);
	CHECK(sysfs_u64("dma_bytes") == 0 && sysfs_u64("dma_regions") == 0 &&
	      sysfs_u64("pinned_bytes") == 0, "DMA or pinned memory left after close");
	printf("nvd_fuzz: ok, %lu calls\n", ncalls);
	return 0;
}

static int cmd_cycles(unsigned long n)
{
	char *mine = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	uint64_t addrs[16];

	CHECK(mine != MAP_FAILED, "anonymous mmap");
	for (unsigned long c = 0; c < n; c++) {
		struct nvdirect_mem_pin pin = {
			.argsz = sizeof(pin), .vaddr = (uintptr_t)mine, .size = 16 * PG,
			.addrs = (uintptr_t)addrs, .nr_addrs = 16,
		};
		int fd = open_dev();
		void *maps[4];
		uint64_t sizes[4];
		int nr = 1 + (int)(c % 4), r;

		for (int i = 0; i < nr; i++) {
				struct nvdirect_dma_alloc a = { .argsz = sizeof(a) };

			a.size = i == 3 ? info.max_region_size : PG << (3 * i);
			CHECK(xioctl(fd, NVDIRECT_DMA_ALLOC, &a) == 0, "cycle %lu alloc %d", c, i);
			maps[i] = mmap(NULL, a.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
				       (off_t)a.mmap_offset);
			CHECK(maps[i] != MAP_FAILED, "cycle %lu mmap %d: %s", c, i, strerror(errno));
			sizes[i] = a.size;
			for (uint64_t o = 0; o < a.size; o += PG)
				((volatile char *)maps[i])[o] = (char)c;
		}
		/* the process's own memory, pinned; left for close to unpin */
		r = xioctl(fd, NVDIRECT_MEM_PIN, &pin);
		CHECK(r == 0 || r == -EOPNOTSUPP, "cycle %lu pin: %d", c, r);
		/* sometimes unmap after close: release then runs at munmap */
		if (c % 3)
			for (int i = 0; i < nr; i++)
				munmap(maps[i], sizes[i]);
		close(fd);
		if (!(c % 3))
			for (int i = 0; i < nr; i++)
				munmap(maps[i], sizes[i]);
		CHECK(sysfs_u64("dma_bytes") == 0 && sysfs_u64("dma_regions") == 0 &&
		      sysfs_u64("pinned_bytes") == 0, "cycle %lu: DMA memory left after close", c);
		CHECK(sysfs_u64("owner_pid") == 0, "cycle %lu: owner_pid after close", c);
	}
	printf("nvd_fuzz: %lu cycles ok\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "fuzz")) {
		dev = argv[2];
		seed = strtoull(argv[3], NULL, 0);
		rng = seed * 2 + 1;	/* xorshift state must not be 0 */
		return cmd_fuzz(strtoul(argv[4], NULL, 0), strtoul(argv[5], NULL, 0));
	}
	if (argc == 4 && !strcmp(argv[1], "cycles")) {
		int fd;

		dev = argv[2];
		fd = open_dev();
		get_info(fd);
		close(fd);
		return cmd_cycles(strtoul(argv[3], NULL, 0));
	}
	fprintf(stderr, "usage: nvd_fuzz fuzz DEV SEED IOCTLS MMAPS | cycles DEV N\n");
	return 2;
}
