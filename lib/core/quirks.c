// SPDX-License-Identifier: MIT
/*
 * Per-device workarounds, keyed by PCI vendor and device ID.  Each entry
 * says where the need for it was documented; add none on a hunch.  The
 * initialisation state machine (ctrlr_init.c), the reset and the
 * doorbell setup (ctrlr.c) read c->quirks.
 */
#include <stddef.h>

#include "core/quirks.h"

static const struct nvd_quirk quirk_table[] = {
	/*
	 * HGST Ultrastar SN100: after a firmware activation CSTS.RDY reads
	 * stale right after CC.EN changes; Linux waits 2.3 s first (commit
	 * 54adc01055b7, "nvme/quirk: Add a delay before checking for adapter
	 * readiness").
	 */
	{ 0x1c58, 0x0003, NVD_QUIRK_DELAY_BEFORE_CHK_RDY, 2300 },
	/*
	 * QEMU's NVMe device under its original Intel ID (QEMU before 5.2,
	 * or use-intel-id=on): its early versions lack Identify CNS 02h
	 * (Linux applies NVME_QUIRK_IDENTIFY_CNS to 8086:5845).  Probing
	 * NSIDs 1..NN works on every version, so probe.
	 */
	{ 0x8086, 0x5845, NVD_QUIRK_NO_ACTIVE_NS_LIST, 0 },
};

const struct nvd_quirk *nvd__quirk_lookup(uint16_t vendor, uint16_t device)
{
	size_t i;

	for (i = 0; i < sizeof(quirk_table) / sizeof(quirk_table[0]); i++)
		if (quirk_table[i].vendor == vendor && quirk_table[i].device == device)
			return &quirk_table[i];
	return NULL;
}
