// SPDX-License-Identifier: MIT
/*
 * Get Log Page (Base 2.0 §5.16) and the three logs every controller has:
 * Error Information, SMART / Health Information, Firmware Slot Information.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/admin_cmds.h"
#include "core/ctrlr.h"
#include "core/error.h"
#include "core/export.h"

_Static_assert(sizeof(struct nvd_smart_log) == 512, "SMART / Health log is 512 bytes");
_Static_assert(offsetof(struct nvd_smart_log, temperature) == 1, "composite temperature at byte 1");
_Static_assert(offsetof(struct nvd_smart_log, data_units_read) == 32, "data units read at byte 32");
_Static_assert(offsetof(struct nvd_smart_log, num_err_log_entries) == 176,
	       "error log entries at byte 176");
_Static_assert(offsetof(struct nvd_smart_log, warning_temp_time) == 192,
	       "warning temperature time at byte 192");
_Static_assert(offsetof(struct nvd_smart_log, temp_sensor) == 200, "sensors at byte 200");
_Static_assert(offsetof(struct nvd_smart_log, thm_temp2_total_time) == 228,
	       "TMT2 total time at byte 228");
_Static_assert(sizeof(struct nvd_error_log_entry) == 64, "error log entry is 64 bytes");
_Static_assert(offsetof(struct nvd_error_log_entry, lba) == 16, "LBA at byte 16");
_Static_assert(offsetof(struct nvd_error_log_entry, nsid) == 24, "NSID at byte 24");
_Static_assert(offsetof(struct nvd_error_log_entry, cs) == 32, "CSI at byte 32");
_Static_assert(sizeof(struct nvd_fw_slot_log) == 512, "firmware slot log is 512 bytes");
_Static_assert(offsetof(struct nvd_fw_slot_log, frs) == 8, "FRS1 at byte 8");

/* One piece: NUMD is 0-based dwords, LPOL/LPOU the byte offset. */
static int get_log_piece(struct nvd_ctrlr *c, uint8_t lid, uint32_t nsid, void *buf,
			 size_t len, uint64_t offset)
{
	uint32_t numd = (uint32_t)(len / 4) - 1;
	struct nvme_cmd cmd = {
		.opc = NVME_ADM_GET_LOG_PAGE,
		.nsid = nsid,
		.cdw10 = NVME_LOG_CDW10(lid, numd),
		.cdw11 = NVME_LOG_CDW11(numd),
		.cdw12 = (uint32_t)offset,
		.cdw13 = (uint32_t)(offset >> 32),
	};
	char what[64];

	snprintf(what, sizeof(what), "Get Log Page 0x%02x (%zu bytes at %llu)", lid, len,
		 (unsigned long long)offset);
	return nvd__admin_sync_copy(c, &cmd, buf, len, NVD_ADMIN_TIMEOUT_MS, what, NULL);
}

NVD_EXPORT int nvd_ctrlr_get_log_page(struct nvd_ctrlr *ctrlr, uint8_t lid, uint32_t nsid,
				      void *buf, size_t len, uint64_t offset)
{
	size_t done = 0, piece;
	int err;

	nvd__clear_detail();
	if (!ctrlr || !buf || len == 0 || len % 4 || offset % 4) {
		nvd__set_detail("log page length %zu and offset %llu must be non-zero multiples of 4",
			   len, (unsigned long long)offset);
		return -EINVAL;
	}
	/* offsets need LPA bit 2 (extended data for Get Log Page) */
	if ((offset || len > NVME_PAGE_SIZE) && !(ctrlr->id.lpa & 0x4)) {
		nvd__set_detail("log page 0x%02x: %zu bytes at offset %llu need log page offsets, which the controller lacks (LPA bit 2)",
			   lid, len, (unsigned long long)offset);
		return -EOPNOTSUPP;
	}
	while (done < len) {
		piece = len - done < NVME_PAGE_SIZE ? len - done : NVME_PAGE_SIZE;
		err = get_log_piece(ctrlr, lid, nsid, (uint8_t *)buf + done, piece, offset + done);
		if (err)
			return err;
		done += piece;
	}
	return 0;
}

NVD_EXPORT int nvd_ctrlr_get_smart_log(struct nvd_ctrlr *ctrlr, uint32_t nsid,
				       struct nvd_smart_log *log)
{
	return nvd_ctrlr_get_log_page(ctrlr, NVD_LOG_SMART, nsid ? nsid : NVD_NSID_ALL, log,
				      sizeof(*log), 0);
}

NVD_EXPORT int nvd_ctrlr_get_fw_slot_log(struct nvd_ctrlr *ctrlr, struct nvd_fw_slot_log *log)
{
	return nvd_ctrlr_get_log_page(ctrlr, NVD_LOG_FW_SLOT, NVD_NSID_ALL, log, sizeof(*log), 0);
}

NVD_EXPORT int nvd_ctrlr_get_error_log(struct nvd_ctrlr *ctrlr,
				       struct nvd_error_log_entry *entries, uint32_t max)
{
	uint32_t n;
	int err;

	if (!ctrlr || !entries || max == 0)
		return -EINVAL;
	/* ELPE is 0-based: the controller keeps ELPE + 1 entries */
	n = (uint32_t)ctrlr->id.elpe + 1;
	if (n > max)
		n = max;
	err = nvd_ctrlr_get_log_page(ctrlr, NVD_LOG_ERROR, NVD_NSID_ALL, entries,
				     (size_t)n * sizeof(*entries), 0);
	return err ? err : (int)n;
}
