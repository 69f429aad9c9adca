// SPDX-License-Identifier: MIT
/*
 * The PCI-function backend over nvdirect.ko: a controller bound to it,
 * reached through
 * /dev/nvdirectN.  The module hands out everything by ioctl (BAR0 mmap
 * offset, DMA regions with their bus addresses and mmap offsets); this file
 * never computes an offset itself.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/error.h"
#include "core/nvme_spec.h"
#include "pcie/pci_backend.h"
#include "uapi/nvdirect.h"

#define CLASS_DIR	"/sys/class/nvdirect"

struct kmod_backend {
	struct pci_backend base;
	int fd;
	void *bar_map;
	size_t bar_len;
};

static struct kmod_backend *to_pcie(struct pci_backend *t)
{
	return (struct kmod_backend *)t;
}

/* /dev/nvdirectN for @bdf: the class device whose "device" link ends in it. */
static int find_devnode(const char *bdf, char *path, size_t len)
{
	char link[512], target[512], devdir[64];
	struct dirent *de;
	const char *base;
	ssize_t n;
	DIR *d;

	d = opendir(CLASS_DIR);
	if (d) {
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(link, sizeof(link), CLASS_DIR "/%s/device", de->d_name);
			n = readlink(link, target, sizeof(target) - 1);
			if (n < 0)
				continue;
			target[n] = '\0';
			base = strrchr(target, '/');
			base = base ? base + 1 : target;
			if (strcmp(base, bdf) == 0) {
				snprintf(path, len, "/dev/%.24s", de->d_name);
				closedir(d);
				return 0;
			}
		}
		closedir(d);
	}

	snprintf(devdir, sizeof(devdir), "/sys/bus/pci/devices/%s", bdf);
	if (access(devdir, F_OK)) {
		nvd__set_detail("there is no PCI function %s", bdf);
		return -ENODEV;
	}
	nvd__set_detail("%s is not bound to nvdirect", bdf);
	return -ENOENT;
}

/*
 * Why the module refused an open with EPERM, from its dma_isolation
 * attribute (kmod/access.c): "none: ...", "group shared with BDF (driver),
 * ...: ...", or "iommu".  An older module has no such attribute: then only
 * CAP_SYS_RAWIO ever opened it.
 */
static void eperm_detail(const char *path)
{
	char attr[128], line[512] = "", *colon;
	FILE *f;

	snprintf(attr, sizeof(attr), CLASS_DIR "/%s/dma_isolation", strrchr(path, '/') + 1);
	f = fopen(attr, "r");
	if (!f || !fgets(line, sizeof(line), f)) {
		if (f)
			fclose(f);
		nvd__set_detail("opening %s needs CAP_SYS_RAWIO", path);
		return;
	}
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	colon = strrchr(line, ':');
	if (colon)
		*colon = '\0';
	if (strncmp(line, "group shared with ", 18) == 0)
		nvd__set_detail("%s: its IOMMU group is shared with %s, bound to a driver, so "
				"CAP_SYS_RAWIO is needed (peers in a group reach each other's DMA)",
				path, line + 18);
	else if (strncmp(line, "none", 4) == 0)
		nvd__set_detail("%s: no IOMMU translation for this device, so CAP_SYS_RAWIO is needed",
				path);
	else
		nvd__set_detail("opening %s was refused (dma_isolation: %s)", path, line);
}

static int open_devnode(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	switch (errno) {
	case EBUSY:
		nvd__set_detail("%s is open in another process", path);
		return -EBUSY;
	case EPERM:
		eperm_detail(path);
		return -EPERM;
	case EACCES:
		nvd__set_detail("no read and write permission on %s (its owner or group, see ls -l)",
				path);
		return -EACCES;
	case ENOENT:
		nvd__set_detail("%s does not exist (is udev running?)", path);
		return -ENOENT;
	case ENODEV:
	case ENXIO:
		return -ENXIO;
	default:
		nvd__set_detail("open %s: %s", path, strerror(errno));
		return -errno;
	}
}

/* MSI-X vectors the module can route; 0 for a module without SET_IRQS. */
static uint32_t query_vectors(int fd)
{
	struct nvdirect_irq_set req = { .argsz = sizeof(req) };

	return ioctl(fd, NVDIRECT_SET_IRQS, &req) ? 0 : req.nr_vectors;
}

/*
 * How much of BAR0 to map: the registers and doorbells, from offset 0 up to
 * the first page holding the MSI-X table or PBA, which the module never
 * maps (kmod/msix.c).  A module that predates NVDIRECT_INFO_BAR0_MAPPABLE
 * maps all of BAR0.  The admin queue's doorbells must be in that part; I/O
 * queues are limited to the doorbells it holds (pci_backend_info.bar_size).
 */
static int bar0_map_len(const char *bdf, const struct nvdirect_info *info, size_t *len)
{
	uint64_t n = info->bar0_size;

	if (info->info_flags & NVDIRECT_INFO_BAR0_MAPPABLE)
		n = info->bar0_mappable;
	if (n < NVME_REG_DBS + 8) {
		if (n < info->bar0_size)
			nvd__set_detail("the MSI-X table or PBA of %s lies at 0x%llx in BAR0, in the page "
					"of the admin queue's doorbells (0x%x): that page cannot be mapped",
					bdf, (unsigned long long)n, NVME_REG_DBS);
		else
			nvd__set_detail("BAR0 of %s is only %llu bytes", bdf,
					(unsigned long long)info->bar0_size);
		return -EIO;
	}
	*len = (size_t)n;
	return 0;
}

static int pcie_open(const char *bdf, struct pci_backend **out)
{
	struct nvdirect_info info = { .argsz = sizeof(info) };
	struct kmod_backend *p;
	char path[32];
	int err;

	err = find_devnode(bdf, path, sizeof(path));
	if (err)
		return err;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->fd = open_devnode(path);
	if (p->fd < 0) {
		err = p->fd;
		goto err_free;
	}

	if (ioctl(p->fd, NVDIRECT_GET_INFO, &info)) {
		int e = errno;

		nvd__set_detail("NVDIRECT_GET_INFO on %s: %s", path, strerror(e));
		if (e == ENODEV)
			err = -ENXIO;
		else if (e == ENOTTY || e == EINVAL)
			err = -EPROTO;	/* not our module, or another ABI */
		else
			err = -e;
		goto err_close;
	}
	if (info.abi_version != NVDIRECT_ABI_VERSION) {
		nvd__set_detail("nvdirect.ko speaks ABI %u, the library ABI %u",
			   info.abi_version, NVDIRECT_ABI_VERSION);
		err = -EPROTO;
		goto err_close;
	}
	err = bar0_map_len(bdf, &info, &p->bar_len);
	if (err)
		goto err_close;
	p->bar_map = mmap(NULL, p->bar_len, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd,
			  (off_t)info.bar0_offset);
	if (p->bar_map == MAP_FAILED) {
		err = -errno;
		nvd__set_detail("mapping BAR0 of %s: %s", bdf, strerror(errno));
		goto err_close;
	}

	p->base.ops = &nvd__pci_backend_kmod;
	p->base.bar = p->bar_map;
	p->base.info.bar_size = p->bar_len;	/* what is mapped: doorbells stop there */
	p->base.info.max_region_size = info.max_region_size;
	p->base.info.max_dma_bytes = info.max_dma_bytes;
	p->base.info.dma_mask = info.dma_mask;
	p->base.info.iommu = !!(info.info_flags & NVDIRECT_INFO_IOMMU);
	p->base.info.nr_vectors = query_vectors(p->fd);
	p->base.info.pci_vendor = info.vendor;
	p->base.info.pci_device = info.device;
	snprintf(p->base.info.devpath, sizeof(p->base.info.devpath), "%s", path);
	nvd__dbg("%s: %s bar0 %llu bytes (%zu mapped), region <= %llu, dma cap %llu, iommu %d", bdf,
	    path, (unsigned long long)info.bar0_size, p->bar_len, (unsigned long long)info.max_region_size,
	    (unsigned long long)info.max_dma_bytes, p->base.info.iommu);
	*out = &p->base;
	return 0;

err_close:
	close(p->fd);
err_free:
	free(p);
	return err;
}

static void pcie_close(struct pci_backend *t)
{
	struct kmod_backend *p = to_pcie(t);

	munmap(p->bar_map, p->bar_len);
	/* the module disables the controller and frees what is left */
	close(p->fd);
	free(p);
}

/* VmPin of /proc/self/status in bytes: what this process has pinned. */
static unsigned long long pinned_now(void)
{
	unsigned long long kb = 0;
	char line[128];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/*
 * Words for ENOMEM from NVDIRECT_MEM_PIN (@vaddr: the caller's memory) or
 * NVDIRECT_DMA_ALLOC (@vaddr NULL: DMA memory): both count against
 * RLIMIT_MEMLOCK (VmPin), unless the kernel is simply out of memory.
 */
static void memlock_detail(const char *verb, size_t size, void *vaddr)
{
	unsigned long long pinned = pinned_now();
	char what[64] = " of DMA memory";
	struct rlimit rl;

	if (vaddr)
		snprintf(what, sizeof(what), " at %p", vaddr);
	if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    pinned + size > rl.rlim_cur)
		nvd__set_detail("%s %zu bytes%s exceeds RLIMIT_MEMLOCK: limit %llu bytes (ulimit -l), "
				"%llu already pinned; raise the limit or grant CAP_IPC_LOCK",
				verb, size, what, (unsigned long long)rl.rlim_cur, pinned);
	else
		nvd__set_detail("%s %zu bytes%s: the kernel is out of memory", verb, size, what);
}

static int pcie_dma_map(struct pci_backend *t, size_t size, void *at, struct dma_region *r)
{
	struct kmod_backend *p = to_pcie(t);
	struct nvdirect_dma_alloc req = { .argsz = sizeof(req), .size = size };
	struct nvdirect_dma_free rel = { .argsz = sizeof(rel) };
	void *va;
	int err;

	if (ioctl(p->fd, NVDIRECT_DMA_ALLOC, &req)) {
		switch (errno) {
		case ENOMEM:
			memlock_detail("allocating", size, NULL);
			return -ENOMEM;
		case ENOSPC:
			nvd__set_detail("the module's limit of %llu bytes of DMA memory per open is reached",
				   (unsigned long long)t->info.max_dma_bytes);
			return -ENOMEM;
		case ENODEV:
			return -ENXIO;
		default:
			nvd__set_detail("NVDIRECT_DMA_ALLOC of %zu bytes: %s", size, strerror(errno));
			return -errno;
		}
	}

	va = mmap(at, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, p->fd,
		  (off_t)req.mmap_offset);
	if (va == MAP_FAILED) {
		err = -errno;
		nvd__set_detail("mapping a %zu-byte DMA region: %s", size, strerror(errno));
		rel.mmap_offset = req.mmap_offset;
		ioctl(p->fd, NVDIRECT_DMA_FREE, &rel);
		return err;
	}
	r->vaddr = va;
	r->bus_addr = req.bus_addr;
	r->size = size;
	r->handle = req.mmap_offset;
	return 0;
}

static void pcie_dma_unmap(struct pci_backend *t, struct dma_region *r)
{
	struct kmod_backend *p = to_pcie(t);
	struct nvdirect_dma_free rel = { .argsz = sizeof(rel), .mmap_offset = r->handle };

	/* swap the device mapping for a reservation, atomically */
	mmap(r->vaddr, r->size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
	     -1, 0);
	/* after hot unplug this fails with ENODEV; the module frees on close */
	ioctl(p->fd, NVDIRECT_DMA_FREE, &rel);
}

/* Words for an NVDIRECT_MEM_PIN refusal; returns the library's errno. */
static int pin_error(int e, void *vaddr, size_t size)
{
	switch (e) {
	case ENOMEM:
		memlock_detail("pinning", size, vaddr);
		return -ENOMEM;
	case ENOSPC:
		nvd__set_detail("pinning %zu bytes at %p would pass the module's limit of pinned memory "
			   "per open (max_pinned_bytes)", size, vaddr);
		return -ENOMEM;
	case EFAULT:
		nvd__set_detail("cannot pin %zu bytes at %p: not all of it is writable memory that can be pinned "
			   "(anonymous, shmem or hugetlb)", size, vaddr);
		return -EFAULT;
	case EOPNOTSUPP:
		nvd__set_detail("the kernel would bounce DMA to application memory (swiotlb); use nvd_dma_alloc");
		return -EOPNOTSUPP;
	case ENOTTY:
		nvd__set_detail("this nvdirect.ko cannot pin application memory (it predates NVDIRECT_MEM_PIN)");
		return -EOPNOTSUPP;
	case ENODEV:
		return -ENXIO;
	default:
		nvd__set_detail("NVDIRECT_MEM_PIN of %zu bytes at %p: %s", size, vaddr, strerror(e));
		return -e;
	}
}

static int pcie_mem_pin(struct pci_backend *t, void *vaddr, size_t size, uint64_t *addrs,
			uint64_t *handle)
{
	struct nvdirect_mem_pin req = {
		.argsz = sizeof(req),
		.vaddr = (uintptr_t)vaddr,
		.size = size,
		.addrs = (uintptr_t)addrs,
		.nr_addrs = size / NVDIRECT_PIN_GRANULE,
	};

	_Static_assert(NVDIRECT_PIN_GRANULE == NVME_PAGE_SIZE, "one bus address per PRP page");
	if (ioctl(to_pcie(t)->fd, NVDIRECT_MEM_PIN, &req))
		return pin_error(errno, vaddr, size);
	nvd__dbg("pinned %zu bytes at %p as handle %llu, %u DMA segments", size, vaddr,
	    (unsigned long long)req.handle, req.nr_segments);
	*handle = req.handle;
	return 0;
}

static void pcie_mem_unpin(struct pci_backend *t, uint64_t handle)
{
	struct nvdirect_mem_unpin req = { .argsz = sizeof(req), .handle = handle };

	/* after hot unplug this fails with ENODEV; the module unpinned already */
	ioctl(to_pcie(t)->fd, NVDIRECT_MEM_UNPIN, &req);
}

static int pcie_set_irq(struct pci_backend *t, uint32_t vector, int efd)
{
	struct nvdirect_irq_set req = {
		.argsz = sizeof(req),
		.start = vector,
		.count = 1,
		.fds = (uintptr_t)&efd,
	};

	if (!ioctl(to_pcie(t)->fd, NVDIRECT_SET_IRQS, &req))
		return 0;
	switch (errno) {
	case ENODEV:
		return -ENXIO;
	case ENOTTY:
		nvd__set_detail("this nvdirect.ko cannot route interrupts (it predates NVDIRECT_SET_IRQS)");
		return -EOPNOTSUPP;
	case EBUSY:
		nvd__set_detail("the kernel would not enable MSI-X on %s (see dmesg)", t->info.devpath);
		return -EBUSY;
	default:
		nvd__set_detail("routing MSI-X vector %u to eventfd %d: %s", vector, efd, strerror(errno));
		return -errno;
	}
}

static int pcie_mask_irq(struct pci_backend *t, uint32_t vector, bool mask)
{
	struct nvdirect_irq_mask req = {
		.argsz = sizeof(req),
		.vector = vector,
		.mask = mask,
	};

	if (!ioctl(to_pcie(t)->fd, NVDIRECT_MASK_IRQ, &req))
		return 0;
	switch (errno) {
	case ENODEV:
		return -ENXIO;
	case ENOTTY:
		nvd__set_detail("this nvdirect.ko cannot mask interrupts (it predates NVDIRECT_MASK_IRQ)");
		return -EOPNOTSUPP;
	default:
		nvd__set_detail("%s MSI-X vector %u: %s", mask ? "masking" : "unmasking", vector,
				strerror(errno));
		return -errno;
	}
}

const struct pci_backend_ops nvd__pci_backend_kmod = {
	.name = "pcie",
	.open = pcie_open,
	.close = pcie_close,
	.dma_map = pcie_dma_map,
	.dma_unmap = pcie_dma_unmap,
	.mem_pin = pcie_mem_pin,
	.mem_unpin = pcie_mem_unpin,
	.set_irq = pcie_set_irq,
	.mask_irq = pcie_mask_irq,
};
