// SPDX-License-Identifier: MIT
/*
 * smart-log, error-log, fw-log, get-feature and format: one admin command each
 * through libnvdirect, printed as nvme-cli prints the same data.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <nvdirect/nvme_spec.h>

#include "cli.h"

static void counter(const char *key, const uint8_t v[16])
{
	char n[48];

	u128_str(v, n, sizeof(n));
	if (out_json()) {
		out_str(key, 0, n);
		return;
	}
	printf("%-40s: %s\n", key, n);
}

/* Data units are thousands of 512-byte units (Base 2.0 Fig. 207). */
static void data_units(const char *key, const uint8_t v[16])
{
	char n[48];
	double bytes = 0;
	const char *sfx;
	int i;

	u128_str(v, n, sizeof(n));
	if (out_json()) {
		out_str(key, 0, n);
		return;
	}
	for (i = 15; i >= 0; i--)
		bytes = bytes * 256 + v[i];
	bytes *= 512000;
	sfx = si_suffix(&bytes);
	printf("%-40s: %s (%.2f %sB)\n", key, n, bytes, sfx);
}

static void temp(const char *key, unsigned kelvin)
{
	if (out_json())
		out_uint(key, 0, "%llu", kelvin);
	else
		printf("%-40s: %d°C (%u Kelvin)\n", key, (int)kelvin - 273, kelvin);
}

#define L(key, fmt, v)	(out_json() ? out_uint(key, 0, "%llu", (unsigned long long)(v)) : \
			 (void)printf("%-40s: " fmt "\n", key, v))

int cmd_smart_log(struct cli *o)
{
	struct nvd_smart_log log;
	struct nvd_ctrlr *c;
	uint32_t nsid = o->nsid ? o->nsid : NVD_NSID_ALL;
	char title[96], key[32];
	unsigned i;
	int rc;

	rc = cli_attach(o, &c);
	if (rc)
		return rc;
	rc = nvd_ctrlr_get_smart_log(c, nsid, &log);
	if (rc) {
		rc = cli_fail("smart-log", rc);
		goto out;
	}
	snprintf(title, sizeof(title), "Smart Log for NVME device:%s namespace-id:%x", o->bdf, nsid);
	out_begin(title);
	L("critical_warning", "%#x", log.critical_warning);
	if (o->human && !out_json())
		printf("      Available Spare[0]             : %d\n"
		       "      Temp. Threshold[1]             : %d\n"
		       "      NVM subsystem Reliability[2]   : %d\n"
		       "      Read-only[3]                   : %d\n"
		       "      Volatile mem. backup failed[4] : %d\n"
		       "      Persistent Mem. RO[5]          : %d\n",
		       log.critical_warning & 1, (log.critical_warning >> 1) & 1,
		       (log.critical_warning >> 2) & 1, (log.critical_warning >> 3) & 1,
		       (log.critical_warning >> 4) & 1, (log.critical_warning >> 5) & 1);
	temp("temperature", log.temperature[0] | log.temperature[1] << 8);
	L("available_spare", "%u%%", log.avail_spare);
	L("available_spare_threshold", "%u%%", log.spare_thresh);
	L("percentage_used", "%u%%", log.percent_used);
	L("endurance group critical warning summary", "%#x", log.endu_grp_crit_warn_sumry);
	data_units("Data Units Read", log.data_units_read);
	data_units("Data Units Written", log.data_units_written);
	counter("host_read_commands", log.host_reads);
	counter("host_write_commands", log.host_writes);
	counter("controller_busy_time", log.ctrl_busy_time);
	counter("power_cycles", log.power_cycles);
	counter("power_on_hours", log.power_on_hours);
	counter("unsafe_shutdowns", log.unsafe_shutdowns);
	counter("media_errors", log.media_errors);
	counter("num_err_log_entries", log.num_err_log_entries);
	L("Warning Temperature Time", "%u", log.warning_temp_time);
	L("Critical Composite Temperature Time", "%u", log.critical_comp_time);
	for (i = 0; i < 8; i++) {
		if (!log.temp_sensor[i])
			continue;	/* 0: sensor not implemented */
		snprintf(key, sizeof(key), "Temperature Sensor %u", i + 1);
		temp(key, log.temp_sensor[i]);
	}
	L("Thermal Management T1 Trans Count", "%u", log.thm_temp1_trans_count);
	L("Thermal Management T2 Trans Count", "%u", log.thm_temp2_trans_count);
	L("Thermal Management T1 Total Time", "%u", log.thm_temp1_total_time);
	L("Thermal Management T2 Total Time", "%u", log.thm_temp2_total_time);
	out_end();
out:
	nvd_ctrlr_detach(c);
	return rc;
}

static const char *trtype_str(unsigned t)
{
	switch (t) {
	case 0: return "The transport type is not indicated or the error is not transport related.";
	case 1: return "RDMA Transport error.";
	case 2: return "Fibre Channel Transport error.";
	case 3: return "TCP Transport error.";
	case 254: return "Intra-host Transport error.";
	default: return "Reserved.";
	}
}

#define E(key, fmt, v)	(out_json() ? out_uint(key, 0, "%llu", (unsigned long long)(v)) : \
			 (void)printf("%-16s: " fmt "\n", key, v))

int cmd_error_log(struct cli *o)
{
	struct nvd_error_log_entry e[256];
	struct nvd_ctrlr *c;
	char title[96];
	int rc, n, i;

	rc = cli_attach(o, &c);
	if (rc)
		return rc;
	n = nvd_ctrlr_get_error_log(c, e, o->entries ? o->entries : 256);
	if (n < 0) {
		rc = cli_fail("error-log", n);
		goto out;
	}
	snprintf(title, sizeof(title), "Error Log Entries for device:%s entries:%d", o->bdf, n);
	out_begin(title);
	out_line(".................\n");
	out_array("errors");
	for (i = 0; i < n; i++) {
		struct nvd_cpl st = { .status = e[i].status_field };

		out_obj();
		out_line(" Entry[%2d]   \n.................\n", i);
		E("error_count", "%llu", (unsigned long long)e[i].error_count);
		E("sqid", "%u", e[i].sqid);
		E("cmdid", "%#x", e[i].cmdid);
		if (out_json())
			out_uint("status_field", 0, "%llu", e[i].status_field >> 1);
		else
			printf("%-16s: %#x(%s)\n", "status_field", e[i].status_field >> 1,
			       nvd_cpl_status_str(&st));
		E("phase_tag", "%#x", e[i].status_field & 1);
		E("parm_err_loc", "%#x", e[i].parm_error_location);
		E("lba", "%#llx", (unsigned long long)e[i].lba);
		E("nsid", "%#x", e[i].nsid);
		E("vs", "%u", e[i].vs);
		if (out_json())
			out_uint("trtype", 0, "%llu", e[i].trtype);
		else
			printf("%-16s: %s\n", "trtype", trtype_str(e[i].trtype));
		E("cs", "%#llx", (unsigned long long)e[i].cs);
		E("trtype_spec_info", "%#x", e[i].trtype_spec_info);
		out_line(".................\n");
		out_obj_end();
	}
	out_array_end();
	out_end();
	rc = 0;
out:
	nvd_ctrlr_detach(c);
	return rc;
}

/* A slot's revision as text, non-printable bytes (the space padding) as '.' */
static void frs_text(const char frs[8], char out[9])
{
	int i;

	for (i = 0; i < 8; i++)
		out[i] = frs[i] > ' ' && frs[i] <= '~' ? frs[i] : '.';
	out[8] = '\0';
}

/* The 8 revision bytes as the little-endian number nvme-cli prints. */
static unsigned long long frs_number(const char frs[8])
{
	unsigned long long v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | (uint8_t)frs[i];
	return v;
}

int cmd_fw_log(struct cli *o)
{
	struct nvd_fw_slot_log log;
	struct nvd_ctrlr *c;
	char title[64], key[24], text[9], val[48];
	int rc, i;

	rc = cli_attach(o, &c);
	if (rc)
		return rc;
	rc = nvd_ctrlr_get_fw_slot_log(c, &log);
	if (rc) {
		rc = cli_fail("fw-log: Get Log Page 03h (Firmware Slot Information)", rc);
		goto out;
	}
	/* nvme-cli's shapes: afi, then frsN for each slot that holds a revision */
	snprintf(title, sizeof(title), "Firmware Log for device:%s", o->bdf);
	out_begin(title);
	out_object(o->bdf);
	if (out_json())
		out_uint("Active Firmware Slot (afi)", 0, "%llu", log.afi);
	else
		printf("afi  : %#x\n", log.afi);
	/* Base 2.0 Fig. 209: AFI bits 2:0 the running slot, 6:4 the next reset's */
	if (o->human)
		out_line("  [6:4] : %#x\tFirmware Slot Activated at Next Reset%s\n"
			 "  [2:0] : %#x\tActive Firmware Slot\n\n",
			 (log.afi >> 4) & 7, (log.afi >> 4) & 7 ? "" : " (none given)", log.afi & 7);
	for (i = 0; i < 7; i++) {
		if (!log.frs[i][0])
			continue;	/* empty slot */
		frs_text(log.frs[i], text);
		if (out_json()) {
			snprintf(key, sizeof(key), "Firmware Rev Slot %d", i + 1);
			snprintf(val, sizeof(val), "%llu (%s)", frs_number(log.frs[i]), text);
			out_str(key, 0, val);
		} else {
			printf("frs%d : %#016llx (%s)\n", i + 1, frs_number(log.frs[i]), text);
		}
	}
	out_obj_end();
	out_end();
out:
	nvd_ctrlr_detach(c);
	return rc;
}

static const char *feature_name(unsigned fid)
{
	switch (fid) {
	case 0x01: return "Arbitration";
	case 0x02: return "Power Management";
	case 0x03: return "LBA Range Type";
	case 0x04: return "Temperature Threshold";
	case 0x05: return "Error Recovery";
	case 0x06: return "Volatile Write Cache";
	case 0x07: return "Number of Queues";
	case 0x08: return "Interrupt Coalescing";
	case 0x09: return "Interrupt Vector Configuration";
	case 0x0a: return "Write Atomicity Normal";
	case 0x0b: return "Async Event Configuration";
	case 0x0c: return "Autonomous Power State Transition";
	case 0x0d: return "Host Memory Buffer";
	case 0x0e: return "Timestamp";
	case 0x0f: return "Keep Alive Timer";
	case 0x10: return "Host Controlled Thermal Management";
	case 0x11: return "Non-Operational Power State Config";
	case 0x16: return "Host Behavior Support";
	case 0x17: return "Sanitize Config";
	case 0x18: return "Endurance Group Event Configuration";
	case 0x80: return "Software Progress";
	case 0x81: return "Host Identifier";
	case 0x82: return "Reservation Notification Mask";
	case 0x83: return "Reservation Persistence";
	default: return "Unknown";
	}
}

static const char *const sel_names[] = { "Current", "Default", "Saved", "Supported capabilities" };

/* Bytes of data some features return (Base 2.0 §5.27.1); 0 for the rest. */
static size_t feature_data_len(unsigned fid)
{
	switch (fid) {
	case 0x03: return 4096;	/* LBA Range Type: up to 64 x 64 bytes */
	case 0x0c: return 256;	/* Autonomous Power State Transition */
	case 0x0d: return 4096;	/* Host Memory Buffer attributes */
	case 0x0e: return 8;	/* Timestamp */
	case 0x16: return 512;	/* Host Behavior Support */
	case 0x81: return 16;	/* Host Identifier (extended) */
	default: return 0;
	}
}

static void feature_decode(unsigned fid, uint32_t v, const uint8_t *data)
{
	switch (fid) {
	case 0x01:
		printf("\tHigh Priority Weight   (HPW): %u\n\tMedium Priority Weight (MPW): %u\n"
		       "\tLow Priority Weight    (LPW): %u\n\tArbitration Burst       (AB): ",
		       ((v >> 24) & 0xff) + 1, ((v >> 16) & 0xff) + 1, ((v >> 8) & 0xff) + 1);
		if ((v & 7) == 7)
			printf("No limit\n");
		else
			printf("%u\n", 1u << (v & 7));
		break;
	case 0x02:
		printf("\tWorkload Hint (WH): %u\n\tPower State   (PS): %u\n", (v >> 5) & 7, v & 0x1f);
		break;
	case 0x04:
		printf("\tThreshold Type Select         (THSEL): %u\n"
		       "\tThreshold Temperature Select (TMPSEL): %u\n"
		       "\tTemperature Threshold         (TMPTH): %d C (%u Kelvin)\n",
		       (v >> 20) & 3, (v >> 16) & 0xf, (int)(v & 0xffff) - 273, v & 0xffff);
		break;
	case 0x05:
		printf("\tDeallocated or Unwritten Logical Block Error Enable (DULBE): %s\n"
		       "\tTime Limited Error Recovery                          (TLER): %u ms\n",
		       (v >> 16) & 1 ? "Enabled" : "Disabled", (v & 0xffff) * 100);
		break;
	case 0x06:
		printf("\tVolatile Write Cache Enable (WCE): %s\n", v & 1 ? "Enabled" : "Disabled");
		break;
	case 0x07:
		printf("\tNumber of IO Completion Queues Allocated (NCQA): %u\n"
		       "\tNumber of IO Submission Queues Allocated (NSQA): %u\n",
		       (v >> 16) + 1, (v & 0xffff) + 1);
		break;
	case 0x08:
		printf("\tAggregation Time     (TIME): %u usec\n\tAggregation Threshold (THR): %u\n",
		       ((v >> 8) & 0xff) * 100, (v & 0xff) + 1);
		break;
	case 0x0a:
		printf("\tDisable Normal (DN): %s\n", v & 1 ? "True" : "False");
		break;
	case 0x0b:
		printf("\tCritical Warnings (SMART/Health) enabled: %#x\n"
		       "\tNamespace Attribute Notices: %s\n\tFirmware Activation Notices: %s\n",
		       v & 0xff, (v >> 8) & 1 ? "Send" : "Do not send",
		       (v >> 9) & 1 ? "Send" : "Do not send");
		break;
	case 0x0e:
		if (data) {
			unsigned long long ts = 0;
			int i;

			for (i = 5; i >= 0; i--)
				ts = ts << 8 | data[i];
			printf("\tThe timestamp is : %llu ms\n\tSynch: %u, Origin: %u\n", ts,
			       data[6] & 1, (data[6] >> 1) & 7);
		}
		break;
	default:
		break;
	}
}

int cmd_get_feature(struct cli *o)
{
	static uint8_t data[4096];
	struct nvd_ctrlr *c;
	uint32_t v = 0;
	size_t len;
	char what[64];
	int rc;

	if (o->feature < 0)
		return bad_arg("get-feature needs -f FID (a feature identifier, 1..255; e.g. 4 Temperature Threshold, 6 Volatile Write Cache, 7 Number of Queues)");
	len = o->sel == NVD_FEAT_SEL_SUPPORTED ? 0 : feature_data_len((unsigned)o->feature);
	rc = cli_attach(o, &c);
	if (rc)
		return rc;
	memset(data, 0, sizeof(data));
	rc = nvd_ctrlr_get_feature(c, (uint8_t)o->feature, (uint8_t)o->sel, o->nsid, o->cdw11,
				   len ? data : NULL, len, &v);
	if (rc) {
		snprintf(what, sizeof(what), "get-feature -f %#x (%s)", o->feature,
			 feature_name((unsigned)o->feature));
		rc = cli_fail(what, rc);
		goto out;
	}
	if (out_json()) {
		out_begin(NULL);
		out_uint("feature_id", 0, "%llu", (unsigned)o->feature);
		out_str("name", 0, feature_name((unsigned)o->feature));
		out_str("sel", 0, sel_names[o->sel]);
		out_uint("value", 0, "%llu", v);
		out_end();
		goto out;
	}
	printf("get-feature:%#0*x (%s), %s value:%#0*x\n", o->feature ? 4 : 2, o->feature,
	       feature_name((unsigned)o->feature), sel_names[o->sel], v ? 10 : 8, v);
	if (o->sel == NVD_FEAT_SEL_SUPPORTED)
		printf("\tsaveable: %s\n\tnamespace specific: %s\n\tchangeable: %s\n",
		       v & 1 ? "yes" : "no", v & 2 ? "yes" : "no", v & 4 ? "yes" : "no");
	else if (o->human)
		feature_decode((unsigned)o->feature, v, len ? data : NULL);
out:
	nvd_ctrlr_detach(c);
	return rc;
}

int cmd_format(struct cli *o)
{
	const struct nvd_id_ns *id;
	struct nvd_format_opts f;
	struct nvd_ctrlr *c;
	struct nvd_ns *ns;
	char answer[16], nss[128];
	unsigned cur;
	int rc;

	if (!o->nsid)
		return bad_arg("format needs -n NSID (a namespace ID, or 0xffffffff for all)");
	if (!o->force && !isatty(STDIN_FILENO))
		return bad_arg("format erases namespace %u: pass --force (stdin is not a terminal to ask)",
			       o->nsid);
	rc = cli_attach(o, &c);
	if (rc)
		return rc;
	ns = o->nsid == NVD_NSID_ALL ? nvd_ctrlr_get_ns(c, nvd_ctrlr_first_ns(c))
				     : nvd_ctrlr_get_ns(c, o->nsid);
	if (!ns) {
		cli_ns_list(c, nss, sizeof(nss));
		fprintf(stderr, PROG ": -n %u: no such active namespace (active: %s)\n", o->nsid, nss);
		rc = EXIT_BAD_ARG;
		goto out;
	}
	id = nvd_ns_identify_data(ns);
	cur = nvd_flbas_index(id->flbas);
	if (o->lbaf < 0)
		o->lbaf = (int)cur;	/* nvme-cli: keep the current format */
	if ((unsigned)o->lbaf > id->nlbaf) {
		fprintf(stderr, PROG ": -l %d is not an LBA format of namespace %u (0..%u; see id-ns)\n",
			o->lbaf, nvd_ns_get_id(ns), id->nlbaf);
		rc = EXIT_BAD_ARG;
		goto out;
	}
	if (!o->force) {
		fprintf(stderr, "You are about to format namespace %u of %s: all its data will be lost.\n"
			"Type 'yes' to continue: ", o->nsid, o->bdf);
		if (!fgets(answer, sizeof(answer), stdin) || strcmp(answer, "yes\n")) {
			fprintf(stderr, PROG ": format not confirmed, nothing done\n");
			rc = 1;
			goto out;
		}
	}
	nvd_format_opts_init(&f);
	f.lbaf = (uint8_t)o->lbaf;
	f.ses = (uint8_t)o->ses;
	f.pi = (uint8_t)o->pi;
	f.pil = (uint8_t)o->pil;
	f.mset = (uint8_t)o->mset;
	f.timeout_ms = o->timeout_ms;
	rc = nvd_ctrlr_format(c, o->nsid, &f);
	if (rc) {
		rc = cli_fail("format", rc);
		goto out;
	}
	printf("Success formatting namespace:%x\n", o->nsid);
	if (ns)
		printf("namespace %u: LBA format %u, %u-byte LBAs, %llu LBAs\n", nvd_ns_get_id(ns),
		       nvd_flbas_index(((const struct nvd_id_ns *)nvd_ns_identify_data(ns))->flbas),
		       nvd_ns_get_sector_size(ns), (unsigned long long)nvd_ns_get_num_sectors(ns));
out:
	nvd_ctrlr_detach(c);
	return rc;
}
