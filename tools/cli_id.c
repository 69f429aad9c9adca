// SPDX-License-Identifier: MIT
/*
 * list, id-ctrl, id-ns and ns-descs: the Identify data the library cached
 * at attach (ns-descs: asked for), printed with nvme-cli's field names and
 * formats (NVMe Base 2.0 Fig. 275 for the controller, NVM Command Set 1.0
 * Fig. 97 for the namespace), so the two tools' outputs can be compared
 * line by line.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "nvme_spec.h"

/* Little-endian reads at byte offsets of the 4096-byte Identify pages. */
static unsigned le8(const void *p, unsigned off)
{
	return ((const uint8_t *)p)[off];
}

static unsigned le16(const void *p, unsigned off)
{
	const uint8_t *b = (const uint8_t *)p + off;

	return b[0] | (unsigned)b[1] << 8;
}

static unsigned long le32(const void *p, unsigned off)
{
	return le16(p, off) | (unsigned long)le16(p, off + 2) << 16;
}

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
#define BIT(v, b)	((unsigned)((v) >> (b)) & 1u)

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

#define NOT(v)		((v) ? "" : "Not ")

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

static void print_psd(const struct nvme_id_ctrl *id, unsigned i)
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
	const struct nvme_id_ctrl *id;
	struct nvd_ctrlr *c;
	char n128[48];
	const uint8_t *g;
	unsigned i;
	int rc;

	rc = cli_attach(o->bdf, &c);
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

static void print_lbaf(const struct nvme_id_ns *id, unsigned i, unsigned in_use, int human)
{
	static const char *const rp[] = { "Best", "Better", "Good", "Degraded" };
	const struct nvme_lbaf *f = &id->lbaf[i];

	if (out_json()) {
		out_obj();
		out_uint("ms", 0, "%llu", f->ms);
		out_uint("ds", 0, "%llu", f->lbads);
		out_uint("rp", 0, "%llu", f->rp & 3);
		out_obj_end();
	} else if (human) {
		printf("LBA Format %2u : Metadata Size: %-3u bytes - Data Size: %-2u bytes - Relative Performance: %#x %s %s\n",
		       i, f->ms, f->lbads < 32 ? 1u << f->lbads : 0, f->rp & 3, rp[f->rp & 3],
		       i == in_use ? "(in use)" : "");
	} else {
		printf("lbaf %2u : ms:%-3u lbads:%-2u rp:%#x %s\n", i, f->ms, f->lbads, f->rp & 3,
		       i == in_use ? "(in use)" : "");
	}
}

#define N(key, fmt, v)	out_uint(key, 8, fmt, (unsigned long long)(v))

/* NVM Command Set 1.0 Fig. 97, MC: where metadata can travel */
static void decode_mc(unsigned mc)
{
	out_line("  [1:1] : %#x\tMetadata Pointer %sSupported\n"
		 "  [0:0] : %#x\tMetadata as Part of Extended Data LBA %sSupported\n\n",
		 BIT(mc, 1), NOT(BIT(mc, 1)), BIT(mc, 0), NOT(BIT(mc, 0)));
}

/* NVM Command Set 1.0 Fig. 97, DPC: protection information capabilities */
static void decode_dpc(unsigned dpc)
{
	out_line("  [4:4] : %#x\tProtection Information Transferred as Last 8 Bytes of Metadata %sSupported\n"
		 "  [3:3] : %#x\tProtection Information Transferred as First 8 Bytes of Metadata %sSupported\n"
		 "  [2:2] : %#x\tProtection Information Type 3 %sSupported\n"
		 "  [1:1] : %#x\tProtection Information Type 2 %sSupported\n"
		 "  [0:0] : %#x\tProtection Information Type 1 %sSupported\n\n",
		 BIT(dpc, 4), NOT(BIT(dpc, 4)), BIT(dpc, 3), NOT(BIT(dpc, 3)), BIT(dpc, 2),
		 NOT(BIT(dpc, 2)), BIT(dpc, 1), NOT(BIT(dpc, 1)), BIT(dpc, 0), NOT(BIT(dpc, 0)));
}

/* NVM Command Set 1.0 Fig. 97, DPS: protection information in use */
static void decode_dps(unsigned dps)
{
	out_line("  [3:3] : %#x\tProtection Information is Transferred as %s 8 Bytes of Metadata\n",
		 BIT(dps, 3), BIT(dps, 3) ? "First" : "Last");
	if (dps & 7)
		out_line("  [2:0] : %#x\tProtection Information Type %u Enabled\n\n", dps & 7,
			 dps & 7);
	else
		out_line("  [2:0] : %#x\tProtection Information Disabled\n\n", dps & 7);
}

static void hex_bytes(const char *key, const uint8_t *p, size_t n)
{
	char buf[40];
	size_t i;

	for (i = 0; i < n && 2 * i + 2 < sizeof(buf); i++)
		snprintf(buf + 2 * i, 3, "%02x", p[i]);
	out_str(key, 8, buf);
}

static void print_id_ns(const struct nvd_ns *ns, int human)
{
	const struct nvme_id_ns *id = nvd_ns_identify_data(ns);
	unsigned fmt = nvme_flbas_index(id->flbas), i;
	char title[48], n128[48];

	snprintf(title, sizeof(title), "NVME Identify Namespace %u:", nvd_ns_get_id(ns));
	out_begin(title);
	N("nsze", "%#llx", id->nsze);
	N("ncap", "%#llx", id->ncap);
	N("nuse", "%#llx", id->nuse);
	N("nsfeat", "%#x", id->nsfeat);
	if (human)
		out_line("  [4:4] : %#x\tNPWG, NPWA, NPDG, NPDA, and NOWS are %sSupported\n"
			 "  [3:3] : %#x\tNGUID and EUI64 fields if non-zero, %sReused\n"
			 "  [2:2] : %#x\tDeallocated or Unwritten Logical Block error %sSupported\n"
			 "  [1:1] : %#x\tNamespace uses %s\n"
			 "  [0:0] : %#x\tThin Provisioning %sSupported\n\n",
			 BIT(id->nsfeat, 4), NOT(BIT(id->nsfeat, 4)), BIT(id->nsfeat, 3),
			 BIT(id->nsfeat, 3) ? "Never " : "", BIT(id->nsfeat, 2),
			 NOT(BIT(id->nsfeat, 2)), BIT(id->nsfeat, 1),
			 BIT(id->nsfeat, 1) ? "NAWUN, NAWUPF, and NACWU" : "AWUN, AWUPF, and ACWU",
			 BIT(id->nsfeat, 0), NOT(BIT(id->nsfeat, 0)));
	N("nlbaf", "%llu", id->nlbaf);
	N("flbas", "%#x", id->flbas);
	if (human)
		out_line("  [6:5] : %#x\tMost significant 2 bits of Current LBA Format Selected\n"
			 "  [4:4] : %#x\tMetadata Transferred %s\n"
			 "  [3:0] : %#x\tLeast significant 4 bits of Current LBA Format Selected\n\n",
			 (id->flbas >> 5) & 3, BIT(id->flbas, 4),
			 BIT(id->flbas, 4) ? "at End of Data LBA" : "in Separate Contiguous Buffer",
			 id->flbas & 0xf);
	N("mc", "%#x", id->mc);
	if (human)
		decode_mc(id->mc);
	N("dpc", "%#x", id->dpc);
	if (human)
		decode_dpc(id->dpc);
	N("dps", "%#x", id->dps);
	if (human)
		decode_dps(id->dps);
	N("nmic", "%#x", id->nmic);
	if (human)
		out_line("  [0:0] : %#x\tNamespace Multipath %sCapable\n\n", BIT(id->nmic, 0),
			 NOT(BIT(id->nmic, 0)));
	N("rescap", "%#x", id->rescap);
	N("fpi", "%#x", id->fpi);
	N("dlfeat", "%llu", id->dlfeat);
	N("nawun", "%llu", id->nawun);
	N("nawupf", "%llu", id->nawupf);
	N("nacwu", "%llu", id->nacwu);
	N("nabsn", "%llu", id->nabsn);
	N("nabo", "%llu", id->nabo);
	N("nabspf", "%llu", id->nabspf);
	N("noiob", "%llu", id->noiob);
	u128_str(id->nvmcap, n128, sizeof(n128));
	out_str("nvmcap", 8, n128);
	if (id->nsfeat & 0x10) {
		N("npwg", "%llu", id->npwg);
		N("npwa", "%llu", id->npwa);
		N("npdg", "%llu", id->npdg);
		N("npda", "%llu", id->npda);
		N("nows", "%llu", id->nows);
	}
	/* NVM Command Set 1.0 Fig. 97: copy limits at bytes 74..80 */
	N("mssrl", "%llu", le16(id, 74));
	N("mcl", "%llu", le32(id, 76));
	N("msrc", "%llu", le8(id, 80));
	N("anagrpid", "%llu", id->anagrpid);
	N("nsattr", "%llu", id->nsattr);
	N("nvmsetid", "%llu", id->nvmsetid);
	N("endgid", "%llu", id->endgid);
	hex_bytes("nguid", id->nguid, sizeof(id->nguid));
	hex_bytes("eui64", id->eui64, sizeof(id->eui64));
	out_array("lbafs");
	for (i = 0; i <= id->nlbaf && i < 64; i++)
		print_lbaf(id, i, fmt, human);
	out_array_end();
	/* not Identify data: why the library will not read or write it */
	if (!nvd_ns_is_io_supported(ns) && nvd_ns_get_md_size(ns))
		out_line("nvdirect: %u bytes of metadata per LBA (%s): reads and writes not supported by nvdirect\n",
			 nvd_ns_get_md_size(ns), BIT(id->flbas, 4) ? "extended LBA" : "separate buffer");
	else if (!nvd_ns_is_io_supported(ns))
		out_line("nvdirect: reads and writes not supported by nvdirect for this format\n");
	out_end();
}

int cmd_id_ns(struct cli *o)
{
	struct nvd_ctrlr *c;
	struct nvd_ns *ns;
	char nss[128];
	int rc;

	if (!o->nsid)
		return bad_arg("id-ns needs -n NSID (a namespace ID, 1..4294967294)");
	rc = cli_attach(o->bdf, &c);
	if (rc)
		return rc;
	ns = nvd_ctrlr_get_ns(c, o->nsid);
	if (!ns) {
		cli_ns_list(c, nss, sizeof(nss));
		fprintf(stderr, PROG ": -n %u: no such active namespace (controller has 1..%u, active: %s)\n",
			o->nsid, nvd_ctrlr_get_info(c)->nn, nss);
		nvd_ctrlr_detach(c);
		return EXIT_BAD_ARG;
	}
	print_id_ns(ns, o->human);
	nvd_ctrlr_detach(c);
	return 0;
}

/*
 * Base 2.0 §5.17.2.3 (Identify CNS 03h): a list of Namespace Identification
 * Descriptors, each a 4-byte header then NIDL bytes of identifier, ended by
 * one with NIDL 0.
 */
struct ns_id_desc {
	uint8_t nidt;		/* type: 1 EUI64, 2 NGUID, 3 UUID, 4 CSI */
	uint8_t nidl;		/* length of what follows the header */
	uint8_t rsvd[2];
};
_Static_assert(sizeof(struct ns_id_desc) == 4, "descriptor header is 4 bytes");

enum { NIDT_EUI64 = 1, NIDT_NGUID = 2, NIDT_UUID = 3, NIDT_CSI = 4 };

static void hex_str(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/* One descriptor: 0, or -1 when its length does not fit its type. */
static int print_desc(const struct ns_id_desc *d, const uint8_t *v, unsigned loc, int verbose)
{
	static const struct { const char *name; uint8_t len; } types[] = {
		[NIDT_EUI64] = { "eui64", 8 }, [NIDT_NGUID] = { "nguid", 16 },
		[NIDT_UUID] = { "uuid", 16 }, [NIDT_CSI] = { "csi", 1 },
	};
	const char *name;
	char val[40];

	if (d->nidt < NIDT_EUI64 || d->nidt > NIDT_CSI)
		return 0;	/* a type this tool does not know: skipped, as nvme-cli does */
	name = types[d->nidt].name;
	if (d->nidl != types[d->nidt].len)
		return -1;
	if (d->nidt == NIDT_UUID)
		snprintf(val, sizeof(val),
			 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11],
			 v[12], v[13], v[14], v[15]);
	else if (d->nidt == NIDT_CSI)
		snprintf(val, sizeof(val), "%#x", v[0]);
	else
		hex_str(v, d->nidl, val);
	out_obj();
	if (out_json() || verbose) {
		out_uint("loc", 8, "%llu", loc);
		out_uint("nidt", 8, "%llu", d->nidt);
		out_uint("nidl", 8, "%llu", d->nidl);
		out_str("type", 8, name);
	}
	out_str(name, 8, val);
	out_obj_end();
	return 0;
}

int cmd_ns_descs(struct cli *o)
{
	static uint8_t buf[4096];
	const struct ns_id_desc *d;
	struct nvd_ctrlr *c;
	char title[64], nss[128];
	unsigned pos;
	int rc;

	if (!o->nsid)
		return bad_arg("ns-descs needs -n NSID (a namespace ID, 1..4294967294)");
	if (o->nsid == NVD_NSID_ALL)
		return bad_arg("ns-descs -n 0xffffffff: descriptors are per namespace, name one (1..4294967294)");
	rc = cli_attach(o->bdf, &c);
	if (rc)
		return rc;
	if (!nvd_ctrlr_get_ns(c, o->nsid)) {
		cli_ns_list(c, nss, sizeof(nss));
		fprintf(stderr, PROG ": -n %u: no such active namespace (controller has 1..%u, active: %s)\n",
			o->nsid, nvd_ctrlr_get_info(c)->nn, nss);
		nvd_ctrlr_detach(c);
		return EXIT_BAD_ARG;
	}
	rc = nvd_ctrlr_identify_ns_descs(c, o->nsid, buf);
	if (rc) {
		rc = cli_fail("ns-descs: Identify CNS 03h (Namespace Identification Descriptors)", rc);
		goto out;
	}
	snprintf(title, sizeof(title), "NVME Namespace Identification Descriptors NS %u:", o->nsid);
	out_begin(title);
	out_array("ns-descs");
	for (pos = 0; pos + sizeof(*d) <= sizeof(buf); pos += sizeof(*d) + d->nidl) {
		d = (const struct ns_id_desc *)(buf + pos);
		if (d->nidl == 0)
			break;
		if (pos + sizeof(*d) + d->nidl > sizeof(buf) ||
		    print_desc(d, buf + pos + sizeof(*d), pos, o->human)) {
			fprintf(stderr, PROG ": ns-descs: descriptor at byte %u (type %u, length %u) "
				"does not fit its type or the 4096-byte list\n", pos, d->nidt, d->nidl);
			rc = 1;
			break;
		}
	}
	out_array_end();
	out_end();
out:
	nvd_ctrlr_detach(c);
	return rc;
}

/* One row per namespace, in `nvme list`'s columns; the BDF in Generic's place. */
static void list_row(struct nvd_ctrlr *c, struct nvd_ns *ns)
{
	const struct nvd_ctrlr_info *info = nvd_ctrlr_get_info(c);
	const struct nvme_id_ns *id = nvd_ns_identify_data(ns);
	double lba = nvd_ns_get_sector_size(ns), nsze = (double)id->nsze * lba,
	       nuse = (double)id->nuse * lba;
	const char *ss, *us, *ls;
	char usage[64], format[32];
	unsigned ms = nvd_ns_get_md_size(ns);

	if (out_json()) {
		out_obj();
		out_str("DevicePath", 0, nvd_ctrlr_get_devpath(c));
		out_str("BDF", 0, info->bdf);
		out_str("Firmware", 0, info->fr);
		out_str("ModelNumber", 0, info->mn);
		out_str("SerialNumber", 0, info->sn);
		out_uint("NameSpace", 0, "%llu", nvd_ns_get_id(ns));
		out_uint("UsedBytes", 0, "%llu", (unsigned long long)nuse);
		out_uint("MaximumLBA", 0, "%llu", id->nsze);
		out_uint("PhysicalSize", 0, "%llu", (unsigned long long)nsze);
		out_uint("SectorSize", 0, "%llu", nvd_ns_get_sector_size(ns));
		out_obj_end();
		return;
	}
	ss = si_suffix(&nsze);
	us = si_suffix(&nuse);
	ls = "";
	if (lba >= 1024) {
		lba /= 1024;
		ls = "Ki";
	}
	snprintf(usage, sizeof(usage), "%6.2f %2sB / %6.2f %2sB", nuse, us, nsze, ss);
	snprintf(format, sizeof(format), "%3.0f %2sB + %2u B", lba, ls, ms);
	printf("%-21s %-21s %-20s %-40s %-9u %-26s %-16s %-8s\n", nvd_ctrlr_get_devpath(c),
	       info->bdf, info->sn, info->mn, nvd_ns_get_id(ns), usage, format, info->fr);
}

int cmd_list(struct cli *o)
{
	char bdfs[MAX_CTRLRS][NVD_BDF_LEN];
	struct nvd_ctrlr *c;
	uint32_t nsid;
	int n, i, rc;

	(void)o;
	n = nvd_list_bound(bdfs, MAX_CTRLRS);
	if (n < 0)
		return cli_fail("cannot list controllers bound to nvdirect", n);
	if (!out_json()) {
		if (n == 0) {
			printf("No controller is bound to nvdirect (see " PROG " setup).\n");
			return 0;
		}
		printf("%-21s %-21s %-20s %-40s %-9s %-26s %-16s %-8s\n", "Node", "BDF", "SN",
		       "Model", "Namespace", "Usage", "Format", "FW Rev");
		printf("%-.21s %-.21s %-.20s %-.40s %-.9s %-.26s %-.16s %-.8s\n",
		       "---------------------------------------------",
		       "---------------------------------------------",
		       "---------------------------------------------",
		       "---------------------------------------------",
		       "---------------------------------------------",
		       "---------------------------------------------",
		       "---------------------------------------------",
		       "---------------------------------------------");
	}
	out_begin(NULL);
	out_array("Devices");
	for (i = 0; i < n && i < MAX_CTRLRS; i++) {
		rc = nvd_ctrlr_attach(bdfs[i], NULL, &c);
		if (rc) {
			fprintf(stderr, PROG ": %s: %s%s%s\n", bdfs[i], nvd_strerror(rc),
				nvd_last_error()[0] ? ": " : "", nvd_last_error());
			continue;
		}
		for (nsid = nvd_ctrlr_first_ns(c); nsid; nsid = nvd_ctrlr_next_ns(c, nsid))
			list_row(c, nvd_ctrlr_get_ns(c, nsid));
		nvd_ctrlr_detach(c);
	}
	out_array_end();
	out_end();
	return 0;
}
