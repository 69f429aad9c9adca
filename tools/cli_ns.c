// SPDX-License-Identifier: MIT
/*
 * list, id-ns and ns-descs: namespaces as the library found them at attach
 * (ns-descs: asked for), with nvme-cli's field names and formats (NVM
 * Command Set 1.0 Fig. 97 for Identify Namespace), so the two tools'
 * outputs can be compared line by line.
 */
#include <stdio.h>
#include <string.h>

#include <nvdirect/nvme_spec.h>

#include "cli.h"
#include "cli_id.h"

static void print_lbaf(const struct nvd_id_ns *id, unsigned i, unsigned in_use, int human)
{
	static const char *const rp[] = { "Best", "Better", "Good", "Degraded" };
	const struct nvd_lbaf *f = &id->lbaf[i];

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
	const struct nvd_id_ns *id = nvd_ns_identify_data(ns);
	unsigned fmt = nvd_flbas_index(id->flbas), i;
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
	rc = cli_attach(o, &c);
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
	rc = cli_attach(o, &c);
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
	const struct nvd_id_ns *id = nvd_ns_identify_data(ns);
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
