/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few NVMe controller registers the kernel half touches.  Everything
 * else (queues, admin commands) belongs to userspace.
 *
 * NVMe Base Specification 2.0, section 3.1.3 "Controller Properties"
 * (Figure 33 for the offsets; Figures 36, 41 and 42 for CAP, CC, CSTS).
 */
#ifndef _NVDIRECT_NVME_REGS_H
#define _NVDIRECT_NVME_REGS_H

#include <linux/bits.h>
#include <linux/io.h>

#define NVD_REG_CAP		0x00	/* Controller Capabilities (64-bit) */
#define NVD_REG_VS		0x08	/* Version */
#define NVD_REG_CC		0x14	/* Controller Configuration */
#define NVD_REG_CSTS		0x1c	/* Controller Status */
#define NVD_REG_CRTO		0x68	/* Controller Ready Timeouts (2.0) */

/* We map only the register page; the doorbells start at 0x1000. */
#define NVD_REG_MAP_SIZE	0x1000

/* CAP.TO, bits 31:24 of the low dword: worst-case CSTS.RDY flip time. */
#define NVD_CAP_TO(cap_lo)	(((cap_lo) >> 24) & 0xff)
#define NVD_CAP_TO_UNIT_MS	500

/*
 * CAP.CRMS, bits 60:59 (bits 28:27 of the high dword): Controller Ready
 * Modes Supported.  When either bit is set, CRTO is implemented and CAP.TO
 * may understate the wait (it saturates at 0xff units).
 */
#define NVD_CAP_CRMS(cap_hi)	(((cap_hi) >> 27) & 0x3)

/* CRTO (Figure 74 of Base 2.0): CRIMT 31:16, CRWMT 15:0, in 500 ms units. */
#define NVD_CRTO_CRIMT(crto)	(((crto) >> 16) & 0xffff)
#define NVD_CRTO_CRWMT(crto)	((crto) & 0xffff)

#define NVD_CC_EN		BIT(0)
#define NVD_CC_CRIME		BIT(24)	/* Controller Ready Independent of Media Enable */
#define NVD_CSTS_RDY		BIT(0)

/* A function that has fallen off the bus reads as all-ones. */
#define NVD_REG_GONE		0xffffffffu

/*
 * MMIO helpers.  readl()/writel() are ordered against each other and against
 * normal memory accesses, which is all the kernel half needs: it never races
 * the device on shared memory, it only stops it.
 */
static inline u32 nvd_reg_read32(void __iomem *regs, u32 off)
{
	return readl(regs + off);
}

static inline void nvd_reg_write32(void __iomem *regs, u32 off, u32 val)
{
	writel(val, regs + off);
}

#endif /* _NVDIRECT_NVME_REGS_H */
