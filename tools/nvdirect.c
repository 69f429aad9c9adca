// SPDX-License-Identifier: MIT
/*
 * nvdirect: controller information through libnvdirect, in nvme-cli's
 * words and layout (list, id-ctrl, id-ns).  Parse, call the library, print.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nvdirect.h>

#include "report.h"

#include "nvme_spec.h"

#define PROG		"nvdirect"
#define MAX_CTRLRS	64

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " COMMAND [ARGS]\n"
		"\n"
		"Commands (output follows nvme-cli):\n"
		"  list                      controllers bound to nvdirect.ko: BDF, device\n"
		"                            node, serial, model, firmware, namespaces\n"
		"  id-ctrl BDF               Identify Controller fields, one 'field : value'\n"
		"                            per line (plus mqes from CAP)\n"
		"  id-ns BDF -n NSID         Identify Namespace fields of namespace NSID\n"
		"\n"
		"BDF is a PCI address like 0000:00:03.0.  Each command attaches the\n"
		"controller (a reset), so it fails while another process holds it.\n"
		"Options:\n"
		"  -n, --namespace-id NSID   namespace for id-ns\n"
		"  -h, --help                this text\n");
}

static int fail(const char *what, int err)
{
	return report_fail(PROG, what, err);
}

static int attach(const char *bdf, struct nvd_ctrlr **c)
{
	char bound[MAX_CTRLRS][NVD_BDF_LEN], list[256] = "", what[64];
	int rc, n, i;

	rc = nvd_ctrlr_attach(bdf, NULL, c);
	if (!rc)
		return 0;
	if (rc != -ENOENT) {
		snprintf(what, sizeof(what), "cannot attach %s", bdf);
		return fail(what, rc);
	}
	n = nvd_list_bound(bound, MAX_CTRLRS);
	for (i = 0; i < n && i < MAX_CTRLRS; i++) {
		strncat(list, " ", sizeof(list) - strlen(list) - 1);
		strncat(list, bound[i], sizeof(list) - strlen(list) - 1);
	}
	fprintf(stderr, PROG ": %s is not bound to nvdirect (bound:%s)\n", bdf,
		n > 0 ? list : " none");
	return 1;
}

/* "1 2 3" for the active namespaces, cut short if it gets long. */
static void ns_list(const struct nvd_ctrlr *c, char *out, size_t len)
{
	uint32_t nsid;
	size_t used = 0;

	out[0] = '\0';
	for (nsid = nvd_ctrlr_first_ns(c); nsid; nsid = nvd_ctrlr_next_ns(c, nsid)) {
		if (used + 12 >= len) {
			snprintf(out + used, len - used, " ...");
			return;
		}
		used += (size_t)snprintf(out + used, len - used, "%s%u", used ? " " : "", nsid);
	}
	if (!used)
		snprintf(out, len, "-");
}

static int cmd_list(void)
{
	char bdfs[MAX_CTRLRS][NVD_BDF_LEN], nss[64];
	const struct nvd_ctrlr_info *info;
	struct nvd_ctrlr *c;
	int n, i, rc;

	n = nvd_list_bound(bdfs, MAX_CTRLRS);
	if (n < 0)
		return fail("cannot list controllers bound to nvdirect", n);
	if (n == 0) {
		printf("No controller is bound to nvdirect.\n");
		return 0;
	}
	printf("%-13s %-16s %-20s %-40s %-8s %s\n", "BDF", "Node", "SN", "Model", "FW Rev",
	       "Namespaces");
	printf("%-13s %-16s %-20s %-40s %-8s %s\n", "-------------", "----------------",
	       "--------------------", "----------------------------------------", "--------",
	       "----------");
	for (i = 0; i < n && i < MAX_CTRLRS; i++) {
		rc = nvd_ctrlr_attach(bdfs[i], NULL, &c);
		if (rc) {
			printf("%-13s %-16s %-20s %-40s %-8s %s\n", bdfs[i], "-", "-",
			       nvd_strerror(rc), "-", "-");
			continue;
		}
		info = nvd_ctrlr_get_info(c);
		ns_list(c, nss, sizeof(nss));
		printf("%-13s %-16s %-20s %-40s %-8s %s\n", info->bdf, nvd_ctrlr_get_devpath(c),
		       info->sn, info->mn, info->fr, nss);
		nvd_ctrlr_detach(c);
	}
	return 0;
}

#define FIELD(name, fmt, ...)	printf("%-10s: " fmt "\n", name, __VA_ARGS__)

static int cmd_id_ctrl(const char *bdf)
{
	const struct nvd_ctrlr_info *info;
	const struct nvme_id_ctrl *id;
	struct nvd_ctrlr *c;

	if (attach(bdf, &c))
		return 1;
	info = nvd_ctrlr_get_info(c);
	id = nvd_ctrlr_identify_data(c);

	printf("NVME Identify Controller:\n");
	FIELD("vid", "%#x", id->vid);
	FIELD("ssvid", "%#x", id->ssvid);
	FIELD("sn", "%s", info->sn);
	FIELD("mn", "%s", info->mn);
	FIELD("fr", "%s", info->fr);
	FIELD("rab", "%u", id->rab);
	FIELD("ieee", "%02x%02x%02x", id->ieee[2], id->ieee[1], id->ieee[0]);
	FIELD("cmic", "%#x", id->cmic);
	FIELD("mdts", "%u", id->mdts);
	FIELD("cntlid", "%#x", id->cntlid);
	FIELD("ver", "%#x", id->ver);
	FIELD("rtd3r", "%#x", id->rtd3r);
	FIELD("rtd3e", "%#x", id->rtd3e);
	FIELD("oaes", "%#x", id->oaes);
	FIELD("ctratt", "%#x", id->ctratt);
	FIELD("cntrltype", "%u", id->cntrltype);
	FIELD("oacs", "%#x", id->oacs);
	FIELD("acl", "%u", id->acl);
	FIELD("aerl", "%u", id->aerl);
	FIELD("frmw", "%#x", id->frmw);
	FIELD("lpa", "%#x", id->lpa);
	FIELD("elpe", "%u", id->elpe);
	FIELD("npss", "%u", id->npss);
	FIELD("avscc", "%#x", id->avscc);
	FIELD("apsta", "%#x", id->apsta);
	FIELD("wctemp", "%u", id->wctemp);
	FIELD("cctemp", "%u", id->cctemp);
	FIELD("sqes", "%#x", id->sqes);
	FIELD("cqes", "%#x", id->cqes);
	FIELD("maxcmd", "%u", id->maxcmd);
	FIELD("nn", "%u", id->nn);
	FIELD("oncs", "%#x", id->oncs);
	FIELD("fuses", "%#x", id->fuses);
	FIELD("fna", "%#x", id->fna);
	FIELD("vwc", "%#x", id->vwc);
	FIELD("awun", "%u", id->awun);
	FIELD("awupf", "%u", id->awupf);
	FIELD("sgls", "%#x", id->sgls);
	FIELD("subnqn", "%.*s", (int)strnlen(id->subnqn, sizeof(id->subnqn)), id->subnqn);
	/* not Identify data: CAP.MQES (0-based) and what the library derived */
	FIELD("mqes", "%u", info->mqes - 1u);
	FIELD("max_xfer", "%u", info->max_xfer_bytes);
	nvd_ctrlr_detach(c);
	return 0;
}

static void hex_field(const char *name, const uint8_t *p, size_t n)
{
	char buf[40];
	size_t i;

	for (i = 0; i < n && 2 * i + 2 < sizeof(buf); i++)
		snprintf(buf + 2 * i, 3, "%02x", p[i]);
	FIELD(name, "%s", buf);
}

static int print_id_ns(const struct nvd_ns *ns)
{
	const struct nvme_id_ns *id = nvd_ns_identify_data(ns);
	unsigned fmt = nvme_flbas_index(id->flbas), i;
	uint64_t nvmcap;

	memcpy(&nvmcap, id->nvmcap, sizeof(nvmcap));	/* low 64 of 128 bits */
	printf("NVME Identify Namespace %u:\n", nvd_ns_get_id(ns));
	FIELD("nsze", "%#llx", (unsigned long long)id->nsze);
	FIELD("ncap", "%#llx", (unsigned long long)id->ncap);
	FIELD("nuse", "%#llx", (unsigned long long)id->nuse);
	FIELD("nsfeat", "%#x", id->nsfeat);
	FIELD("nlbaf", "%u", id->nlbaf);
	FIELD("flbas", "%#x", id->flbas);
	FIELD("mc", "%#x", id->mc);
	FIELD("dpc", "%#x", id->dpc);
	FIELD("dps", "%u", id->dps);
	FIELD("nmic", "%u", id->nmic);
	FIELD("rescap", "%#x", id->rescap);
	FIELD("fpi", "%#x", id->fpi);
	FIELD("dlfeat", "%u", id->dlfeat);
	FIELD("nawun", "%u", id->nawun);
	FIELD("nawupf", "%u", id->nawupf);
	FIELD("nacwu", "%u", id->nacwu);
	FIELD("noiob", "%u", id->noiob);
	FIELD("nvmcap", "%llu", (unsigned long long)nvmcap);
	FIELD("npwg", "%u", id->npwg);
	FIELD("npwa", "%u", id->npwa);
	FIELD("npdg", "%u", id->npdg);
	FIELD("npda", "%u", id->npda);
	FIELD("nows", "%u", id->nows);
	FIELD("anagrpid", "%u", id->anagrpid);
	FIELD("nsattr", "%u", id->nsattr);
	FIELD("nvmsetid", "%u", id->nvmsetid);
	FIELD("endgid", "%u", id->endgid);
	hex_field("nguid", id->nguid, sizeof(id->nguid));
	hex_field("eui64", id->eui64, sizeof(id->eui64));
	for (i = 0; i <= id->nlbaf && i < 64; i++)
		printf("lbaf %2u   : ms:%-3u lbads:%-2u rp:%#x%s\n", i, id->lbaf[i].ms,
		       id->lbaf[i].lbads, id->lbaf[i].rp & 3, i == fmt ? " (in use)" : "");
	FIELD("lba size", "%u", nvd_ns_get_sector_size(ns));
	FIELD("max io", "%u LBAs", nvd_ns_get_max_io_sectors(ns));
	return 0;
}

static int parse_nsid(const char *s, uint32_t *nsid)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || !*s || *end || s[0] == '-' || v == 0 || v > 0xfffffffeull) {
		fprintf(stderr, PROG ": -n '%s' is not a namespace ID (1..4294967294)\n", s);
		return 1;
	}
	*nsid = (uint32_t)v;
	return 0;
}

static int cmd_id_ns(const char *bdf, uint32_t nsid)
{
	struct nvd_ctrlr *c;
	struct nvd_ns *ns;
	char nss[128];
	int ret;

	if (attach(bdf, &c))
		return 1;
	ns = nvd_ctrlr_get_ns(c, nsid);
	if (!ns) {
		ns_list(c, nss, sizeof(nss));
		fprintf(stderr, PROG ": namespace %u does not exist (controller has 1..%u, active: %s)\n",
			nsid, nvd_ctrlr_get_info(c)->nn, nss);
		ret = 1;
	} else {
		ret = print_id_ns(ns);
	}
	nvd_ctrlr_detach(c);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "namespace-id", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd, *nsid_arg = NULL;
	uint32_t nsid = 0;
	int opt, nargs;

	while ((opt = getopt_long(argc, argv, "n:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			nsid_arg = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, PROG ": bad option (see " PROG " --help)\n");
			return 1;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, PROG ": no command given (list, id-ctrl, id-ns; see " PROG " --help)\n");
		return 1;
	}
	cmd = argv[optind];
	nargs = argc - optind - 1;

	if (!strcmp(cmd, "help"))
		return usage(stdout), 0;
	if (!strcmp(cmd, "list")) {
		if (nargs) {
			fprintf(stderr, PROG ": list takes no arguments, got '%s'\n", argv[optind + 1]);
			return 1;
		}
		return cmd_list();
	}
	if (strcmp(cmd, "id-ctrl") && strcmp(cmd, "id-ns")) {
		fprintf(stderr, PROG ": unknown command '%s' (commands: list, id-ctrl, id-ns)\n", cmd);
		return 1;
	}
	if (nargs != 1) {
		fprintf(stderr, PROG ": %s needs exactly one BDF like 0000:00:03.0, got %d arguments\n",
			cmd, nargs);
		return 1;
	}
	if (!strcmp(cmd, "id-ctrl"))
		return cmd_id_ctrl(argv[optind + 1]);
	if (!nsid_arg) {
		fprintf(stderr, PROG ": id-ns needs -n NSID (a namespace ID, 1..4294967294)\n");
		return 1;
	}
	if (parse_nsid(nsid_arg, &nsid))
		return 1;
	return cmd_id_ns(argv[optind + 1], nsid);
}
