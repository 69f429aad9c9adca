// SPDX-License-Identifier: MIT
/*
 * NVMe completion status in words (Base 2.0 §3.3.3.2.1 "Status Field
 * Definition": Figure 93 status code types and the generic, command
 * specific, media and path code tables that follow it; codes from 80h are
 * the NVM and Zoned Namespace command sets' own).
 */
#include <stdio.h>

#include "core/export.h"
#include "core/nvme_spec.h"

struct status_name {
	uint8_t sct;
	uint8_t sc;
	const char *name;
};

static const struct status_name names[] = {
	/* Generic Command Status */
	{ 0x0, 0x00, "Successful Completion" },
	{ 0x0, 0x01, "Invalid Command Opcode" },
	{ 0x0, 0x02, "Invalid Field in Command" },
	{ 0x0, 0x03, "Command ID Conflict" },
	{ 0x0, 0x04, "Data Transfer Error" },
	{ 0x0, 0x05, "Commands Aborted due to Power Loss Notification" },
	{ 0x0, 0x06, "Internal Error" },
	{ 0x0, 0x07, "Command Abort Requested" },
	{ 0x0, 0x08, "Command Aborted due to SQ Deletion" },
	{ 0x0, 0x09, "Command Aborted due to Failed Fused Command" },
	{ 0x0, 0x0a, "Command Aborted due to Missing Fused Command" },
	{ 0x0, 0x0b, "Invalid Namespace or Format" },
	{ 0x0, 0x0c, "Command Sequence Error" },
	{ 0x0, 0x0d, "Invalid SGL Segment Descriptor" },
	{ 0x0, 0x0e, "Invalid Number of SGL Descriptors" },
	{ 0x0, 0x0f, "Data SGL Length Invalid" },
	{ 0x0, 0x10, "Metadata SGL Length Invalid" },
	{ 0x0, 0x11, "SGL Descriptor Type Invalid" },
	{ 0x0, 0x12, "Invalid Use of Controller Memory Buffer" },
	{ 0x0, 0x13, "PRP Offset Invalid" },
	{ 0x0, 0x14, "Atomic Write Unit Exceeded" },
	{ 0x0, 0x15, "Operation Denied" },
	{ 0x0, 0x16, "SGL Offset Invalid" },
	{ 0x0, 0x18, "Host Identifier Inconsistent Format" },
	{ 0x0, 0x19, "Keep Alive Timer Expired" },
	{ 0x0, 0x1a, "Keep Alive Timeout Invalid" },
	{ 0x0, 0x1b, "Command Aborted due to Preempt and Abort" },
	{ 0x0, 0x1c, "Sanitize Failed" },
	{ 0x0, 0x1d, "Sanitize In Progress" },
	{ 0x0, 0x1e, "SGL Data Block Granularity Invalid" },
	{ 0x0, 0x1f, "Command Not Supported for Queue in CMB" },
	{ 0x0, 0x20, "Namespace is Write Protected" },
	{ 0x0, 0x21, "Command Interrupted" },
	{ 0x0, 0x22, "Transient Transport Error" },
	{ 0x0, 0x23, "Command Prohibited by Command and Feature Lockdown" },
	{ 0x0, 0x24, "Admin Command Media Not Ready" },
	/* Generic, NVM Command Set specific */
	{ 0x0, 0x80, "LBA Out of Range" },
	{ 0x0, 0x81, "Capacity Exceeded" },
	{ 0x0, 0x82, "Namespace Not Ready" },
	{ 0x0, 0x83, "Reservation Conflict" },
	{ 0x0, 0x84, "Format In Progress" },

	/* Command Specific Status */
	{ 0x1, 0x00, "Completion Queue Invalid" },
	{ 0x1, 0x01, "Invalid Queue Identifier" },
	{ 0x1, 0x02, "Invalid Queue Size" },
	{ 0x1, 0x03, "Abort Command Limit Exceeded" },
	{ 0x1, 0x05, "Asynchronous Event Request Limit Exceeded" },
	{ 0x1, 0x06, "Invalid Firmware Slot" },
	{ 0x1, 0x07, "Invalid Firmware Image" },
	{ 0x1, 0x08, "Invalid Interrupt Vector" },
	{ 0x1, 0x09, "Invalid Log Page" },
	{ 0x1, 0x0a, "Invalid Format" },
	{ 0x1, 0x0b, "Firmware Activation Requires Conventional Reset" },
	{ 0x1, 0x0c, "Invalid Queue Deletion" },
	{ 0x1, 0x0d, "Feature Identifier Not Saveable" },
	{ 0x1, 0x0e, "Feature Not Changeable" },
	{ 0x1, 0x0f, "Feature Not Namespace Specific" },
	{ 0x1, 0x10, "Firmware Activation Requires NVM Subsystem Reset" },
	{ 0x1, 0x11, "Firmware Activation Requires Controller Level Reset" },
	{ 0x1, 0x12, "Firmware Activation Requires Maximum Time Violation" },
	{ 0x1, 0x13, "Firmware Activation Prohibited" },
	{ 0x1, 0x14, "Overlapping Range" },
	{ 0x1, 0x15, "Namespace Insufficient Capacity" },
	{ 0x1, 0x16, "Namespace Identifier Unavailable" },
	{ 0x1, 0x18, "Namespace Already Attached" },
	{ 0x1, 0x19, "Namespace Is Private" },
	{ 0x1, 0x1a, "Namespace Not Attached" },
	{ 0x1, 0x1b, "Thin Provisioning Not Supported" },
	{ 0x1, 0x1c, "Controller List Invalid" },
	{ 0x1, 0x1d, "Device Self-test In Progress" },
	{ 0x1, 0x1e, "Boot Partition Write Prohibited" },
	{ 0x1, 0x1f, "Invalid Controller Identifier" },
	{ 0x1, 0x20, "Invalid Secondary Controller State" },
	{ 0x1, 0x21, "Invalid Number of Controller Resources" },
	{ 0x1, 0x22, "Invalid Resource Identifier" },
	{ 0x1, 0x23, "Sanitize Prohibited While Persistent Memory Region is Enabled" },
	{ 0x1, 0x24, "ANA Group Identifier Invalid" },
	{ 0x1, 0x25, "ANA Attach Failed" },
	{ 0x1, 0x26, "Insufficient Capacity" },
	{ 0x1, 0x27, "Namespace Attachment Limit Exceeded" },
	{ 0x1, 0x28, "Prohibition of Command Execution Not Supported" },
	{ 0x1, 0x29, "I/O Command Set Not Supported" },
	{ 0x1, 0x2a, "I/O Command Set Not Enabled" },
	{ 0x1, 0x2b, "I/O Command Set Combination Rejected" },
	{ 0x1, 0x2c, "Invalid I/O Command Set" },
	{ 0x1, 0x2d, "Identifier Unavailable" },
	/* Command specific, NVM and Zoned Namespace command sets */
	{ 0x1, 0x80, "Conflicting Attributes" },
	{ 0x1, 0x81, "Invalid Protection Information" },
	{ 0x1, 0x82, "Attempted Write to Read Only Range" },
	{ 0x1, 0x83, "Command Size Limit Exceeded" },
	{ 0x1, 0xb8, "Zoned Boundary Error" },
	{ 0x1, 0xb9, "Zone Is Full" },
	{ 0x1, 0xba, "Zone Is Read Only" },
	{ 0x1, 0xbb, "Zone Is Offline" },
	{ 0x1, 0xbc, "Zone Invalid Write" },
	{ 0x1, 0xbd, "Too Many Active Zones" },
	{ 0x1, 0xbe, "Too Many Open Zones" },
	{ 0x1, 0xbf, "Invalid Zone State Transition" },

	/* Media and Data Integrity Errors */
	{ 0x2, 0x80, "Write Fault" },
	{ 0x2, 0x81, "Unrecovered Read Error" },
	{ 0x2, 0x82, "End-to-end Guard Check Error" },
	{ 0x2, 0x83, "End-to-end Application Tag Check Error" },
	{ 0x2, 0x84, "End-to-end Reference Tag Check Error" },
	{ 0x2, 0x85, "Compare Failure" },
	{ 0x2, 0x86, "Access Denied" },
	{ 0x2, 0x87, "Deallocated or Unwritten Logical Block" },
	{ 0x2, 0x88, "End-to-End Storage Tag Check Error" },

	/* Path Related Status */
	{ 0x3, 0x00, "Internal Path Error" },
	{ 0x3, 0x01, "Asymmetric Access Persistent Loss" },
	{ 0x3, 0x02, "Asymmetric Access Inaccessible" },
	{ 0x3, 0x03, "Asymmetric Access Transition" },
	{ 0x3, 0x60, "Controller Pathing Error" },
	{ 0x3, 0x70, "Host Pathing Error" },
	{ 0x3, 0x71, "Command Aborted By Host" },
};

NVD_EXPORT const char *nvd_status_str(unsigned sct, unsigned sc)
{
	static _Thread_local char buf[128];
	const char *name = NULL;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].sct == sct && names[i].sc == sc) {
			name = names[i].name;
			break;
		}
	}
	if (name)
		snprintf(buf, sizeof(buf), "%s (sct 0x%x sc 0x%x)", name, sct, sc);
	else if (sct == NVME_SCT_VENDOR)
		snprintf(buf, sizeof(buf), "Vendor Specific (sct 0x%x sc 0x%x)", sct, sc);
	else
		snprintf(buf, sizeof(buf), "Unknown status (sct 0x%x sc 0x%x)", sct, sc);
	return buf;
}

NVD_EXPORT const char *nvd_cpl_status_str(const struct nvd_cpl *c)
{
	return nvd_status_str(nvd_cpl_sct(c), nvd_cpl_sc(c));
}
