// SPDX-License-Identifier: GPL-2.0
/*
 * nvdirect: sysfs attributes.
 *
 * /sys/class/nvdirect/abi_version       NVDIRECT_ABI_VERSION
 * /sys/class/nvdirect/nvdirectN/
 *	device       link to the PCI function (our parent)
 *	owner_pid    tgid of the process holding the file, 0 when free
 *	dma_bytes    bytes of DMA memory allocated now
 *	dma_regions  number of DMA regions
 *	pinned_bytes bytes of the owner's own memory pinned now (NVDIRECT_MEM_PIN)
 *	state        idle | open | dead
 *	csts         CSTS register in hex, "dead" once the function is removed
 *	dma_isolation who may open the device (access.c): "iommu" (the file's
 *		     permissions suffice), "none: CAP_SYS_RAWIO needed", or
 *		     "group shared with BDF (driver)[, ...]: CAP_SYS_RAWIO needed"
 */
#include <linux/sysfs.h>

#include "nvdirect_internal.h"
#include "nvme_regs.h"
#include "uapi/nvdirect.h"

static ssize_t owner_pid_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	struct nvd_dev *nvd = to_nvd_dev(dev);
	pid_t pid;

	mutex_lock(&nvd->lock);
	pid = nvd->owner_pid;
	mutex_unlock(&nvd->lock);
	return sysfs_emit(buf, "%d\n", pid);
}
static DEVICE_ATTR_RO(owner_pid);

static ssize_t dma_bytes_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	struct nvd_dev *nvd = to_nvd_dev(dev);
	u64 bytes;

	mutex_lock(&nvd->lock);
	bytes = nvd->dma_bytes;
	mutex_unlock(&nvd->lock);
	return sysfs_emit(buf, "%llu\n", bytes);
}
static DEVICE_ATTR_RO(dma_bytes);

static ssize_t dma_regions_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct nvd_dev *nvd = to_nvd_dev(dev);
	unsigned int n;

	mutex_lock(&nvd->lock);
	n = nvd->nr_regions;
	mutex_unlock(&nvd->lock);
	return sysfs_emit(buf, "%u\n", n);
}
static DEVICE_ATTR_RO(dma_regions);

static ssize_t pinned_bytes_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct nvd_dev *nvd = to_nvd_dev(dev);
	u64 bytes;

	mutex_lock(&nvd->lock);
	bytes = nvd->pinned_bytes;
	mutex_unlock(&nvd->lock);
	return sysfs_emit(buf, "%llu\n", bytes);
}
static DEVICE_ATTR_RO(pinned_bytes);

static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct nvd_dev *nvd = to_nvd_dev(dev);
	const char *state;

	mutex_lock(&nvd->lock);
	state = nvd->dead ? "dead" : nvd->open ? "open" : "idle";
	mutex_unlock(&nvd->lock);
	return sysfs_emit(buf, "%s\n", state);
}
static DEVICE_ATTR_RO(state);

static ssize_t csts_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	struct nvd_dev *nvd = to_nvd_dev(dev);
	ssize_t ret;

	mutex_lock(&nvd->lock);
	if (nvd->dead)
		ret = sysfs_emit(buf, "dead\n");
	else
		ret = sysfs_emit(buf, "0x%08x\n",
				 nvd_reg_read32(nvd->regs, NVD_REG_CSTS));
	mutex_unlock(&nvd->lock);
	return ret;
}
static DEVICE_ATTR_RO(csts);

static ssize_t dma_isolation_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return nvd_dma_isolation_show(to_nvd_dev(dev), buf);
}
static DEVICE_ATTR_RO(dma_isolation);

static struct attribute *nvd_dev_attrs[] = {
	&dev_attr_owner_pid.attr,
	&dev_attr_dma_bytes.attr,
	&dev_attr_dma_regions.attr,
	&dev_attr_pinned_bytes.attr,
	&dev_attr_state.attr,
	&dev_attr_csts.attr,
	&dev_attr_dma_isolation.attr,
	NULL,
};

static const struct attribute_group nvd_dev_group = {
	.attrs = nvd_dev_attrs,
};

const struct attribute_group *nvd_dev_groups[] = {
	&nvd_dev_group,
	NULL,
};

/* struct class callbacks take const pointers since v6.4 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
static ssize_t abi_version_show(const struct class *class,
				const struct class_attribute *attr, char *buf)
#else
static ssize_t abi_version_show(struct class *class,
				struct class_attribute *attr, char *buf)
#endif
{
	return sysfs_emit(buf, "%d\n", NVDIRECT_ABI_VERSION);
}
static CLASS_ATTR_RO(abi_version);

static struct attribute *nvd_class_attrs[] = {
	&class_attr_abi_version.attr,
	NULL,
};

static const struct attribute_group nvd_class_group = {
	.attrs = nvd_class_attrs,
};

const struct attribute_group *nvd_class_groups[] = {
	&nvd_class_group,
	NULL,
};
