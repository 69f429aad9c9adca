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
#include <sys/ioctl.h>
#include <sys/mman.h>
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

/* Read one 32-bit word; returns the signal number that stopped it, or 0. */
static int probe_read(volatile uint32_t *p, uint32_t *val)
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	int sig;

	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	sig = sigsetjmp(fault_jmp, 1);
	if (sig == 0)
		*val = *p;
	signal(SIGBUS, SIG_DFL);
	signal(SIGSEGV, SIG_DFL);
	return sig;
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

static int cmd_noperm(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	int fd;

	CHECK(syscall(SYS_capget, &h, d) == 0, "capget");
	d[CAP_SYS_RAWIO / 32].effective &= ~(1u << (CAP_SYS_RAWIO % 32));
	d[CAP_SYS_RAWIO / 32].permitted &= ~(1u << (CAP_SYS_RAWIO % 32));
	CHECK(syscall(SYS_capset, &h, d) == 0, "dropped CAP_SYS_RAWIO");
	fd = open(dev, O_RDWR);
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

	/* BAR0: CAP.MQES and VS are readable; private, oversize, offset maps refused */
	p = mmap(NULL, info.bar0_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)info.bar0_offset);
	CHECK(p != MAP_FAILED, "map BAR0");
	CHECK(probe_read((uint32_t *)p + 2, &v) == 0 && v >= 0x10000, "VS reads 0x%08x", v);
	munmap(p, info.bar0_size);
	p = mmap(NULL, info.bar0_size, PROT_READ, MAP_PRIVATE, fd, (off_t)info.bar0_offset);
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

/* Hold the device open and mapped until it is unbound under us. */
static int cmd_hold(const char *ready)
{
	struct nvdirect_info info = { .argsz = sizeof(info) };
	struct nvdirect_dma_alloc a = { .argsz = sizeof(a), .size = 65536 };
	int fd = open_dev(), rc = 0, sig;
	volatile uint32_t *bar;
	uint8_t *mem;
	uint32_t v;

	CHECK(xioctl(fd, NVDIRECT_GET_INFO, &info) == 0, "GET_INFO");
	CHECK(xioctl(fd, NVDIRECT_DMA_ALLOC, &a) == 0, "allocate");
	bar = mmap(NULL, info.bar0_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	mem = mmap(NULL, a.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)a.mmap_offset);
	CHECK(bar != MAP_FAILED && mem != MAP_FAILED, "mapped BAR0 and DMA memory");
	mem[0] = 1;
	close(creat(ready, 0644));
	for (int i = 0; i < 1200; i++) {	/* 120 s */
		rc = xioctl(fd, NVDIRECT_GET_INFO, &info);
		if (rc)
			break;
		usleep(100000);
	}
	CHECK(rc == -ENODEV, "ioctl after unbind is ENODEV (got %d)", rc);
	sig = probe_read(bar + 7, &v);
	CHECK(sig == SIGBUS, "BAR access after unbind is SIGBUS (got signal %d)", sig);
	sig = probe_read((uint32_t *)mem, &v);
	CHECK(sig == SIGBUS, "DMA memory access after unbind is SIGBUS (got signal %d)", sig);
	a.size = 4096;
	CHECK(xioctl(fd, NVDIRECT_DMA_ALLOC, &a) == -ENODEV, "allocation after unbind is ENODEV");
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED, "mmap after unbind fails");
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: nvd_uapi_probe exclusive|noperm|abi|info DEV\n"
				"       nvd_uapi_probe hold DEV READY_FILE\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	dev = argv[2];
	if (!strcmp(argv[1], "exclusive"))
		return cmd_exclusive();
	if (!strcmp(argv[1], "noperm"))
		return cmd_noperm();
	if (!strcmp(argv[1], "abi"))
		return cmd_abi();
	if (!strcmp(argv[1], "info"))
		return cmd_info();
	if (!strcmp(argv[1], "hold") && argc == 4)
		return cmd_hold(argv[3]);
	fprintf(stderr, "nvd_uapi_probe: unknown subcommand '%s'\n", argv[1]);
	return 2;
}
