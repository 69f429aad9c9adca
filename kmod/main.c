// SPDX-License-Identifier: GPL-2.0
/*
 * nvdirect: kernel half of a kernel-bypass NVMe driver.
 *
 * A PCI driver with no ID table, so it never takes a disk from the nvme
 * driver on its own.  An administrator hands it a function explicitly:
 *
 *   echo nvdirect > /sys/bus/pci/devices/$BDF/driver_override
 *   echo $BDF > /sys/bus/pci/drivers_probe
 *
 * Each bound function gets /dev/nvdirectN through which one process maps
 * BAR0 and DMA memory and drives the controller itself.
 */
#include <linux/dma-mapping.h>
#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "nvdirect_internal.h"
#include "nvme_regs.h"
#include "uapi/nvdirect.h"

static unsigned long max_dma_bytes = 256UL << 20;
module_param(max_dma_bytes, ulong, 0644);
MODULE_PARM_DESC(max_dma_bytes,
		 "Limit on DMA memory per open file, in bytes (default 256 MiB)");

static dev_t nvd_devt;
static DEFINE_IDA(nvd_ida);

struct class nvd_class = {
	.name		= NVD_NAME,
	.class_groups	= nvd_class_groups,
};

/* Empty: bind only through driver_override or new_id. */
static const struct pci_device_id nvd_pci_ids[] = {
	{ }
};

unsigned long nvd_max_dma_bytes(void)
{
	return READ_ONCE(max_dma_bytes);
}

/* Runs when the last reference goes: remove or the last file's release. */
static void nvd_dev_release(struct device *dev)
{
	struct nvd_dev *nvd = to_nvd_dev(dev);

	if (nvd->minor >= 0)
		ida_free(&nvd_ida, nvd->minor);
	nvd_gone_pages_free(nvd);
	pci_dev_put(nvd->pdev);
	mutex_destroy(&nvd->lock);
	kfree(nvd);
}

static int nvd_set_dma_mask(struct pci_dev *pdev)
{
	/* NVMe PRPs and SGLs carry 64-bit addresses; 32 for odd platforms */
	if (!dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64)))
		return 0;
	return dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32));
}

static int nvd_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct nvd_dev *nvd;
	int minor, err;

	/* Release writes CC; on anything but NVMe that register means else. */
	if (pdev->class != PCI_CLASS_STORAGE_EXPRESS) {
		dev_err(&pdev->dev,
			"class 0x%06x is not an NVMe controller (0x%06x), not binding\n",
			pdev->class, PCI_CLASS_STORAGE_EXPRESS);
		return -ENODEV;
	}

	nvd = kzalloc(sizeof(*nvd), GFP_KERNEL);
	if (!nvd)
		return -ENOMEM;
	mutex_init(&nvd->lock);
	init_waitqueue_head(&nvd->disable_wq);
	INIT_LIST_HEAD(&nvd->regions);
	INIT_LIST_HEAD(&nvd->pins);
	nvd->next_offset = NVD_DMA_OFFSET_BASE;
	nvd->pdev = pci_dev_get(pdev);
	nvd->minor = -1;
	device_initialize(&nvd->dev);
	nvd->dev.release = nvd_dev_release;
	nvd->dev.class = &nvd_class;
	nvd->dev.parent = &pdev->dev;
	nvd->dev.groups = nvd_dev_groups;
	/* from here on put_device() frees nvd */

	minor = ida_alloc_max(&nvd_ida, NVD_MAX_DEVICES - 1, GFP_KERNEL);
	if (minor < 0) {
		err = minor;
		dev_err(&pdev->dev, "no free nvdirect minor (max %d): %d\n",
			NVD_MAX_DEVICES, err);
		goto err_put;
	}
	nvd->minor = minor;
	nvd->dev.devt = MKDEV(MAJOR(nvd_devt), minor);
	err = dev_set_name(&nvd->dev, NVD_NAME "%d", minor);
	if (err)
		goto err_put;
	/* now, so that remove never has to allocate to keep the owner alive */
	err = nvd_gone_pages_alloc(nvd);
	if (err)
		goto err_put;

	err = pci_enable_device_mem(pdev);
	if (err) {
		dev_err(&pdev->dev, "cannot enable device: %d\n", err);
		goto err_put;
	}

	nvd->bar0_start = pci_resource_start(pdev, 0);
	nvd->bar0_len = pci_resource_len(pdev, 0);
	if (!(pci_resource_flags(pdev, 0) & IORESOURCE_MEM) ||
	    nvd->bar0_len < NVD_REG_MAP_SIZE ||
	    nvd->bar0_len >= NVD_DMA_OFFSET_BASE) {
		dev_err(&pdev->dev, "BAR0 is not a usable memory BAR (%pR)\n",
			&pdev->resource[0]);
		err = -ENODEV;
		goto err_disable;
	}

	nvd_msix_layout_read(nvd);
	/* what slot_reset restores after a PCI error reset the function */
	pci_save_state(pdev);

	err = pci_request_mem_regions(pdev, NVD_NAME);
	if (err) {
		dev_err(&pdev->dev, "BARs are in use by someone else: %d\n",
			err);
		goto err_disable;
	}

	err = nvd_set_dma_mask(pdev);
	if (err) {
		dev_err(&pdev->dev, "no usable DMA mask: %d\n", err);
		goto err_release_regions;
	}

	nvd->regs = pci_iomap(pdev, 0, NVD_REG_MAP_SIZE);
	if (!nvd->regs) {
		dev_err(&pdev->dev, "cannot map the BAR0 registers\n");
		err = -ENOMEM;
		goto err_release_regions;
	}

	/*
	 * Start from a quiet function: firmware (an option ROM, a previous
	 * kernel) may have left the controller running with queues in memory
	 * it no longer owns.  Bus mastering comes back on at open.
	 */
	mutex_lock(&nvd->lock);
	nvd_ctrl_disable(nvd);
	mutex_unlock(&nvd->lock);
	pci_clear_master(pdev);

	pci_set_drvdata(pdev, nvd);
	cdev_init(&nvd->cdev, &nvd_fops);
	nvd->cdev.owner = THIS_MODULE;
	err = cdev_device_add(&nvd->cdev, &nvd->dev);
	if (err) {
		dev_err(&pdev->dev, "cannot add %s: %d\n",
			dev_name(&nvd->dev), err);
		goto err_unmap;
	}

	dev_info(&pdev->dev, "bound as %s (VS 0x%08x, BAR0 %llu bytes, %llu mappable)\n",
		 dev_name(&nvd->dev), nvd_reg_read32(nvd->regs, NVD_REG_VS),
		 (unsigned long long)nvd->bar0_len,
		 (unsigned long long)nvd->msix.mappable);
	return 0;

err_unmap:
	pci_iounmap(pdev, nvd->regs);
err_release_regions:
	pci_release_mem_regions(pdev);
err_disable:
	pci_disable_device(pdev);
err_put:
	put_device(&nvd->dev);
	return err;
}

/*
 * Take the function from its owner as surprise removal does: @dead makes
 * every ioctl and mmap -ENODEV, the owner's BAR0 faults in the all-ones
 * pages (the library reads that as -ENXIO), its DMA regions keep their
 * contents until close, and the hardware is quiesced.  Remove, a PCI error
 * and shutdown all come here, with @nvd->lock held; once is enough.
 */
static void nvd_take_away(struct nvd_dev *nvd)
{
	lockdep_assert_held(&nvd->lock);

	nvd_wait_disabling(nvd);
	if (nvd->dead)
		return;
	nvd->dead = true;
	/* BAR0: from now on the owner faults in the all-ones pages */
	if (nvd->mapping)
		unmap_mapping_range(nvd->mapping, 0, NVD_DMA_OFFSET_BASE, 1);
	nvd_quiesce(nvd);
}

/**
 * nvd_remove - unbind, whether or not a process holds the device open
 * @pdev: the PCI function
 *
 * Never waits for userspace: an open file keeps only a reference to the
 * struct, sees @dead and gets -ENODEV from every ioctl and mmap.  Its
 * existing mappings stay usable, as with a surprise-removed PCIe function:
 * BAR0 reads all ones (stores are dropped), DMA regions keep their contents
 * until the file is closed (see chardev.c).  The hardware is quiesced here
 * as in release.
 */
static void nvd_remove(struct pci_dev *pdev)
{
	struct nvd_dev *nvd = pci_get_drvdata(pdev);
	pid_t owner;

	/*
	 * First, without the lock: this drains sysfs readers, which take it.
	 * Afterwards no new open can find the device.
	 */
	cdev_device_del(&nvd->cdev, &nvd->dev);

	mutex_lock(&nvd->lock);
	owner = nvd->owner_pid;
	/* dead for good, even if a PCI error recovery was pending */
	nvd->recovered = false;
	nvd_take_away(nvd);
	/* a slot_reset's disable may still be waiting with the lock dropped */
	nvd_wait_disabling(nvd);
	pci_iounmap(pdev, nvd->regs);
	nvd->regs = NULL;
	mutex_unlock(&nvd->lock);

	pci_release_mem_regions(pdev);
	pci_disable_device(pdev);

	if (owner)
		dev_info(&pdev->dev,
			 "%s removed while open by pid %d; its file is now dead, BAR0 reads all ones\n",
			 dev_name(&nvd->dev), owner);
	else
		dev_info(&pdev->dev, "%s removed\n", dev_name(&nvd->dev));
	put_device(&nvd->dev);
}

/*
 * Reboot, kexec, power off: stop the controller and its DMA whether or not
 * someone owns it, so that the next kernel (or firmware) finds a quiet
 * function.  For an owner this is removal (nvd_take_away()).
 */
static void nvd_shutdown(struct pci_dev *pdev)
{
	struct nvd_dev *nvd = pci_get_drvdata(pdev);
	pid_t owner;

	mutex_lock(&nvd->lock);
	owner = nvd->dead ? 0 : nvd->owner_pid;
	nvd_take_away(nvd);
	mutex_unlock(&nvd->lock);
	pci_clear_master(pdev);
	if (owner)
		dev_info(&pdev->dev,
			 "%s stopped for shutdown while open by pid %d\n",
			 dev_name(&nvd->dev), owner);
}

/*
 * AER (PCIe Base 6.0, section 6.2) through the PCI core's recovery
 * (Documentation/PCI/pci-error-recovery.rst).  A frozen or failed link
 * takes the function from its owner as removal does; after a slot reset
 * the function is quiet again and a new owner may open it once the old
 * file is closed.
 */
static pci_ers_result_t nvd_error_detected(struct pci_dev *pdev,
					   pci_channel_state_t state)
{
	struct nvd_dev *nvd = pci_get_drvdata(pdev);
	pid_t owner;

	if (state == pci_channel_io_normal)
		return PCI_ERS_RESULT_CAN_RECOVER;

	mutex_lock(&nvd->lock);
	owner = nvd->dead ? 0 : nvd->owner_pid;
	nvd->recovered = false;
	nvd_take_away(nvd);
	mutex_unlock(&nvd->lock);

	if (owner)
		dev_warn(&pdev->dev,
			 "PCI error (%s link) while open by pid %d; its file is now dead, BAR0 reads all ones\n",
			 state == pci_channel_io_frozen ? "frozen" : "failed",
			 owner);
	else
		dev_warn(&pdev->dev, "PCI error (%s link)\n",
			 state == pci_channel_io_frozen ? "frozen" : "failed");
	return state == pci_channel_io_frozen ? PCI_ERS_RESULT_NEED_RESET :
						PCI_ERS_RESULT_DISCONNECT;
}

static pci_ers_result_t nvd_slot_reset(struct pci_dev *pdev)
{
	struct nvd_dev *nvd = pci_get_drvdata(pdev);

	pci_restore_state(pdev);
	pci_save_state(pdev);
	/* the reset should have stopped it; make sure, as probe does */
	mutex_lock(&nvd->lock);
	nvd_ctrl_disable(nvd);
	mutex_unlock(&nvd->lock);
	pci_clear_master(pdev);
	return PCI_ERS_RESULT_RECOVERED;
}

static void nvd_error_resume(struct pci_dev *pdev)
{
	struct nvd_dev *nvd = pci_get_drvdata(pdev);
	bool held;

	/*
	 * Everything the old owner had was given back by nvd_take_away();
	 * only @dead is left.  With the old file still open it stays dead
	 * (-ENODEV) and its release clears @dead; otherwise the next open
	 * works now.
	 */
	mutex_lock(&nvd->lock);
	held = nvd->open;
	if (held)
		nvd->recovered = true;
	else
		nvd->dead = false;
	mutex_unlock(&nvd->lock);
	dev_info(&pdev->dev, "%s recovered from a PCI error%s\n",
		 dev_name(&nvd->dev),
		 held ? "; free again once the old owner closes it" : "");
}

static const struct pci_error_handlers nvd_err_handler = {
	.error_detected	= nvd_error_detected,
	.slot_reset	= nvd_slot_reset,
	.resume		= nvd_error_resume,
};

/*
 * System sleep while owned would power the controller down under a process
 * that keeps its queues in memory and expects them to run: refuse it, in
 * words naming the owner.  An unowned controller is already stopped.
 */
static int nvd_pm_refuse_if_owned(struct device *dev)
{
	struct nvd_dev *nvd = pci_get_drvdata(to_pci_dev(dev));
	pid_t owner;

	mutex_lock(&nvd->lock);
	owner = nvd->open && !nvd->dead ? nvd->owner_pid : 0;
	mutex_unlock(&nvd->lock);
	if (!owner)
		return 0;
	dev_warn(dev, "%s is open by pid %d: refusing system sleep (-EBUSY); close it first\n",
		 dev_name(&nvd->dev), owner);
	return -EBUSY;
}

static const struct dev_pm_ops nvd_pm_ops = {
	.suspend	= nvd_pm_refuse_if_owned,
	.freeze		= nvd_pm_refuse_if_owned,
};

static struct pci_driver nvd_driver = {
	.name		= NVD_NAME,
	.id_table	= nvd_pci_ids,
	.probe		= nvd_probe,
	.remove		= nvd_remove,
	.shutdown	= nvd_shutdown,
	.err_handler	= &nvd_err_handler,
	.driver.pm	= &nvd_pm_ops,
};

static int __init nvd_init(void)
{
	int err;

	err = alloc_chrdev_region(&nvd_devt, 0, NVD_MAX_DEVICES, NVD_NAME);
	if (err)
		return err;

	err = class_register(&nvd_class);
	if (err)
		goto err_unregister_chrdev;

	err = pci_register_driver(&nvd_driver);
	if (err)
		goto err_unregister_class;
	return 0;

err_unregister_class:
	class_unregister(&nvd_class);
err_unregister_chrdev:
	unregister_chrdev_region(nvd_devt, NVD_MAX_DEVICES);
	return err;
}

static void __exit nvd_exit(void)
{
	pci_unregister_driver(&nvd_driver);
	class_unregister(&nvd_class);
	unregister_chrdev_region(nvd_devt, NVD_MAX_DEVICES);
	ida_destroy(&nvd_ida);
}

module_init(nvd_init);
module_exit(nvd_exit);

MODULE_DESCRIPTION("nvdirect: hand an NVMe controller to one userspace process");
MODULE_LICENSE("GPL");
/* the project's version, from Kbuild (NVD_VERSION or CMakeLists.txt) */
MODULE_VERSION(NVD_VERSION_STRING);
