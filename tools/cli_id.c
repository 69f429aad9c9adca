// SPDX-License-Identifier: MIT
/*
 * id-ctrl: the Identify Controller data the library cached at attach,
 * printed with nvme-cli's field names and formats (NVMe Base 2.0 Fig. 275),
 * so the two tools' outputs can be compared line by line.  Namespaces are
 * in cli_ns.c.
 */
#include <stdio.h>
#include <string.h>

#include <nvdirect/nvme_spec.h>

#include "cli.h"
#include "cli_id.h"

static void u128_at(const void *p, unsigned off, char *out, size_t len)
{
	u128_str((const uint8_t *)p + off, out, len);
}

/* A space-padded ASCII field as nvme-cli prints it (padding kept). */
static void ascii(const char *key, const char *src, size_t n)
{
	char buf[257];

	memcpy(buf, src, n);
	buf[n] = '\0';
	buf[strnlen(buf, n)] = '\0';
	out_str(key, 10, buf);
}

#define U(key, fmt, v)	out_uint(key, 10, fmt, (unsigned long long)(v))

/* -H: nvme-cli's "  [b:b] : 0x1\tMeaning" lines for the common bitfields */
static void decode_bits(unsigned v, const char *const *names, unsigned nbits)
{
	unsigned b;

	for (b = nbits; b-- > 0;)	/* highest bit first, as nvme-cli */
		if (names[b])
			out_line("  [%u:%u] : %#x\t%s %sSupported\n", b, b, BIT(v, b), names[b],
				 BIT(v, b) ? "" : "Not ");
	out_line("\n");
}

/* the words nvme-cli uses, so -H output reads the same in both tools */
static const char *const oacs_bits[] = {
	"Security Send and Receive", "Format NVM", "FW Commit and Download",
	"NS Management and Attachment", "Device Self-test", "Directives",
	"NVMe-MI Send and Receive", "Virtualization Management", "Doorbell Buffer Config",
	"Get LBA Status Capability", "Lockdown Command and Feature",
};
static const char *const oncs_bits[] = {
	"Compare", "Write Uncorrectable", "Data Set Management", "Write Zeroes",
	"Save and Select", "Reservations", "Timestamp", "Verify", "Copy",
};
static const char *const lpa_bits[] = {
	"SMART/Health Log Page per NS", "Command Effects Log Page",
	"Extended data for Get Log Page", "Telemetry host/controller initiated log page",
	"Persistent Event log", "LID 0x0, Scope of each command in LID 0x5, 0x12, 0x13",
	"Telemetry Log Data Area 4",
};


/* Base 2.0 Fig. 275, FNA: what Format NVM and crypto erase apply to */
static void decode_fna(unsigned fna)
{
	out_line("  [3:3] : %#x\tFormat NVM Broadcast NSID (FFFFFFFFh) %sSupported\n"
		 "  [2:2] : %#x\tCrypto Erase %sSupported as part of Secure Erase\n"
		 "  [1:1] : %#x\tCrypto Erase Applies to %s Namespace(s)\n"
		 "  [0:0] : %#x\tFormat Applies to %s Namespace(s)\n\n",
		 BIT(fna, 3), BIT(fna, 3) ? "Not " : "", BIT(fna, 2), NOT(BIT(fna, 2)),
		 BIT(fna, 1), BIT(fna, 1) ? "All" : "Single", BIT(fna, 0),
		 BIT(fna, 0) ? "All" : "Single");
}

/* Base 2.0 Fig. 275, VWC: the cache and whether Flush takes NSID FFFFFFFFh */
static void decode_vwc(unsigned vwc)
{
	static const char *const flush[] = {
		"Support for the NSID field set to FFFFFFFFh is not indicated",
		"Reserved",
		"The Flush command does not support NSID set to FFFFFFFFh",
		"The Flush command supports NSID set to FFFFFFFFh",
	};

	out_line("  [2:1] : %#x\t%s\n  [0:0] : %#x\tVolatile Write Cache %sPresent\n\n",
		 (vwc >> 1) & 3, flush[(vwc >> 1) & 3], BIT(vwc, 0), NOT(BIT(vwc, 0)));
}

/* Base 2.0 Fig. 275, SGLS */
static void decode_sgls(unsigned sgls)
{
	static const char *const support[] = {
		"Not Supported", "Supported. No Dword alignment required.",
		"Supported. Dword alignment required.", "Reserved",
	};

	out_line("  [21:21]: %#x\tTransport SGL Data Block Descriptor %sSupported\n"
		 "  [20:20]: %#x\tAddress Offsets %sSupported\n"
		 "  [19:19]: %#x\tMetadata Pointer Containing SGL Descriptor is %sSupported\n"
		 "  [18:18]: %#x\tSGL Length Larger than Buffer %sSupported\n"
		 "  [17:17]: %#x\tByte-Aligned Contig. MD Buffer %sSupported\n"
		 "  [16:16]: %#x\tSGL Bit-Bucket %sSupported\n"
		 "  [15:8] : %#x\tSGL Descriptor Threshold\n"
		 "  [2:2]  : %#x\tKeyed SGL Data Block descriptor %sSupported\n"
		 "  [1:0]  : %#x\tScatter-Gather Lists %s\n\n",
		 BIT(sgls, 21), NOT(BIT(sgls, 21)), BIT(sgls, 20), NOT(BIT(sgls, 20)),
		 BIT(sgls, 19), NOT(BIT(sgls, 19)), BIT(sgls, 18), NOT(BIT(sgls, 18)),
		 BIT(sgls, 17), NOT(BIT(sgls, 17)), BIT(sgls, 16), NOT(BIT(sgls, 16)),
		 (sgls >> 8) & 0xff, BIT(sgls, 2), NOT(BIT(sgls, 2)), sgls & 3, support[sgls & 3]);
}

static void print_psd(const struct nvd_id_ctrl *id, unsigned i)
{
	const uint8_t *ps = id->psd[i];
	unsigned mp = le16(ps, 0), flags = le8(ps, 3);
	char mpw[32];

	/* Base 2.0 Fig. 276: MP in centiwatts, or 0.0001 W with MXPS */
	if (flags & 1)
		snprintf(mpw, sizeof(mpw), "%u.%04uW", mp / 10000, mp % 10000);
	else
		snprintf(mpw, sizeof(mpw), "%u.%02uW", mp / 100, mp % 100);
	if (out_json()) {
		out_obj();
		out_uint("max_power", 0, "%llu", mp);
		out_uint("flags", 0, "%llu", flags);
		out_uint("entry_lat", 0, "%llu", le32(ps, 4));
		out_uint("exit_lat", 0, "%llu", le32(ps, 8));
		out_uint("read_tput", 0, "%llu", le8(ps, 12) & 0x1f);
		out_uint("read_lat", 0, "%llu", le8(ps, 13) & 0x1f);
		out_uint("write_tput", 0, "%llu", le8(ps, 14) & 0x1f);
		out_uint("write_lat", 0, "%llu", le8(ps, 15) & 0x1f);
		out_uint("idle_power", 0, "%llu", le16(ps, 16));
		out_uint("active_power", 0, "%llu", le16(ps, 20));
		out_obj_end();
		return;
	}
	printf("ps %4u : mp:%s %soperational enlat:%lu exlat:%lu rrt:%u rrl:%u\n", i, mpw,
	       flags & 2 ? "non-" : "", le32(ps, 4), le32(ps, 8), le8(ps, 12) & 0x1f,
	       le8(ps, 13) & 0x1f);
	printf("          rwt:%u rwl:%u idle_power:%s active_power:%s\n", le8(ps, 14) & 0x1f,
	       le8(ps, 15) & 0x1f, le16(ps, 16) ? "set" : "-", le16(ps, 20) ? "set" : "-");
}

int cmd_id_ctrl(struct cli *o)
{
	const struct nvd_ctrlr_info *info;
	const struct nvd_id_ctrl *id;
	struct nvd_ctrlr *c;
	char n128[48];
	const uint8_t *g;
	unsigned i;
	int rc;

	rc = cli_attach(o, &c);
	if (rc)
		return rc;
	info = nvd_ctrlr_get_info(c);
	id = nvd_ctrlr_identify_data(c);
	g = id->fguid;

	out_begin("NVME Identify Controller:");
	U("vid", "%#x", id->vid);
	U("ssvid", "%#x", id->ssvid);
	ascii("sn", id->sn, sizeof(id->sn));
	ascii("mn", id->mn, sizeof(id->mn));
	ascii("fr", id->fr, sizeof(id->fr));
	U("rab", "%llu", id->rab);
	if (out_json())
		U("ieee", "%llu", id->ieee[2] << 16 | id->ieee[1] << 8 | id->ieee[0]);
	else
		out_text("ieee", 10, "%02x%02x%02x", id->ieee[2], id->ieee[1], id->ieee[0]);
	U("cmic", "%#x", id->cmic);
	U("mdts", "%llu", id->mdts);
	U("cntlid", "%#x", id->cntlid);
	U("ver", "%#x", id->ver);
	U("rtd3r", "%#x", id->rtd3r);
	U("rtd3e", "%#x", id->rtd3e);
	U("oaes", "%#x", id->oaes);
	U("ctratt", "%#x", id->ctratt);
	U("rrls", "%#x", id->rrls);
	U("cntrltype", "%llu", id->cntrltype);
	out_text("fguid", 10, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12],
		 g[13], g[14], g[15]);
	U("crdt1", "%llu", id->crdt[0]);
	U("crdt2", "%llu", id->crdt[1]);
	U("crdt3", "%llu", id->crdt[2]);
	U("nvmsr", "%llu", le8(id, 253));
	U("vwci", "%llu", le8(id, 254));
	U("mec", "%llu", le8(id, 255));
	U("oacs", "%#x", id->oacs);
	if (o->human)
		decode_bits(id->oacs, oacs_bits, 11);
	U("acl", "%llu", id->acl);
	U("aerl", "%llu", id->aerl);
	U("frmw", "%#x", id->frmw);
	if (o->human)
		out_line("  [5:5] : %#x\tMultiple FW or Boot Update Detection %sSupported\n"
			 "  [4:4] : %#x\tFirmware Activate Without Reset %sSupported\n"
			 "  [3:1] : %#x\tNumber of Firmware Slots\n"
			 "  [0:0] : %#x\tFirmware Slot 1 Read%s\n\n",
			 BIT(id->frmw, 5), NOT(BIT(id->frmw, 5)), BIT(id->frmw, 4),
			 NOT(BIT(id->frmw, 4)), (id->frmw >> 1) & 7,
			 BIT(id->frmw, 0), BIT(id->frmw, 0) ? "-Only" : "/Write");
	U("lpa", "%#x", id->lpa);
	if (o->human)
		decode_bits(id->lpa, lpa_bits, 7);
	U("elpe", "%llu", id->elpe);
	if (o->human)
		out_line("  [7:0] : %u (0's based)\tError Log Page Entries (ELPE)\n\n", id->elpe);
	U("npss", "%llu", id->npss);
	if (o->human)
		out_line("  [7:0] : %u (0's based)\tNumber of Power States Support (NPSS)\n\n",
			 id->npss);
	U("avscc", "%#x", id->avscc);
	if (o->human)
		out_line("  [0:0] : %#x\tAdmin Vendor Specific Commands uses %s Format\n\n",
			 BIT(id->avscc, 0), BIT(id->avscc, 0) ? "NVMe" : "Vendor Specific");
	U("apsta", "%#x", id->apsta);
	if (o->human)
		out_line("  [0:0] : %#x\tAutonomous Power State Transitions %sSupported\n\n",
			 BIT(id->apsta, 0), NOT(BIT(id->apsta, 0)));
	U("wctemp", "%llu", id->wctemp);
	if (o->human)
		out_line("  [15:0] : %d°C (%u Kelvin)\tWarning Composite Temperature Threshold (WCTEMP)\n\n",
			 (int)id->wctemp - 273, id->wctemp);
	U("cctemp", "%llu", id->cctemp);
	if (o->human)
		out_line("  [15:0] : %d°C (%u Kelvin)\tCritical Composite Temperature Threshold (CCTEMP)\n\n",
			 (int)id->cctemp - 273, id->cctemp);
	U("mtfa", "%llu", le16(id, 270));
	U("hmpre", "%llu", le32(id, 272));
	U("hmmin", "%llu", le32(id, 276));
	u128_at(id, 280, n128, sizeof(n128));
	out_str("tnvmcap", 10, n128);
	u128_at(id, 296, n128, sizeof(n128));
	out_str("unvmcap", 10, n128);
	U("rpmbs", "%#x", le32(id, 312));
	U("edstt", "%llu", le16(id, 316));
	U("dsto", "%llu", le8(id, 318));
	U("fwug", "%llu", le8(id, 319));
	U("kas", "%llu", le16(id, 320));
	U("hctma", "%#x", le16(id, 322));
	U("mntmt", "%llu", le16(id, 324));
	if (o->human)
		out_line("  [15:0] : %d°C (%u Kelvin)\tMinimum Thermal Management Temperature (MNTMT)\n\n",
			 (int)le16(id, 324) - 273, le16(id, 324));
	U("mxtmt", "%llu", le16(id, 326));
	if (o->human)
		out_line("  [15:0] : %d°C (%u Kelvin)\tMaximum Thermal Management Temperature (MXTMT)\n\n",
			 (int)le16(id, 326) - 273, le16(id, 326));
	U("sanicap", "%#x", le32(id, 328));
	U("hmminds", "%llu", le32(id, 332));
	U("hmmaxd", "%llu", le16(id, 336));
	U("nsetidmax", "%llu", le16(id, 338));
	U("endgidmax", "%llu", le16(id, 340));
	U("anatt", "%llu", le8(id, 342));
	U("anacap", "%llu", le8(id, 343));
	U("anagrpmax", "%llu", le32(id, 344));
	U("nanagrpid", "%llu", le32(id, 348));
	U("pels", "%llu", le32(id, 352));
	U("domainid", "%llu", le16(id, 356));
	u128_at(id, 368, n128, sizeof(n128));
	out_str("megcap", 10, n128);
	U("sqes", "%#x", id->sqes);
	if (o->human)
		out_line("  [7:4] : %#x\tMax SQ Entry Size (%d)\n  [3:0] : %#x\tMin SQ Entry Size (%d)\n\n",
			 id->sqes >> 4, 1 << (id->sqes >> 4), id->sqes & 0xf, 1 << (id->sqes & 0xf));
	U("cqes", "%#x", id->cqes);
	if (o->human)
		out_line("  [7:4] : %#x\tMax CQ Entry Size (%d)\n  [3:0] : %#x\tMin CQ Entry Size (%d)\n\n",
			 id->cqes >> 4, 1 << (id->cqes >> 4), id->cqes & 0xf, 1 << (id->cqes & 0xf));
	U("maxcmd", "%llu", id->maxcmd);
	U("nn", "%llu", id->nn);
	U("oncs", "%#x", id->oncs);
	if (o->human)
		decode_bits(id->oncs, oncs_bits, 9);
	U("fuses", "%#x", id->fuses);
	if (o->human)
		out_line("  [0:0] : %#x\tFused Compare and Write %sSupported\n\n", BIT(id->fuses, 0),
			 NOT(BIT(id->fuses, 0)));
	U("fna", "%#x", id->fna);
	if (o->human)
		decode_fna(id->fna);
	U("vwc", "%#x", id->vwc);
	if (o->human)
		decode_vwc(id->vwc);
	U("awun", "%llu", id->awun);
	U("awupf", "%llu", id->awupf);
	U("icsvscc", "%llu", id->icsvscc);
	U("nwpc", "%llu", id->nwpc);
	U("acwu", "%llu", id->acwu);
	U("ocfs", "%#x", id->ocfs);
	U("sgls", "%#x", id->sgls);
	if (o->human)
		decode_sgls(id->sgls);
	U("mnan", "%llu", id->mnan);
	u128_at(id, 544, n128, sizeof(n128));
	out_str("maxdna", 10, n128);
	U("maxcna", "%llu", le32(id, 560));
	ascii("subnqn", id->subnqn, sizeof(id->subnqn));
	U("ioccsz", "%llu", le32(id, 1792));
	U("iorcsz", "%llu", le32(id, 1796));
	U("icdoff", "%llu", le16(id, 1800));
	U("fcatt", "%#x", le8(id, 1802));
	U("msdbd", "%llu", le8(id, 1803));
	U("ofcs", "%llu", le16(id, 1804));
	out_array("psds");
	for (i = 0; i <= id->npss && i < 32; i++)
		print_psd(id, i);
	out_array_end();
	/* not Identify data: what the library derived from CAP and MDTS */
	if (o->human)
		out_line("nvdirect: mqes %u (CAP.MQES, 0-based), max transfer %u bytes, %u I/O queue pairs\n",
			 info->mqes - 1u, info->max_xfer_bytes, info->num_io_queues);
	out_end();
	nvd_ctrlr_detach(c);
	return 0;
}
