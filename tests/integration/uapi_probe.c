/* SPDX-License-Identifier: MIT */
/*
 * nvd_uapi_probe: exercises /dev/nvdirectN directly through the uapi, the
 * way a careless or hostile program would, and checks the module's answers.
 * Each subcommand prints "ok: ..." per check and exits non-zero on the first
 * wrong answer; "info" only reports, as "key value" lines, for the shell
 * tests to judge.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

#include "uapi/nvdirect.h"

static const char *dev;

#define CHECK(cond, ...)                                                   \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "FAIL %s:%d: ", __func__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                      \
			fprintf(stderr, "\n");                             \
			exit(1);                                           \
		}                                                          \
		printf("ok: ");                                            \
		printf(__VA_ARGS__);                                       \
		printf("\n");                                              \
	} while (0)

static int open_dev(void)
{
	int fd = open(dev, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "FAIL: open %s: %s\n", dev, strerror(errno));
		exit(1);
	}
	return fd;
}

/* ioctl that returns -errno instead of -1 */
static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static sigjmp_buf fault_jmp;
static void on_sigbus(int sig)
{
	siglongjmp(fault_jmp, sig);
}

/*
 * Read (@write 0) or write one 32-bit word through *@val; returns the
 * signal number that stopped the access, or 0.
 */
static int probe(volatile uint32_t *p, uint32_t *val, int write)
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	int sig;

	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	sig = sigsetjmp(fault_jmp, 1);
	if (sig == 0) {
		if (write)
			*p = *val;
		else
			*val = *p;
	}
	signal(SIGBUS, SIG_DFL);
	signal(SIGSEGV, SIG_DFL);
	return sig;
}

static int probe_read(volatile uint32_t *p, uint32_t *val)
{
	return probe(p, val, 0);
}

static int probe_write(volatile uint32_t *p, uint32_t val)
{
	return probe(p, &val, 1);
}

static long sysfs_long(const char *attr)
{
	char path[256], buf[64] = "";
	const char *n = strrchr(dev, '/') + 1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/nvdirect/%s/%s", n, attr);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		fprintf(stderr, "FAIL: cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	return strtol(buf, NULL, 0);
}

static int cmd_exclusive(void)
{
	int fd = open_dev(), fd2;

	CHECK(sysfs_long("owner_pid") == getpid(), "owner_pid is our pid %d", getpid());
	fd2 = open(dev, O_RDWR);
	CHECK(fd2 < 0 && errno == EBUSY, "second open fails with EBUSY (got %s)",
	      fd2 < 0 ? strerror(errno) : "success");
	if (fork() == 0) {
		int f = open(dev, O_RDWR);
		_exit(f < 0 && errno == EBUSY ? 0 : 1);
	}
	int st;
	wait(&st);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "open from another process fails with EBUSY");
	close(fd);
	CHECK(sysfs_long("owner_pid") == 0, "owner_pid back to 0 after close");
	fd2 = open(dev, O_RDWR);
	CHECK(fd2 >= 0, "open succeeds again after the owner closed");
	close(fd2);
	return 0;
}

/* Open without CAP_SYS_RAWIO: @want is "EPERM" or "ok" (an IOMMU isolates). */
static int cmd_noperm(const char *want)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	int fd;

	CHECK(syscall(SYS_capget, &h, d) == 0, "capget");
	d[CAP_SYS_RAWIO / 32].effective &= ~(1u << (CAP_SYS_RAWIO % 32));
	d[CAP_SYS_RAWIO / 32].permitted &= ~(1u << (CAP_SYS_RAWIO % 32));
	CHECK(syscall(SYS_capset, &h, d) == 0, "dropped CAP_SYS_RAWIO");
	fd = open(dev, O_RDWR);
	if (!strcmp(want, "ok"))
		CHECK(fd >= 0, "open without CAP_SYS_RAWIO succeeds (got %s)",
		      fd < 0 ? strerror(errno) : "success");
	else
		CHECK(fd < 0 && errno == EPERM, "open without CAP_SYS_RAWIO fails with EPERM (got %s)",
		      fd < 0 ? strerror(errno) : "success");
	return 0;
}

static int cmd_abi(void)
{
	struct nvdirect_info info = { .argsz = sizeof(info) };
	struct nvdirect_dma_alloc a = { .argsz = sizeof(a) };
	struct nvdirect_dma_free f = { .argsz = sizeof(f) };
	long pg = sysconf(_SC_PAGESIZE);
	int fd = open_dev(), rc;
	uint32_t v;
	void *p;

	CHECK(xioctl(fd, _IO(NVDIRECT_TYPE, 0x7f), &info) == -ENOTTY, "unknown command is ENOTTY");
	info.flags = 0x80;
	CHECK(xioctl(fd, NVDIRECT_GET_INFO, &info) == -EINVAL, "unknown flags are EINVAL");
	info.flags = 0;
	info.argsz = 4;
	CHECK(xioctl(fd, NVDIRECT_GET_INFO, &info) == -EINVAL, "argsz 4 is EINVAL");
	info.argsz = sizeof(info);
	CHECK(xioctl(fd, NVDIRECT_GET_INFO, NULL) == -EFAULT, "NULL argument is EFAULT");
	CHECK(xioctl(fd, NVDIRECT_GET_INFO, &info) == 0, "GET_INFO");
	CHECK(info.abi_version == NVDIRECT_ABI_VERSION, "abi_version %u", info.abi_version);
	CHECK(info.vendor == 0x1b36 && info.device == 0x0010, "ids %04x:%04x", info.vendor,
	      info.device);
	CHECK(info.class_code == 0x010802, "class 0x%06x", info.class_code);
	CHECK(info.bar0_size >= 0x2000, "BAR0 is %llu bytes", (unsigned long long)info.bar0_size);
	CHECK(info.max_region_size >= 2u << 20, "max region %llu", (unsigned long long)info.max_region_size);
	CHECK((info.info_flags & NVDIRECT_INFO_BAR0_MAPPABLE) && info.bar0_mappable >= 0x2000 &&
	      info.bar0_mappable <= info.bar0_size, "bar0_mappable %llu (registers and doorbells)",
	      (unsigned long long)info.bar0_mappable);
	{
		/* a library built against the 72-byte struct gets exactly that */
		uint8_t old[96];

		memset(old, 0xee, sizeof(old));
		memcpy(old, &(uint32_t){ 72 }, 4);
		memset(old + 4, 0, 4);
		CHECK(xioctl(fd, NVDIRECT_GET_INFO, old) == 0, "GET_INFO with argsz 72");
		CHECK(!memcmp(old + 8, (uint8_t *)&info + 8, 64) && old[72] == 0xee && old[95] == 0xee,
		      "argsz 72: the first 72 bytes filled, nothing written past them");
	}

	/* BAR0: CAP.MQES and VS are readable; private, oversize, offset maps refused */
	p = mmap(NULL, info.bar0_mappable, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)info.bar0_offset);
	CHECK(p != MAP_FAILED, "map BAR0's registers and doorbells");
	CHECK(probe_read((uint32_t *)p + 2, &v) == 0 && v >= 0x10000, "VS reads 0x%08x", v);
	munmap(p, info.bar0_mappable);
	p = mmap(NULL, info.bar0_mappable, PROT_READ, MAP_PRIVATE, fd, (off_t)info.bar0_offset);
	CHECK(p == MAP_FAILED && errno == EINVAL, "private BAR mapping refused");
	p = mmap(NULL, info.bar0_size + (size_t)pg, PROT_READ, MAP_SHARED, fd,
		 (off_t)info.bar0_offset);
	CHECK(p == MAP_FAILED, "mapping past the end of BAR0 refused");
	p = mmap(NULL, (size_t)pg, PROT_READ, MAP_SHARED, fd, (off_t)(7 * pg) << 20);
	CHECK(p == MAP_FAILED, "mapping at an offset never handed out refused");

	/* DMA regions */
	a.size = 0;
	CHECK(xioctl(fd, NVDIRECT_DMA_ALLOC, &a) == -EINVAL, "allocating 0 bytes is EINVAL");
	a.size = info.max_region_size + 1;
	CHECK(xioctl(fd, NVDIRECT_DMA_ALLOC, &a) == -EINVAL, "allocating past max_region_size is EINVAL");
	a.size = 3 * (uint64_t)pg + 1;
	CHECK(xioctl(fd, NVDIRECT_DMA_ALLOC, &a) == 0, "allocate %llu bytes", (unsigned long long)a.size);
	CHECK(a.bus_addr && !(a.bus_addr & (uint64_t)(pg - 1)), "bus address 0x%llx is page aligned",
	      (unsigned long long)a.bus_addr);
	CHECK(sysfs_long("dma_bytes") == 4 * pg, "dma_bytes counts the rounded-up size");
	CHECK(sysfs_long("dma_regions") == 1, "dma_regions is 1");
	p = mmap(NULL, 4 * (size_t)pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)a.mmap_offset);
	CHECK(p != MAP_FAILED, "map the region");
	CHECK(((uint8_t *)p)[100] == 0, "region starts zeroed");
	memset(p, 0xa5, 4 * (size_t)pg);
	void *q = mmap(NULL, 5 * (size_t)pg, PROT_READ, MAP_SHARED, fd, (off_t)a.mmap_offset);
	CHECK(q == MAP_FAILED, "mapping more than the region refused");
	q = mmap(NULL, (size_t)pg, PROT_READ, MAP_PRIVATE, fd, (off_t)a.mmap_offset);
	CHECK(q == MAP_FAILED, "private region mapping refused");

	f.mmap_offset = a.mmap_offset + (uint64_t)pg;
	CHECK(xioctl(fd, NVDIRECT_DMA_FREE, &f) == -EINVAL, "freeing an offset inside a region is EINVAL");
	f.mmap_offset = a.mmap_offset;
	f.flags = 2;
	CHECK(xioctl(fd, NVDIRECT_DMA_FREE, &f) == -EINVAL, "free with unknown flags is EINVAL");
	f.flags = 0;
	CHECK(xioctl(fd, NVDIRECT_DMA_FREE, &f) == 0, "free the region while still mapped");
	CHECK(xioctl(fd, NVDIRECT_DMA_FREE, &f) == -EINVAL, "double free is EINVAL");
	CHECK(sysfs_long("dma_bytes") == 0 && sysfs_long("dma_regions") == 0, "counters back to 0");
	rc = probe_read(p, &v);
	CHECK(rc == SIGBUS, "access to the freed region's old mapping is SIGBUS (got signal %d)", rc);
	munmap(p, 4 * (size_t)pg);
	p = mmap(NULL, (size_t)pg, PROT_READ, MAP_SHARED, fd, (off_t)a.mmap_offset);
	CHECK(p == MAP_FAILED, "mapping a freed region refused");

	/* per-open limit: regions are released at close */
	for (int i = 0; i < 4; i++) {
		a.size = info.max_region_size;
		CHECK(xioctl(fd, NVDIRECT_DMA_ALLOC, &a) == 0, "allocate region %d", i);
	}
	close(fd);
	CHECK(sysfs_long("dma_bytes") == 0, "close released every region");
	return 0;
}

/*
 * Physical address behind a mapped byte, from /proc/self/pagemap (root
 * only), or 0 when pagemap cannot tell: page walks skip VM_PFNMAP mappings,
 * which is how dma-direct maps a region when no IOMMU translates.
 */
static uint64_t phys_of(const void *p)
{
	long pg = sysconf(_SC_PAGESIZE);
	uint64_t ent = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || pread(fd, &ent, sizeof(ent), (off_t)((uintptr_t)p / (uintptr_t)pg) * 8) !=
			      (ssize_t)sizeof(ent)) {
		fprintf(stderr, "FAIL: cannot read /proc/self/pagemap: %s\n", strerror(errno));
		exit(1);
	}
	close(fd);
	/* Documentation/admin-guide/mm/pagemap.rst: bit 63 present, bits 0-54 PFN */
	if (!(ent >> 63) || !(ent & ((1ull << 55) - 1)))
		return 0;
	return (ent & ((1ull << 55) - 1)) * (uint64_t)pg + ((uintptr_t)p & (uintptr_t)(pg - 1));
}

/*
 * Print what GET_INFO says about address translation next to what one DMA
 * region really is: its bus address and, when pagemap can tell, the
 * physical address of its first page.
 */
static int cmd_info(void)
{
	struct nvdirect_info info = { .argsz = sizeof(info) };
	struct nvdirect_dma_alloc a = { .argsz = sizeof(a), .size = 4096 };
	int fd = open_dev();
	volatile uint8_t *mem;
	uint64_t phys;

	if (xioctl(fd, NVDIRECT_GET_INFO, &info) || xioctl(fd, NVDIRECT_DMA_ALLOC, &a)) {
		fprintf(stderr, "FAIL: GET_INFO or DMA_ALLOC: %s\n", strerror(errno));
		return 1;
	}
	mem = mmap(NULL, a.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)a.mmap_offset);
	if (mem == MAP_FAILED) {
		fprintf(stderr, "FAIL: mmap the region: %s\n", strerror(errno));
		return 1;
	}
	mem[0] = 1;
	printf("info_flags 0x%x\n", info.info_flags);
	printf("iommu %d\n", !!(info.info_flags & NVDIRECT_INFO_IOMMU));
	printf("dma_mask 0x%llx\n", (unsigned long long)info.dma_mask);
	printf("bus_addr 0x%llx\n", (unsigned long long)a.bus_addr);
	phys = phys_of((const void *)mem);
	if (phys)
		printf("phys_addr 0x%llx\n", (unsigned long long)phys);
	else
		printf("phys_addr unknown\n");
	close(fd);
	return 0;
}

/* VmPin of /proc/self/status: what the kernel charged this process, in bytes. */
static long vm_pinned(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb * 1024;
}

static int drop_cap(int cap)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[cap / 32].effective &= ~(1u << (cap % 32));
	d[cap / 32].permitted &= ~(1u << (cap % 32));
	return syscall(SYS_capset, &h, d) ? -1 : 0;
}

static int pin(int fd, void *va, size_t size, uint64_t *addrs, uint64_t *handle)
{
	struct nvdirect_mem_pin p = {
		.argsz = sizeof(p), .vaddr = (uintptr_t)va, .size = size,
		.addrs = (uintptr_t)addrs, .nr_addrs = size / NVDIRECT_PIN_GRANULE,
	};
	int rc = xioctl(fd, NVDIRECT_MEM_PIN, &p);

	if (!rc && handle)
		*handle = p.handle;
	return rc;
}

static int unpin(int fd, uint64_t handle)
{
	struct nvdirect_mem_unpin u = { .argsz = sizeof(u), .handle = handle };

	return xioctl(fd, NVDIRECT_MEM_UNPIN, &u);
}

/* NVDIRECT_MEM_PIN/UNPIN argument checks, accounting and release at close. */
static int cmd_pin(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t n = 16, len = n * (size_t)pg, max_pinned;
	struct nvdirect_mem_pin p = { .argsz = sizeof(p) };
	uint64_t addrs[64 * 1024 / NVDIRECT_PIN_GRANULE * 4], h1, h2;
	int fd = open_dev();
	uint8_t *mem, *big;
	FILE *f;

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(mem != MAP_FAILED, "map %zu bytes", len);
	CHECK(sizeof(addrs) / sizeof(addrs[0]) >= len / NVDIRECT_PIN_GRANULE, "addrs array fits");

	/* arguments */
	p.vaddr = (uintptr_t)mem;
	p.addrs = (uintptr_t)addrs;
	p.nr_addrs = sizeof(addrs) / sizeof(addrs[0]);
	p.size = 0;
	CHECK(xioctl(fd, NVDIRECT_MEM_PIN, &p) == -EINVAL, "pinning 0 bytes is EINVAL");
	p.size = (size_t)pg + 1;
	CHECK(xioctl(fd, NVDIRECT_MEM_PIN, &p) == -EINVAL, "a size that is not a page multiple is EINVAL");
	p.size = (size_t)pg;
	p.vaddr = (uintptr_t)mem + 8;
	CHECK(xioctl(fd, NVDIRECT_MEM_PIN, &p) == -EINVAL, "an unaligned vaddr is EINVAL");
	p.vaddr = (uintptr_t)mem;
	p.nr_addrs = (size_t)pg / NVDIRECT_PIN_GRANULE - 1;
	p.size = (size_t)pg;
	CHECK(xioctl(fd, NVDIRECT_MEM_PIN, &p) == -EINVAL, "an addrs array too small is EINVAL");
	p.nr_addrs = sizeof(addrs) / sizeof(addrs[0]);
	p.flags = 1;
	CHECK(xioctl(fd, NVDIRECT_MEM_PIN, &p) == -EINVAL, "unknown flags are EINVAL");
	p.flags = 0;
	p.argsz = 16;
	CHECK(xioctl(fd, NVDIRECT_MEM_PIN, &p) == -EINVAL, "argsz 16 is EINVAL");
	p.argsz = sizeof(p);
	p.vaddr = UINT64_MAX - (uint64_t)pg + 1;
	CHECK(xioctl(fd, NVDIRECT_MEM_PIN, &p) == -EINVAL, "a range that wraps is EINVAL");
	CHECK(sysfs_long("pinned_bytes") == 0 && vm_pinned() == 0, "nothing pinned by refusals");

	/* memory that cannot be pinned for the device to write */
	munmap(mem + 4 * pg, (size_t)pg);
	CHECK(pin(fd, mem, len, addrs, NULL) == -EFAULT, "a range with a hole is EFAULT");
	mprotect(mem + 8 * pg, (size_t)pg, PROT_READ);
	CHECK(pin(fd, mem + 8 * pg, (size_t)pg, addrs, NULL) == -EFAULT, "read-only memory is EFAULT");
	CHECK(sysfs_long("pinned_bytes") == 0 && vm_pinned() == 0, "a failed pin leaves nothing pinned");
	munmap(mem, len);
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(mem != MAP_FAILED, "map %zu bytes again", len);

	/* a good pin: one address per 4 KiB, charged, counted */
	memset(addrs, 0, sizeof(addrs));
	CHECK(pin(fd, mem, len, addrs, &h1) == 0, "pin %zu bytes of anonymous memory", len);
	CHECK(h1 != 0, "handle %llu", (unsigned long long)h1);
	for (size_t i = 0; i < len / NVDIRECT_PIN_GRANULE; i++)
		if (!addrs[i] || addrs[i] % NVDIRECT_PIN_GRANULE) {
			CHECK(0, "address %zu is 0x%llx", i, (unsigned long long)addrs[i]);
		}
	CHECK(addrs[len / NVDIRECT_PIN_GRANULE] == 0, "nothing written past size / 4096 entries");
	CHECK(sysfs_long("pinned_bytes") == (long)len, "pinned_bytes is %ld", sysfs_long("pinned_bytes"));
	CHECK(vm_pinned() == (long)len, "VmPin is %ld", vm_pinned());
	CHECK(pin(fd, mem, (size_t)pg, addrs, &h2) == 0 && h2 != h1, "a page may be pinned twice");
	CHECK(sysfs_long("pinned_bytes") == (long)len + pg, "pins add up");
	CHECK(unpin(fd, h2 + 100) == -EINVAL, "unknown handle is EINVAL");
	CHECK(unpin(fd, h2) == 0, "unpin the second");
	CHECK(unpin(fd, h2) == -EINVAL, "double unpin is EINVAL");
	CHECK(sysfs_long("pinned_bytes") == (long)len && vm_pinned() == (long)len,
	      "pinned_bytes and VmPin back to the first pin");

	/* the per-open limit, max_pinned_bytes */
	f = fopen("/sys/module/nvdirect/parameters/max_pinned_bytes", "r");
	CHECK(f && fscanf(f, "%zu", &max_pinned) == 1, "read max_pinned_bytes");
	fclose(f);
	CHECK(max_pinned < sizeof(addrs) / sizeof(addrs[0]) * NVDIRECT_PIN_GRANULE - len,
	      "max_pinned_bytes %zu is small enough to test here", max_pinned);
	{
		size_t blen = max_pinned - len + (size_t)pg;

		big = mmap(NULL, blen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		CHECK(big != MAP_FAILED, "map %zu bytes", blen);
		CHECK(pin(fd, big, blen, addrs, NULL) == -ENOSPC,
		      "pinning past max_pinned_bytes (%zu) is ENOSPC", max_pinned);
		CHECK(pin(fd, big, blen - (size_t)pg, addrs, &h2) == 0, "pinning up to it is fine");
		CHECK(unpin(fd, h2) == 0, "unpin it");
		munmap(big, blen);
	}

	/* close with memory pinned: all released */
	close(fd);
	CHECK(sysfs_long("pinned_bytes") == 0, "close unpinned everything");
	CHECK(vm_pinned() == 0, "close uncharged VmPin");
	munmap(mem, len);
	return 0;
}

/* RLIMIT_MEMLOCK: enforced without CAP_IPC_LOCK, bypassed with it. */
static int cmd_pinlimit(void)
{
	struct rlimit rl = { 64 * 1024, 64 * 1024 };
	size_t len = 256 * 1024;
	uint64_t addrs[256 * 1024 / NVDIRECT_PIN_GRANULE], h;
	int fd = open_dev();
	uint8_t *mem;

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(mem != MAP_FAILED, "map %zu bytes", len);
	CHECK(setrlimit(RLIMIT_MEMLOCK, &rl) == 0, "RLIMIT_MEMLOCK set to 64 KiB");
	CHECK(pin(fd, mem, len, addrs, &h) == 0, "with CAP_IPC_LOCK, 256 KiB pin past the limit");
	CHECK(unpin(fd, h) == 0, "unpin");
	CHECK(drop_cap(CAP_IPC_LOCK) == 0, "dropped CAP_IPC_LOCK");
	CHECK(pin(fd, mem, len, addrs, &h) == -ENOMEM,
	      "without CAP_IPC_LOCK, pinning 256 KiB past RLIMIT_MEMLOCK 64 KiB is ENOMEM");
	CHECK(sysfs_long("pinned_bytes") == 0 && vm_pinned() == 0, "the refusal pinned nothing");
	CHECK(pin(fd, mem, 64 * 1024, addrs, &h) == 0, "64 KiB, exactly the limit, is fine");
	CHECK(pin(fd, mem + 64 * 1024, 4096, addrs, NULL) == -ENOMEM,
	      "one page more is ENOMEM: pins add up against the limit");
	CHECK(unpin(fd, h) == 0, "unpin");
	CHECK(vm_pinned() == 0, "VmPin back to 0");
	close(fd);
	return 0;
}

/*
 * Hold the device open and mapped until it is unbound under us.  Afterwards
 * the mappings behave like a surprise-removed PCIe device: BAR0 reads all
 * ones, stores vanish, DMA memory keeps what it held; no signal.
 */
static int cmd_hold(const char *ready)
{
	struct nvdirect_info info = { .argsz = sizeof(info) };
	struct nvdirect_dma_alloc a = { .argsz = sizeof(a), .size = 65536 };
	int fd = open_dev(), rc = 0, sig;
	volatile uint32_t *bar;
	uint32_t *mem;
	uint32_t v = 0;

	CHECK(xioctl(fd, NVDIRECT_GET_INFO, &info) == 0, "GET_INFO");
	CHECK(xioctl(fd, NVDIRECT_DMA_ALLOC, &a) == 0, "allocate");
	bar = mmap(NULL, info.bar0_mappable, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	mem = mmap(NULL, a.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)a.mmap_offset);
	CHECK(bar != MAP_FAILED && mem != MAP_FAILED, "mapped BAR0 and DMA memory");
	CHECK(probe_read(bar + 2, &v) == 0 && v != 0xffffffff, "VS reads 0x%08x while bound", v);
	mem[0] = 0x5eed;
	mem[4096] = 0xfeed;	/* another page, not touched again before the unbind */
	close(creat(ready, 0644));
	for (int i = 0; i < 1200; i++) {	/* 120 s */
		rc = xioctl(fd, NVDIRECT_GET_INFO, &info);
		if (rc)
			break;
		usleep(100000);
	}
	CHECK(rc == -ENODEV, "ioctl after unbind is ENODEV (got %d)", rc);
	sig = probe_read(bar + 7, &v);
	CHECK(sig == 0, "BAR access after unbind is no signal (got signal %d)", sig);
	CHECK(v == 0xffffffff, "CSTS after unbind reads all ones (got 0x%08x)", v);
	if (info.bar0_mappable > 4096) {
		sig = probe_write(bar + 1024, 7);	/* SQ 0 tail doorbell */
		CHECK(sig == 0, "doorbell write after unbind is no signal (got signal %d)", sig);
		CHECK(probe_read(bar + 7, &v) == 0 && v == 0xffffffff,
		      "CSTS still all ones after the doorbell write (got 0x%08x)", v);
	}
	sig = probe_read(mem, &v);
	CHECK(sig == 0, "DMA memory access after unbind is no signal (got signal %d)", sig);
	CHECK(v == 0x5eed, "DMA memory keeps its contents (got 0x%x)", v);
	CHECK(probe_read(mem + 4096, &v) == 0 && v == 0xfeed,
	      "so does a page not touched since the unbind (got 0x%x)", v);
	CHECK(probe_write(mem + 1, 9) == 0 && mem[1] == 9, "DMA memory stays writable");
	a.size = 4096;
	CHECK(xioctl(fd, NVDIRECT_DMA_ALLOC, &a) == -ENODEV, "allocation after unbind is ENODEV");
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED, "mmap after unbind fails");
	close(fd);
	return 0;
}

/*
 * Hold memory pinned, with no I/O running, until the function is unbound
 * under us: removal must unpin it, and it stays our ordinary memory.
 */
static int cmd_holdpin(const char *ready)
{
	struct nvdirect_info info = { .argsz = sizeof(info) };
	size_t len = 64 * 1024;
	uint64_t addrs[64 * 1024 / NVDIRECT_PIN_GRANULE], h;
	int fd = open_dev(), rc = 0, sig;
	uint8_t *mem;
	uint32_t v;

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(mem != MAP_FAILED, "map %zu bytes", len);
	memset(mem, 0x3c, len);
	CHECK(pin(fd, mem, len, addrs, &h) == 0, "pin %zu bytes", len);
	CHECK(vm_pinned() == (long)len, "VmPin is %ld", vm_pinned());
	close(creat(ready, 0644));
	for (int i = 0; i < 1200; i++) {	/* 120 s */
		rc = xioctl(fd, NVDIRECT_GET_INFO, &info);
		if (rc)
			break;
		usleep(100000);
	}
	CHECK(rc == -ENODEV, "ioctl after unbind is ENODEV (got %d)", rc);
	CHECK(vm_pinned() == 0, "removal unpinned and uncharged our memory (VmPin %ld)", vm_pinned());
	CHECK(unpin(fd, h) == -ENODEV, "unpin after unbind is ENODEV");
	sig = probe_read((uint32_t *)(mem + len - 4), &v);
	CHECK(sig == 0 && v == 0x3c3c3c3c, "the memory is still ours and intact");
	close(fd);
	munmap(mem, len);
	return 0;
}

/* The MSI-X table and PBA in BAR0, from the capability in config space. */
struct msix_in_bar0 {
	uint32_t table_off, table_size;	/* size 0: not in BAR0 */
	uint32_t pba_off, pba_size;
};

/*
 * Read the MSI-X capability of @bdf from sysfs config space (root sees all
 * of it): PCIe Base 6.0, section 7.7.2.  The module's own answer is not
 * used, so a module that got it wrong cannot hide it.
 */
static struct msix_in_bar0 msix_from_config(const char *bdf)
{
	struct msix_in_bar0 m = { 0 };
	uint8_t cfg[256];
	char path[128];
	unsigned int pos, guard = 0, nvec;
	uint32_t table, pba;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || pread(fd, cfg, sizeof(cfg), 0) != (ssize_t)sizeof(cfg)) {
		fprintf(stderr, "FAIL: cannot read 256 bytes of %s: %s\n", path, strerror(errno));
		exit(1);
	}
	close(fd);
	for (pos = cfg[0x34] & ~3u; pos && guard++ < 48; pos = cfg[pos + 1] & ~3u) {
		if (cfg[pos] != 0x11)	/* MSI-X capability ID */
			continue;
		nvec = ((cfg[pos + 2] | cfg[pos + 3] << 8) & 0x7ff) + 1;
		memcpy(&table, cfg + pos + 4, 4);
		memcpy(&pba, cfg + pos + 8, 4);
		if ((table & 7) == 0) {
			m.table_off = table & ~7u;
			m.table_size = nvec * 16;
		}
		if ((pba & 7) == 0) {
			m.pba_off = pba & ~7u;
			m.pba_size = (nvec + 63) / 64 * 8;
		}
		break;
	}
	return m;
}

static int range_in_page(uint32_t off, uint32_t size, uint64_t page, long pg)
{
	return size && page >= off / (uint64_t)pg && page <= (off + size - 1) / (uint64_t)pg;
}

/*
 * As the owner, try to reach the MSI-X table and PBA of @bdf through every
 * BAR0 mapping /dev/nvdirectN hands out: each page alone, the whole BAR,
 * the mappable part and one page more.  A page holding either must be
 * refused; if one is granted anyway, stores go into the table there (so
 * that the read-back after unbinding shows it too) and the check fails.
 * Every other page must map.
 */
static int cmd_msix(const char *bdf)
{
	struct nvdirect_info info = { .argsz = sizeof(info) };
	struct msix_in_bar0 m = msix_from_config(bdf);
	long pg = sysconf(_SC_PAGESIZE);
	int fd = open_dev();
	uint64_t page, pages, first;
	volatile uint32_t *p;
	uint32_t v;

	CHECK(xioctl(fd, NVDIRECT_GET_INFO, &info) == 0, "GET_INFO");
	CHECK(m.table_size && m.pba_size, "%s has its MSI-X table (0x%x, %u bytes) and PBA (0x%x, %u bytes) in BAR0",
	      bdf, m.table_off, m.table_size, m.pba_off, m.pba_size);

	/* first the stores: a module that lets one through fails here */
	pages = info.bar0_size / (uint64_t)pg;
	for (page = 0; page < pages; page++) {
		int msix = range_in_page(m.table_off, m.table_size, page, pg) ||
			   range_in_page(m.pba_off, m.pba_size, page, pg);

		p = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 (off_t)(info.bar0_offset + page * (uint64_t)pg));
		if (msix && p != MAP_FAILED) {
			/* message address and data of every entry in the page */
			for (uint32_t o = 0; o < (uint32_t)pg; o += 4)
				probe_write(p + o / 4, 0xfee0beef);
		}
		if (msix)
			CHECK(p == MAP_FAILED && errno == EINVAL,
			      "page %llu of BAR0 holds the MSI-X table or PBA: mmap refused with EINVAL",
			      (unsigned long long)page);
		else
			CHECK(p != MAP_FAILED, "page %llu of BAR0 maps", (unsigned long long)page);
		if (p != MAP_FAILED)
			munmap((void *)p, (size_t)pg);
	}
	p = mmap(NULL, info.bar0_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)info.bar0_offset);
	if (p != MAP_FAILED) {
		for (uint32_t o = 0; o < m.table_size; o += 4)
			probe_write(p + (m.table_off + o) / 4, 0xfee0beef);
	}
	CHECK(p == MAP_FAILED && errno == EINVAL, "a mapping of all of BAR0 is refused");

	CHECK(info.info_flags & NVDIRECT_INFO_BAR0_MAPPABLE, "GET_INFO fills the MSI-X fields");
	CHECK(info.msix_table_offset == m.table_off && info.msix_table_size == m.table_size &&
	      info.msix_pba_offset == m.pba_off && info.msix_pba_size == m.pba_size,
	      "GET_INFO says table 0x%x+%u, PBA 0x%x+%u, as the capability does", info.msix_table_offset,
	      info.msix_table_size, info.msix_pba_offset, info.msix_pba_size);
	first = (m.table_off < m.pba_off ? m.table_off : m.pba_off) / (uint64_t)pg;
	CHECK(info.bar0_mappable == first * (uint64_t)pg, "bar0_mappable is %llu: up to the first such page",
	      (unsigned long long)info.bar0_mappable);
	p = mmap(NULL, info.bar0_mappable + (size_t)pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)info.bar0_offset);
	CHECK(p == MAP_FAILED, "the mappable part and one page more is refused");
	p = mmap(NULL, info.bar0_mappable, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)info.bar0_offset);
	CHECK(p != MAP_FAILED, "the mappable part (%llu bytes) maps", (unsigned long long)info.bar0_mappable);
	CHECK(probe_read(p + 2, &v) == 0 && v >= 0x10000, "VS reads 0x%08x through it", v);
	CHECK(mremap((void *)p, info.bar0_mappable, info.bar0_mappable + (size_t)pg, MREMAP_MAYMOVE) ==
		      MAP_FAILED, "mremap cannot grow it over the table");
	munmap((void *)p, info.bar0_mappable);
	close(fd);
	return 0;
}

/*
 * As root, with no driver bound: print the MSI-X table and PBA of @bdf as
 * "offset value" lines, read through /sys/bus/pci/devices/BDF/resource0.
 */
static int cmd_msixdump(const char *bdf)
{
	struct msix_in_bar0 m = msix_from_config(bdf);
	long pg = sysconf(_SC_PAGESIZE);
	uint64_t end = (uint64_t)(m.pba_off + m.pba_size > m.table_off + m.table_size ?
				  m.pba_off + m.pba_size : m.table_off + m.table_size);
	size_t len = (size_t)((end + (uint64_t)pg - 1) / (uint64_t)pg * (uint64_t)pg);
	char path[128];
	volatile uint32_t *bar;
	int fd;

	if (!m.table_size || !m.pba_size) {
		fprintf(stderr, "FAIL: %s has no MSI-X table and PBA in BAR0\n", bdf);
		return 1;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", bdf);
	fd = open(path, O_RDWR | O_CLOEXEC);
	bar = fd < 0 ? MAP_FAILED : mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (bar == MAP_FAILED) {
		fprintf(stderr, "FAIL: cannot map %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (uint32_t o = 0; o < m.table_size; o += 4)
		printf("0x%x 0x%08x\n", m.table_off + o, bar[(m.table_off + o) / 4]);
	for (uint32_t o = 0; o < m.pba_size; o += 4)
		printf("0x%x 0x%08x\n", m.pba_off + o, bar[(m.pba_off + o) / 4]);
	munmap((void *)bar, len);
	close(fd);
	return 0;
}

/*
 * NVDIRECT_DMA_ALLOC against RLIMIT_MEMLOCK: charged to VmPin like pinned
 * memory, refused past the limit without CAP_IPC_LOCK (which an ordinary
 * user lacks; root drops it first), uncharged by DMA_FREE and at release,
 * also when the release happens in another process.
 */
static int cmd_dmalimit(void)
{
	struct rlimit rl = { 64 * 1024, 64 * 1024 };
	struct nvdirect_dma_alloc a = { .argsz = sizeof(a) };
	struct nvdirect_dma_free f = { .argsz = sizeof(f) };
	int fd = open_dev(), st, sync_pipe[2];
	char c;
	pid_t child;

	CHECK(setrlimit(RLIMIT_MEMLOCK, &rl) == 0, "RLIMIT_MEMLOCK set to 64 KiB");
	if (getuid() == 0) {
		a.size = 256 * 1024;
		CHECK(xioctl(fd, NVDIRECT_DMA_ALLOC, &a) == 0, "with CAP_IPC_LOCK, 256 KiB past the limit");
		CHECK(vm_pinned() == 256 * 1024, "charged to VmPin: %ld", vm_pinned());
		f.mmap_offset = a.mmap_offset;
		CHECK(xioctl(fd, NVDIRECT_DMA_FREE, &f) == 0, "free it");
		CHECK(vm_pinned() == 0, "DMA_FREE uncharged it");
		CHECK(drop_cap(CAP_IPC_LOCK) == 0, "dropped CAP_IPC_LOCK");
	}
	a.size = 256 * 1024;
	CHECK(xioctl(fd, NVDIRECT_DMA_ALLOC, &a) == -ENOMEM,
	      "without CAP_IPC_LOCK, 256 KiB of DMA memory past RLIMIT_MEMLOCK 64 KiB is ENOMEM");
	CHECK(sysfs_long("dma_bytes") == 0 && vm_pinned() == 0, "the refusal allocated and charged nothing");
	a.size = 48 * 1024;
	CHECK(xioctl(fd, NVDIRECT_DMA_ALLOC, &a) == 0, "48 KiB is fine");
	CHECK(vm_pinned() == 48 * 1024, "VmPin is %ld", vm_pinned());
	a.size = 32 * 1024;
	CHECK(xioctl(fd, NVDIRECT_DMA_ALLOC, &a) == -ENOMEM, "32 KiB more is ENOMEM: regions add up");
	a.size = 16 * 1024;
	CHECK(xioctl(fd, NVDIRECT_DMA_ALLOC, &a) == 0, "16 KiB more, exactly the limit, is fine");
	CHECK(vm_pinned() == 64 * 1024, "VmPin is %ld", vm_pinned());

	/* the last close happens in a child: the charge still leaves our mm */
	CHECK(pipe(sync_pipe) == 0, "pipe");
	child = fork();
	if (child == 0) {
		close(sync_pipe[1]);
		if (read(sync_pipe[0], &c, 1) < 0)
			_exit(1);
		close(fd);	/* the last reference: release runs here */
		_exit(0);
	}
	close(sync_pipe[0]);
	close(fd);
	CHECK(vm_pinned() == 64 * 1024, "our close is not the last: still charged (VmPin %ld)", vm_pinned());
	CHECK(write(sync_pipe[1], "x", 1) == 1, "let the child close");
	waitpid(child, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child closed the file");
	CHECK(vm_pinned() == 0, "release in the child uncharged our VmPin (%ld)", vm_pinned());
	CHECK(sysfs_long("dma_bytes") == 0, "and freed the regions");
	return 0;
}

static long long read_ll(const char *path)
{
	char buf[64] = "";
	FILE *f = fopen(path, "r");

	if (!f || !fgets(buf, sizeof(buf), f)) {
		fprintf(stderr, "FAIL: cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	return strtoll(buf, NULL, 10);
}

/*
 * Run inside a memory cgroup whose memory.current is @cur: a 4 MiB
 * NVDIRECT_DMA_ALLOC must show in it (__GFP_ACCOUNT), and leave it when
 * freed.  Per-CPU charge batching blurs the figures by up to a few hundred
 * KiB, so 3 MiB of the 4 is what is asked for.
 */
static int cmd_dmacg(const char *cur)
{
	struct nvdirect_dma_alloc a = { .argsz = sizeof(a), .size = 4u << 20 };
	struct nvdirect_dma_free f = { .argsz = sizeof(f) };
	int fd = open_dev();
	long long before, held, after;

	before = read_ll(cur);
	CHECK(xioctl(fd, NVDIRECT_DMA_ALLOC, &a) == 0, "allocate 4 MiB of DMA memory");
	held = read_ll(cur);
	CHECK(held - before >= 3ll << 20, "the memory cgroup sees it: memory.current %lld -> %lld",
	      before, held);
	f.mmap_offset = a.mmap_offset;
	CHECK(xioctl(fd, NVDIRECT_DMA_FREE, &f) == 0, "free it");
	after = read_ll(cur);
	CHECK(held - after >= 3ll << 20, "and no longer after the free: memory.current %lld", after);
	close(fd);
	return 0;
}

/* The VmFlags line of the mapping that starts at @p, from /proc/self/smaps. */
static void vm_flags_of(const void *p, char *out, size_t len)
{
	char line[512];
	unsigned long lo, hi;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	out[0] = 0;
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
			in = lo == (uintptr_t)p;
		else if (in && !strncmp(line, "VmFlags:", 8)) {
			snprintf(out, len, "%s", line + 8);
			out[strcspn(out, "\n")] = 0;
			break;
		}
	}
	if (f)
		fclose(f);
}

/*
 * Map a 4-page DMA region without touching it and report how the kernel
 * mapped it, as "key value" lines for t_iommu.sh to judge: the vma's
 * VmFlags (smaps) and how many of its pages mincore() finds resident
 * before the first access.  Checks on the way: the data written reads
 * back, and a process that did not allocate the region may not map it.
 */
static int cmd_mapkind(void)
{
	struct nvdirect_dma_alloc a = { .argsz = sizeof(a), .size = 4 * 4096 };
	int fd = open_dev(), st, resident = 0;
	unsigned char vec[4];
	char flags[512];
	uint32_t *mem;
	pid_t child;

	CHECK(xioctl(fd, NVDIRECT_DMA_ALLOC, &a) == 0, "allocate 4 pages");
	mem = mmap(NULL, a.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)a.mmap_offset);
	CHECK(mem != MAP_FAILED, "map them");
	CHECK(mincore(mem, a.size, vec) == 0, "mincore: %s", strerror(errno));
	for (int i = 0; i < 4; i++)
		resident += vec[i] & 1;
	vm_flags_of(mem, flags, sizeof(flags));
	CHECK(flags[0], "smaps has a VmFlags line for the mapping");
	for (int i = 0; i < 4; i++)
		mem[i * 1024 + 3] = 0xd00d0000u + i;
	for (int i = 0; i < 4; i++)
		CHECK(mem[i * 1024 + 3] == 0xd00d0000u + i, "page %d reads back what was written", i);

	/* the child shares the file, not the region: it allocated nothing */
	child = fork();
	if (child == 0) {
		void *q = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, (off_t)a.mmap_offset);

		_exit(q == MAP_FAILED && errno == EACCES ? 0 : 1);
	}
	CHECK(child > 0 && waitpid(child, &st, 0) == child, "fork");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "a process that did not allocate the region may not map it (EACCES)");
	printf("vmflags %s\n", flags);
	printf("resident_before_access %d\n", resident);
	close(fd);
	return 0;
}

static int mask_irq(int fd, uint32_t vector, uint32_t mask)
{
	struct nvdirect_irq_mask m = { .argsz = sizeof(m), .vector = vector, .mask = mask };

	return xioctl(fd, NVDIRECT_MASK_IRQ, &m);
}

static int route_irq(int fd, uint32_t vector, int32_t efd, uint32_t *nr_vectors)
{
	struct nvdirect_irq_set q = {
		.argsz = sizeof(q), .start = vector, .count = 1, .fds = (uintptr_t)&efd,
	};
	int r = xioctl(fd, NVDIRECT_SET_IRQS, &q);

	if (nr_vectors)
		*nr_vectors = q.nr_vectors;
	return r;
}

/*
 * NVDIRECT_MASK_IRQ's answers: only a routed vector, only 0 or 1, no flags;
 * masking twice and unmasking twice are no-ops; a masked vector can be
 * unrouted and the file closed (the shell checks dmesg for an unbalanced
 * enable_irq).  The delivery of what a masked vector held: t_intr.sh.
 */
static int cmd_irqmask(void)
{
	struct nvdirect_irq_mask m = { .argsz = sizeof(m), .vector = 1, .mask = 1 };
	int fd = open_dev(), efd = eventfd(0, EFD_CLOEXEC);
	uint32_t nvec = 0;

	CHECK(efd >= 0, "eventfd");
	CHECK(mask_irq(fd, 1, 1) == -EINVAL, "mask of a vector never routed is EINVAL");
	CHECK(route_irq(fd, 1, efd, &nvec) == 0 && nvec >= 2, "route vector 1 (%u vectors)", nvec);
	CHECK(mask_irq(fd, 2, 1) == -EINVAL, "mask of an unrouted vector is EINVAL");
	CHECK(mask_irq(fd, nvec, 1) == -EINVAL, "mask of vector %u (past nr_vectors) is EINVAL", nvec);
	CHECK(mask_irq(fd, UINT32_MAX, 0) == -EINVAL, "unmask of vector 0xffffffff is EINVAL");
	CHECK(mask_irq(fd, 1, 2) == -EINVAL, "mask 2 is EINVAL");
	m.flags = 1;
	CHECK(xioctl(fd, NVDIRECT_MASK_IRQ, &m) == -EINVAL, "unknown flags are EINVAL");
	m.flags = 0;
	m.argsz = 12;
	CHECK(xioctl(fd, NVDIRECT_MASK_IRQ, &m) == -EINVAL, "argsz 12 (no mask field) is EINVAL");
	CHECK(xioctl(fd, NVDIRECT_MASK_IRQ, NULL) == -EFAULT, "NULL argument is EFAULT");
	CHECK(mask_irq(fd, 1, 1) == 0 && mask_irq(fd, 1, 1) == 0, "mask, and mask again");
	CHECK(mask_irq(fd, 1, 0) == 0 && mask_irq(fd, 1, 0) == 0, "unmask, and unmask again");
	CHECK(mask_irq(fd, 1, 1) == 0, "mask");
	CHECK(route_irq(fd, 1, -1, NULL) == 0, "unroute the masked vector");
	CHECK(mask_irq(fd, 1, 0) == -EINVAL, "unmask after the unroute is EINVAL");
	CHECK(route_irq(fd, 1, efd, NULL) == 0 && mask_irq(fd, 1, 1) == 0,
	      "route it again and mask it");
	close(fd);	/* quiesce frees a masked vector */
	fd = open_dev();
	CHECK(route_irq(fd, 1, efd, NULL) == 0 && mask_irq(fd, 1, 1) == 0 && mask_irq(fd, 1, 0) == 0,
	      "the next open routes, masks and unmasks it");
	{
		/* informational: what a change of mask costs (an MMIO write under TCG) */
		struct timespec a, b;

		clock_gettime(CLOCK_MONOTONIC, &a);
		for (int i = 0; i < 1000; i++)
			if (mask_irq(fd, 1, 1) || mask_irq(fd, 1, 0))
				break;
		clock_gettime(CLOCK_MONOTONIC, &b);
		printf("info: mask + unmask: %.1f us\n",
		       ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1000 / 1e3);
	}
	close(fd);
	close(efd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: nvd_uapi_probe exclusive|noperm|abi|info|mapkind|pin|pinlimit|dmalimit|irqmask DEV\n"
				"       nvd_uapi_probe noperm DEV [EPERM|ok]\n"
				"       nvd_uapi_probe hold|holdpin DEV READY_FILE\n"
				"       nvd_uapi_probe msix DEV BDF     (as the owner)\n"
				"       nvd_uapi_probe dmacg DEV MEMORY_CURRENT (inside that memory cgroup)\n"
				"       nvd_uapi_probe msixdump BDF     (no driver bound)\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	dev = argv[2];
	if (!strcmp(argv[1], "exclusive"))
		return cmd_exclusive();
	if (!strcmp(argv[1], "noperm"))
		return cmd_noperm(argc == 4 ? argv[3] : "EPERM");
	if (!strcmp(argv[1], "abi"))
		return cmd_abi();
	if (!strcmp(argv[1], "info"))
		return cmd_info();
	if (!strcmp(argv[1], "mapkind"))
		return cmd_mapkind();
	if (!strcmp(argv[1], "pin"))
		return cmd_pin();
	if (!strcmp(argv[1], "pinlimit"))
		return cmd_pinlimit();
	if (!strcmp(argv[1], "dmacg") && argc == 4)
		return cmd_dmacg(argv[3]);
	if (!strcmp(argv[1], "dmalimit"))
		return cmd_dmalimit();
	if (!strcmp(argv[1], "msix") && argc == 4)
		return cmd_msix(argv[3]);
	if (!strcmp(argv[1], "msixdump"))
		return cmd_msixdump(argv[2]);
	if (!strcmp(argv[1], "irqmask"))
		return cmd_irqmask();
	if (!strcmp(argv[1], "hold") && argc == 4)
		return cmd_hold(argv[3]);
	if (!strcmp(argv[1], "holdpin") && argc == 4)
		return cmd_holdpin(argv[3]);
	fprintf(stderr, "nvd_uapi_probe: unknown subcommand '%s'\n", argv[1]);
	return 2;
}
