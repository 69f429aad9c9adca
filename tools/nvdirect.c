// SPDX-License-Identifier: MIT
/*
 * nvdirect: controllers bound to nvdirect.ko through libnvdirect, in
 * nvme-cli's words and layout, plus setup/reset/status in the spirit of
 * SPDK's setup.sh.  This file parses the command line and dispatches;
 * cli_*.c do the commands.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "report.h"
#include "trid_arg.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " COMMAND [BDF | -r TRID] [OPTIONS]\n"
		"\n"
		"Commands (output follows nvme-cli; -o json for scripts):\n"
		"  list                  namespaces of controllers bound to nvdirect.ko, in\n"
		"                        'nvme list' columns (Node, BDF, SN, Model, Namespace,\n"
		"                        Usage, Format, FW Rev)\n"
		"  id-ctrl BDF [-H]      Identify Controller, one 'field : value' per line\n"
		"  id-ns BDF -n NSID [-H]  Identify Namespace\n"
		"  smart-log BDF [-n NSID] [-H]  SMART / Health Information log\n"
		"  error-log BDF [-e N]  Error Information log entries\n"
		"  fw-log BDF [-H]       Firmware Slot Information log: active slot and the\n"
		"                        revision in each slot\n"
		"  ns-descs BDF -n NSID [-H]  Namespace Identification Descriptors (EUI64,\n"
		"                        NGUID, UUID, command set)\n"
		"  get-feature BDF -f FID [-s SEL] [-n NSID] [-c CDW11] [-H]\n"
		"                        a feature's value (SEL 0 current, 1 default,\n"
		"                        2 saved, 3 supported capabilities)\n"
		"  format BDF -n NSID [-l LBAF] [-s SES] [-i PI] [-p PIL] [-m MS] --force\n"
		"                        Format NVM: erases the namespace (SES 0 none,\n"
		"                        1 user data erase, 2 cryptographic erase)\n"
		"  discover -r TRID      NVMe over Fabrics discovery: the Discovery Log Page\n"
		"                        of the discovery controller at TRID (trtype:TCP), as\n"
		"                        nvme discover prints it\n"
		"  setup [BDF...] [--module PATH] [--param NAME=VALUE]...\n"
		"                        load nvdirect.ko (libkmod) if needed and bind the\n"
		"                        controllers (default: every NVMe controller not in\n"
		"                        use; one with a mounted, swap, held or open block\n"
		"                        device, or an open /dev/nvmeX or /dev/ngXnY, is\n"
		"                        skipped)\n"
		"  reset [BDF...]        give controllers back to the driver they had\n"
		"  status                table: BDF, vendor:device, driver, node, owner, pinned\n"
		"\n"
		"Options:\n"
		"  -r, --transport-id TRID   the controller as a transport ID, SPDK's form:\n"
		"                            'trtype:PCIe traddr:0000:00:03.0', instead of\n"
		"                            BDF (setup, reset: repeatable); ns:N in it is\n"
		"                            -n N; or an NVMe/TCP subsystem: 'trtype:TCP\n"
		"                            traddr:ADDR trsvcid:4420 subnqn:NQN'\n"
		"      --hdr-digest          NVMe/TCP: ask for header digests (CRC32C of\n"
		"                            each PDU header), as nvme connect's option\n"
		"      --data-digest         NVMe/TCP: ask for data digests (CRC32C of each\n"
		"                            PDU's data); both on the commands taking -r\n"
		"                            but setup, reset and discover\n"
		"  -n, --namespace-id NSID   namespace (1..4294967294; smart-log: 0xffffffff = all)\n"
		"  -H, --human-readable      decode fields\n"
		"  -o, --output-format FMT   normal or json\n"
		"  -f, --feature-id FID      get-feature: feature identifier, 1..255\n"
		"  -s, --sel SEL / --ses SES get-feature 0..3 / format 0..2\n"
		"  -c, --cdw11 VALUE         get-feature: command dword 11\n"
		"  -l, --lbaf LBAF           format: LBA format index (0..NLBAF of id-ns)\n"
		"  -i, --pi PI  -p, --pil PIL  -m, --ms MS   format: protection type 0..3,\n"
		"                            its location 0..1, metadata interleaved 0..1\n"
		"  -t, --timeout MS          format: how long to wait (default 600000)\n"
		"      --force               format: do not ask (needed without a terminal)\n"
		"  -e, --log-entries N       error-log: entries to show (1..256, default all)\n"
		"      --module PATH         setup: nvdirect.ko to load (default: $NVD_KO, then\n"
		"                            the installed module as modprobe finds it, then\n"
		"                            ./nvdirect.ko)\n"
		"      --param NAME=VALUE    setup: a module parameter to load nvdirect.ko with\n"
		"                            (repeatable; e.g. max_pinned_bytes=2147483648)\n"
		"  -h, --help                this text; COMMAND --help or help COMMAND: that\n"
		"                            command's own\n"
		"\n"
		"BDF is a PCI address like 0000:00:03.0, the same as -r 'trtype:PCIe\n"
		"traddr:0000:00:03.0'.  Commands on a controller attach it (a controller\n"
		"reset), so they fail while another process holds it.\n"
		"Exit status: 0 done, 1 the device or system refused, 2 bad arguments.\n");
}

int bad_arg(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_BAD_ARG;
}

int cli_fail(const char *what, int err)
{
	return report_fail(PROG, what, err);
}

void cli_ns_list(const struct nvd_ctrlr *c, char *out, size_t len)
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
		snprintf(out, len, "none");
}

int cli_attach(const struct cli *o, struct nvd_ctrlr **c)
{
	char bound[MAX_CTRLRS][NVD_BDF_LEN], list[256] = "";
	char what[NVD_TRADDR_MAX_LEN + 2 * NVD_NQN_MAX_LEN + 96];
	const char *bdf = o->bdf;
	struct nvd_ctrlr_opts co;
	int rc, n, i;

	nvd_ctrlr_opts_init(&co);
	co.flags = (o->hdgst ? NVD_CTRLR_TCP_HEADER_DIGEST : 0) |
		   (o->ddgst ? NVD_CTRLR_TCP_DATA_DIGEST : 0);
	rc = nvd_ctrlr_connect(&o->trid, &co, c);
	if (!rc)
		return 0;
	if (o->trid.trtype != NVD_TRTYPE_PCIE || rc != -ENOENT) {
		snprintf(what, sizeof(what), "cannot %s %s",
			 o->trid.trtype == NVD_TRTYPE_PCIE ? "attach" : "connect to", bdf);
		return cli_fail(what, rc);
	}
	n = nvd_list_bound(bound, MAX_CTRLRS);
	for (i = 0; i < n && i < MAX_CTRLRS; i++) {
		strncat(list, " ", sizeof(list) - strlen(list) - 1);
		strncat(list, bound[i], sizeof(list) - strlen(list) - 1);
	}
	fprintf(stderr, PROG ": %s is not bound to nvdirect (bound:%s; see " PROG " setup)\n", bdf,
		n > 0 ? list : " none");
	return 1;
}

/* Unsigned number (decimal or 0x hex) within [min, max], else the one line. */
static int parse_num(const char *opt, const char *s, unsigned long long min,
		     unsigned long long max, const char *allowed, unsigned long long *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || !*s || *end || s[0] == '-' || v < min || v > max)
		return bad_arg("%s '%s' is not %s", opt, s, allowed);
	*out = v;
	return 0;
}

/* setup --param NAME=VALUE: a module parameter's shape, checked here;
 * whether the module has it, when the module is found (setup_kmod.c). */
static int add_param(struct cli *o, char *p)
{
	static char *params[MAX_PARAMS];
	size_t name = strcspn(p, "=");

	if (!name || !p[name] || strspn(p, "abcdefghijklmnopqrstuvwxyz"
				       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != name ||
	    strpbrk(p + name + 1, " \t\n\""))
		return bad_arg("--param '%s' is not NAME=VALUE (a module parameter, e.g. "
			       "max_pinned_bytes=2147483648)", p);
	if (o->nparams == MAX_PARAMS)
		return bad_arg("--param %s: more than %d parameters", p, MAX_PARAMS);
	params[o->nparams++] = p;
	o->params = params;
	return 0;
}

enum { OPT_FORCE = 256, OPT_MODULE, OPT_PARAM, OPT_HDGST, OPT_DDGST };

/* Which options each command takes (letters as in the table below). */
static const struct {
	const char *name;
	int (*run)(struct cli *o);
	int bdf;		/* 1: exactly one BDF, 0: none, -1: any number */
	/* short letters; F --force, M --module, P --param, G --hdr-digest, D --data-digest */
	const char *opts;
	const char *help;
} commands[] = {
	{ "list", cmd_list, 0, "o",
	  "list [-o json]\n"
	  "  One row per namespace of every controller bound to nvdirect.ko, in\n"
	  "  'nvme list' columns: Node, BDF, SN, Model, Namespace, Usage, Format, FW Rev.\n" },
	{ "id-ctrl", cmd_id_ctrl, 1, "rHoGD",
	  "id-ctrl {BDF | -r TRID} [-H] [-o json]\n"
	  "  Identify Controller: every field as nvme id-ctrl prints it; -H decodes\n"
	  "  OACS, FRMW, LPA, temperatures, SQES/CQES, ONCS, FNA, VWC, SGLS.\n" },
	{ "id-ns", cmd_id_ns, 1, "rnHoGD",
	  "id-ns {BDF | -r TRID} -n NSID [-H] [-o json]\n"
	  "  Identify Namespace NSID; -H decodes NSFEAT, FLBAS, MC, DPC, DPS, NMIC\n"
	  "  and the LBA formats (the one in use marked).  A namespace whose format\n"
	  "  has metadata is shown, with a last line saying nvdirect does no I/O on it.\n" },
	{ "smart-log", cmd_smart_log, 1, "rnHoGD",
	  "smart-log {BDF | -r TRID} [-n NSID] [-H] [-o json]\n"
	  "  SMART / Health Information log (default: the whole controller,\n"
	  "  NSID 0xffffffff); -H decodes the critical warning bits.\n" },
	{ "error-log", cmd_error_log, 1, "reoGD",
	  "error-log {BDF | -r TRID} [-e N] [-o json]\n"
	  "  Error Information log: the controller keeps ELPE+1 entries (id-ctrl);\n"
	  "  -e shows the first N (1..256).\n" },
	{ "fw-log", cmd_fw_log, 1, "rHoGD",
	  "fw-log {BDF | -r TRID} [-H] [-o json]\n"
	  "  Firmware Slot Information log (Get Log Page 03h), as nvme fw-log prints\n"
	  "  it: afi (bits 2:0 the active slot, 6:4 the slot activated at the next\n"
	  "  reset) and frsN, the revision in each slot that holds one; -H decodes afi.\n" },
	{ "ns-descs", cmd_ns_descs, 1, "rnHoGD",
	  "ns-descs {BDF | -r TRID} -n NSID [-H] [-o json]\n"
	  "  Namespace Identification Descriptors (Identify CNS 03h) of namespace NSID,\n"
	  "  as nvme ns-descs prints them: eui64, nguid, uuid and csi (command set\n"
	  "  identifier, 0 = NVM), whichever the controller reports; -H adds each\n"
	  "  descriptor's offset (loc), type (nidt) and length (nidl).\n" },
	{ "get-feature", cmd_get_feature, 1, "rfsncHoGD",
	  "get-feature {BDF | -r TRID} -f FID [-s SEL] [-n NSID] [-c CDW11] [-H] [-o json]\n"
	  "  Get Features: FID 1..255, SEL 0 current (default), 1 default, 2 saved,\n"
	  "  3 supported capabilities; -H decodes the value of common features.\n" },
	{ "format", cmd_format, 1, "rnlsipmtFGD",
	  "format {BDF | -r TRID} -n NSID [-l LBAF] [-s SES] [-i PI] [-p PIL] [-m MS] [-t MS] --force\n"
	  "  Format NVM: ERASES the namespace (0xffffffff: all).  LBAF from id-ns\n"
	  "  (default: the current one), SES 0 none, 1 user data, 2 cryptographic.\n"
	  "  Asks for 'yes' on a terminal; --force skips that (needed in scripts).\n" },
	{ "discover", cmd_discover, 1, "ro",
	  "discover -r TRID [-o json]\n"
	  "  NVMe over Fabrics discovery: connect to the discovery controller TRID\n"
	  "  names (trtype:TCP; subnqn defaults to nqn.2014-08.org.nvmexpress.discovery),\n"
	  "  read its Discovery Log Page (70h) and print each record as nvme discover\n"
	  "  does: trtype, adrfam, subtype, treq, portid, trsvcid, subnqn, traddr,\n"
	  "  eflags, sectype.  Each record's fields make a TRID for the other commands.\n" },
	{ "setup", cmd_setup, -1, "rMP",
	  "setup [BDF... | -r TRID...] [--module PATH] [--param NAME=VALUE]...\n"
	  "  Load nvdirect.ko through libkmod if it is not loaded (--module PATH, else\n"
	  "  $NVD_KO, else the installed module as modprobe loads it, with its\n"
	  "  modprobe.d options, else ./nvdirect.ko), with each --param as a module\n"
	  "  parameter, and bind the named controllers, or every NVMe controller.\n"
	  "  Controllers with a mounted filesystem, active swap, a holder, an open\n"
	  "  block device or an open /dev/nvmeX or /dev/ngXnY are skipped with the\n"
	  "  reason.  The previous driver is remembered in /run/nvdirect.\n" },
	{ "reset", cmd_reset, -1, "r",
	  "reset [BDF... | -r TRID...]\n"
	  "  Give the named controllers (default: all bound to nvdirect) back to the\n"
	  "  driver they had before setup (nvme when unknown).\n" },
	{ "status", cmd_status, 0, "o",
	  "status [-o json]\n"
	  "  One row per NVMe controller: BDF, vendor:device, driver, /dev node,\n"
	  "  owner pid and pinned bytes (bound to nvdirect), previous driver.\n" },
};
static const char *cmd_help;	/* the command's own help, for -h */
static const char *cmd_opts;	/* and the options it takes */
#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

/* "list, id-ctrl, ..." */
static const char *command_names(void)
{
	static char buf[256];
	size_t i, used = 0;

	for (i = 0; i < NCOMMANDS && used < sizeof(buf); i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", i ? ", " : "",
					 commands[i].name);
	return buf;
}

static const char *opt_name(int letter)
{
	static char buf[4];

	if (letter == 'F')
		return "--force";
	if (letter == 'M')
		return "--module";
	if (letter == 'P')
		return "--param";
	if (letter == 'G')
		return "--hdr-digest";
	if (letter == 'D')
		return "--data-digest";
	snprintf(buf, sizeof(buf), "-%c", letter);
	return buf;
}

/* "-n, -H, -o" for an allowed-letters string */
static const char *opts_words(const char *allowed)
{
	static char buf[96];
	size_t used = 0;

	buf[0] = '\0';
	for (; *allowed && used + 12 < sizeof(buf); allowed++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", used ? ", " : "",
					 opt_name(*allowed));
	return used ? buf : "none";
}

static int parse(int argc, char **argv, const char *allowed, struct cli *o, const char **sval)
{
	static const struct option longopts[] = {
		{ "transport-id", required_argument, NULL, 'r' },
		{ "namespace-id", required_argument, NULL, 'n' },
		{ "human-readable", no_argument, NULL, 'H' },
		{ "output-format", required_argument, NULL, 'o' },
		{ "feature-id", required_argument, NULL, 'f' },
		{ "sel", required_argument, NULL, 's' },
		{ "ses", required_argument, NULL, 's' },
		{ "cdw11", required_argument, NULL, 'c' },
		{ "lbaf", required_argument, NULL, 'l' },
		{ "pi", required_argument, NULL, 'i' },
		{ "pil", required_argument, NULL, 'p' },
		{ "ms", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' },
		{ "log-entries", required_argument, NULL, 'e' },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "module", required_argument, NULL, OPT_MODULE },
		{ "param", required_argument, NULL, OPT_PARAM },
		{ "hdr-digest", no_argument, NULL, OPT_HDGST },
		{ "data-digest", no_argument, NULL, OPT_DDGST },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	int opt, letter, rc;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "r:n:Ho:f:s:c:l:i:p:m:t:e:h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			if (cmd_help)
				printf("usage: " PROG " %s\nSee " PROG " --help for every option.\n", cmd_help);
			else
				usage(stdout);
			exit(0);
		}
		if (opt == '?') {
			if (optopt >= OPT_FORCE)
				return bad_arg("%s: %s needs a value (see " PROG " --help)", o->cmd,
					       argv[optind - 1]);
			if (optopt && strchr("rnofsclipmte", optopt))
				return bad_arg("%s: -%c needs a value (see " PROG " --help)", o->cmd, optopt);
			return bad_arg("%s: unknown option '%s' (see " PROG " --help)", o->cmd,
				       argv[optind - 1]);
		}
		letter = opt == OPT_FORCE ? 'F' : opt == OPT_MODULE ? 'M' : opt == OPT_PARAM ? 'P' :
			 opt == OPT_HDGST ? 'G' : opt == OPT_DDGST ? 'D' : opt;
		if (!strchr(allowed, letter))
			return bad_arg("%s does not take %s (its options: %s; see " PROG " --help)",
				       o->cmd, opt_name(letter), opts_words(allowed));
		rc = 0;
		switch (opt) {
		case 'r':
			if (o->nr == MAX_CTRLRS)
				return bad_arg("%s: more than %d -r", o->cmd, MAX_CTRLRS);
			o->rargs[o->nr++] = optarg;
			break;
		case 'n':
			rc = parse_num("-n", optarg, 1, 0xffffffffull,
				       "a namespace ID (1..4294967294, or 0xffffffff for all)", &v);
			o->nsid = (uint32_t)v;
			break;
		case 'H':
			o->human = 1;
			break;
		case 'o':
			if (!strcmp(optarg, "json"))
				o->json = 1;
			else if (strcmp(optarg, "normal"))
				return bad_arg("-o '%s' is not an output format (normal, json)", optarg);
			break;
		case 'f':
			rc = parse_num("-f", optarg, 1, 255, "a feature ID (1..255)", &v);
			o->feature = (int)v;
			break;
		case 's':
			*sval = optarg;
			break;
		case 'c':
			rc = parse_num("-c", optarg, 0, 0xffffffffull, "a 32-bit value", &v);
			o->cdw11 = (uint32_t)v;
			break;
		case 'l':
			rc = parse_num("-l", optarg, 0, 63, "an LBA format index (0..63)", &v);
			o->lbaf = (int)v;
			break;
		case 'i':
			rc = parse_num("-i", optarg, 0, 3, "a protection information type (0..3)", &v);
			o->pi = (int)v;
			break;
		case 'p':
			rc = parse_num("-p", optarg, 0, 1, "a protection information location (0 last, 1 first bytes of metadata)", &v);
			o->pil = (int)v;
			break;
		case 'm':
			rc = parse_num("-m", optarg, 0, 1, "a metadata setting (0 separate, 1 interleaved)", &v);
			o->mset = (int)v;
			break;
		case 't':
			rc = parse_num("-t", optarg, 1, 3600000, "a timeout in milliseconds (1..3600000)", &v);
			o->timeout_ms = (uint32_t)v;
			break;
		case 'e':
			rc = parse_num("-e", optarg, 1, 256, "a number of entries (1..256)", &v);
			o->entries = (uint32_t)v;
			break;
		case OPT_FORCE:
			o->force = 1;
			break;
		case OPT_MODULE:
			o->module = optarg;
			break;
		case OPT_PARAM:
			rc = add_param(o, optarg);
			break;
		case OPT_HDGST:
			o->hdgst = 1;
			break;
		case OPT_DDGST:
			o->ddgst = 1;
			break;
		}
		if (rc)
			return rc;
	}
	o->args = argv + optind;
	o->nargs = argc - optind;
	return 0;
}

/*
 * The controllers a command names: BDFs (positional) or -r TRIDs, not
 * both.  @want: 1 exactly one (o->trid, o->bdf), -1 any number of PCI
 * functions (o->args, as BDFs), 0 none.  0, or the exit status.
 */
static int name_controllers(struct cli *o, int want)
{
	static char fmt[NVD_TRADDR_MAX_LEN + 2 * NVD_NQN_MAX_LEN + 64];
	static char *bdfs[MAX_CTRLRS];
	static struct nvd_trid r[MAX_CTRLRS];
	char why[400];
	int a;

	if (want == 0 && o->nargs)
		return bad_arg("%s takes no arguments, got '%s'", o->cmd, o->args[0]);
	if (o->nr && o->nargs)
		return bad_arg("%s: name controllers by BDF or by -r TRID, not both (got '%s' and -r '%s')",
			       o->cmd, o->args[0], o->rargs[0]);
	if (want == 1 && o->nargs + o->nr != 1)
		return bad_arg("%s needs exactly one controller, a BDF like 0000:00:03.0 or -r "
			       TRID_EXAMPLE ", got %d", o->cmd, o->nargs + o->nr);
	for (a = 0; a < o->nargs; a++)
		if (trid_from_bdf(o->args[a], &r[a]))
			return bad_arg("'%s' is not a PCI address (like 0000:00:03.0)", o->args[a]);
	for (a = 0; a < o->nr; a++) {
		if (trid_arg(o->rargs[a], &r[a], why, sizeof(why)))
			return bad_arg("-r '%s': %s; expected a transport ID like " TRID_EXAMPLE,
				       o->rargs[a], why);
		if (want == -1 && r[a].trtype != NVD_TRTYPE_PCIE)
			return bad_arg("%s moves PCI functions between drivers: -r '%s' is trtype:%s, not PCIe", o->cmd,
				       o->rargs[a], nvd_trtype_str(r[a].trtype));
		if (want == -1 && r[a].nsid)
			return bad_arg("%s moves whole controllers: -r '%s' names a namespace", o->cmd,
				       o->rargs[a]);
		bdfs[a] = r[a].traddr;
	}
	if (want == -1 && o->nr) {
		o->args = bdfs;
		o->nargs = o->nr;
	}
	if (want != 1)
		return 0;
	o->trid = r[0];
	if (o->nargs) {
		o->bdf = o->args[0];
	} else if (r[0].trtype == NVD_TRTYPE_PCIE) {
		o->bdf = r[0].traddr;
	} else {
		nvd_trid_format(&r[0], fmt, sizeof(fmt));
		o->bdf = fmt;
	}
	if (r[0].nsid) {
		if (!strchr(cmd_opts, 'n'))
			return bad_arg("%s does not take a namespace (ns:%u in -r '%s')", o->cmd,
				       r[0].nsid, o->rargs[0]);
		if (o->nsid && o->nsid != r[0].nsid)
			return bad_arg("%s: -n %u and ns:%u in -r name two namespaces", o->cmd, o->nsid,
				       r[0].nsid);
		o->nsid = r[0].nsid;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct cli o = { .feature = -1, .lbaf = -1, .sel = 0 };
	const char *sval = NULL;
	unsigned long long v;
	size_t i;
	int rc;

	if (argc < 2)
		return bad_arg("no command given (%s; see " PROG " --help)", command_names());
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		for (i = 0; argc > 2 && i < NCOMMANDS; i++)
			if (!strcmp(commands[i].name, argv[2]))
				return printf("usage: " PROG " %s", commands[i].help), 0;
		usage(stdout);
		return 0;
	}
	o.cmd = argv[1];
	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, o.cmd))
			break;
	if (i == NCOMMANDS)
		return bad_arg("unknown command '%s' (%s)", o.cmd, command_names());
	cmd_help = commands[i].help;
	cmd_opts = commands[i].opts;
	/* options may come before or after the BDF (getopt permutes), as with nvme-cli */
	rc = parse(argc - 1, argv + 1, commands[i].opts, &o, &sval);
	if (rc)
		return rc;
	/* discover names a fabrics address, never a PCI function */
	if (!strcmp(o.cmd, "discover") && (o.nr != 1 || o.nargs))
		return bad_arg("discover needs one -r TRID, a discovery controller's address like "
			       "-r 'trtype:TCP traddr:127.0.0.1 trsvcid:4420'");
	rc = name_controllers(&o, commands[i].bdf);
	if (rc)
		return rc;
	if ((o.hdgst || o.ddgst) && o.trid.trtype != NVD_TRTYPE_TCP)
		return bad_arg("%s: digests apply to NVMe/TCP only, not to the PCIe controller %s",
			       o.hdgst ? "--hdr-digest" : "--data-digest", o.bdf);

	if (sval && !strcmp(o.cmd, "get-feature")) {
		rc = parse_num("-s", sval, 0, 3,
			       "a select value (0 current, 1 default, 2 saved, 3 supported capabilities)", &v);
		if (rc)
			return rc;
		o.sel = (int)v;
	} else if (sval) {
		rc = parse_num("-s", sval, 0, 2,
			       "a secure erase setting (0 none, 1 user data erase, 2 cryptographic erase)", &v);
		if (rc)
			return rc;
		o.ses = (int)v;
	}
	out_init(o.json);
	return commands[i].run(&o);
}
