// SPDX-License-Identifier: MIT
/*
 * nvd_soak: data integrity soak through libnvdirect.  Writes self-describing
 * blocks (soak_block.h) from several threads, each with its own queue pair,
 * remembers the last generation acknowledged per LBA, and checks every LBA
 * against it: through nvdirect right away and later (`verify`), or through
 * the kernel's nvme driver after a rebind (`verify-kernel`).
 *
 * This file: the command line, the shared reporting and the summary.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "soak.h"

#define REPORT_MAX	20

static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned reported, unreported;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " run [options] BDF NSID\n"
		"       " PROG " verify -m MAP [-j THREADS] [-q DEPTH] BDF NSID\n"
		"       " PROG " verify-kernel -m MAP DEVICE\n"
		"       " PROG " map -m MAP [LBA[=GEN]...]\n"
		"\n"
		"run      THREADS threads, each with its own I/O queue pair and DEPTH\n"
		"         commands in flight, write (and read back) random LBA ranges of\n"
		"         self-describing blocks (LBA, generation, writer, checksum) for\n"
		"         SECONDS; then every LBA of the range is read back and must hold\n"
		"         the last generation the controller acknowledged.  With -m the\n"
		"         acknowledged generations are saved for the commands below.\n"
		"verify   the same final check, later, through nvdirect\n"
		"verify-kernel\n"
		"         the same check through the kernel's nvme driver (DEVICE is\n"
		"         /dev/nvmeXnY, read with O_DIRECT) after rebinding it\n"
		"map      what the map expects at each LBA; LBA=GEN changes it (negative\n"
		"         tests: an expectation the device cannot meet)\n"
		"\n"
		"Options:\n"
		"  -t, --time SECONDS       soak time (default 10)\n"
		"  -j, --threads N          threads, one queue pair each (default 2 for run,\n"
		"                           the map's writers for verify; at most the\n"
		"                           controller's I/O queues)\n"
		"  -q, --depth N            commands in flight per thread (default 8)\n"
		"  -b, --max-lbas N         largest command in LBAs; sizes are random in 1..N\n"
		"                           (default 64 KiB worth, at most %u KiB worth)\n"
		"  -M, --read-pct PCT       reads among the soak's commands (default 25)\n"
		"  -R, --range FIRST:COUNT  soak LBAs FIRST..FIRST+COUNT-1 (default: all)\n"
		"  -s, --seed N             run id (default: from the clock)\n"
		"  -m, --map FILE           the acknowledged generations (run writes it)\n"
		"  -h, --help               this text\n"
		"\n"
		"Prints 'key : value' lines (ops, MiB, mismatches, lost, errors); each\n"
		"damaged LBA goes to stderr as '" PROG ": LBA N: mismatch|lost: ...', each\n"
		"failed command as '" PROG ": read|write of LBA N+COUNT failed: STATUS'.\n"
		"Exit 0 when every LBA holds what was acknowledged and no command failed,\n"
		"1 otherwise, 2 for bad usage.\n", SOAK_MAX_XFER / 1024);
}

void soak_report(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&report_lock);
	if (reported < REPORT_MAX) {
		reported++;
		va_start(ap, fmt);
		fputs(PROG ": ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		va_end(ap);
	} else {
		unreported++;
	}
	pthread_mutex_unlock(&report_lock);
}

void soak_report_flush(void)
{
	pthread_mutex_lock(&report_lock);
	if (unreported)
		fprintf(stderr, PROG ": ... and %u more like these\n", unreported);
	unreported = 0;
	pthread_mutex_unlock(&report_lock);
}

double soak_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void soak_judge(const struct soak_map *m, const void *buf, uint64_t lba, uint32_t count,
		struct soak_stats *st)
{
	const uint8_t *p = buf;
	enum soak_verdict v;
	uint32_t i, expect;
	char why[160];

	for (i = 0; i < count; i++, p += m->lba_size) {
		expect = soak_expect(m, lba + i);
		st->checked++;
		if (expect == SOAK_GEN_UNKNOWN)
			st->skipped++;
		else if (expect)
			st->expected++;
		v = soak_block_check(p, m->lba_size, m->run, lba + i, expect,
				     soak_owner(m, lba + i), why, sizeof(why));
		if (v == SOAK_LOST) {
			st->lost++;
			soak_report("LBA %" PRIu64 ": lost: %s", lba + i, why);
		} else if (v == SOAK_MISMATCH) {
			st->mismatches++;
			if (st->nbad_lba < sizeof(st->bad_lba) / sizeof(st->bad_lba[0]))
				st->bad_lba[st->nbad_lba++] = lba + i;
			soak_report("LBA %" PRIu64 ": mismatch: %s", lba + i, why);
		}
	}
}

static double mib(uint64_t bytes)
{
	return bytes / (1024.0 * 1024.0);
}

int soak_summary(const struct soak_stats *st, double run_s, double verify_s, bool ran)
{
	bool ok = !st->mismatches && !st->lost && !st->errors && !st->unreadable;

	soak_report_flush();
	if (ran) {
		printf("ops        : %" PRIu64 " (%" PRIu64 " writes, %" PRIu64 " reads)\n",
		       st->writes + st->reads, st->writes, st->reads);
		printf("MiB        : %.1f written, %.1f read\n", mib(st->write_bytes),
		       mib(st->read_bytes));
		printf("MiB/s      : %.1f over %.1f s (%.0f ops/s)\n",
		       run_s > 0 ? mib(st->write_bytes + st->read_bytes) / run_s : 0.0, run_s,
		       run_s > 0 ? (st->writes + st->reads) / run_s : 0.0);
	}
	printf("verified   : %" PRIu64 " LBAs (%" PRIu64 " with an acknowledged write), "
	       "%.1f MiB in %.1f s\n", st->checked, st->expected, mib(st->verify_bytes), verify_s);
	printf("mismatches : %" PRIu64 "\n", st->mismatches);
	printf("lost       : %" PRIu64 "\n", st->lost);
	printf("errors     : %" PRIu64 "\n", st->errors);
	printf("unreadable : %" PRIu64 "\n", st->unreadable);
	printf("skipped    : %" PRIu64 " (last write failed)\n", st->skipped);
	printf("result     : %s\n", ok ? "PASS" : "FAIL");
	fflush(stdout);
	return ok ? 0 : 1;
}

/* ---- command line ---------------------------------------------------- */

static int parse_u64(const char *flag, const char *s, uint64_t min, uint64_t max,
		     uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (!*s || *end || errno || s[0] == '-') {
		fprintf(stderr, PROG ": %s '%s' is not a number\n", flag, s);
		return -EINVAL;
	}
	if (v < min) {
		fprintf(stderr, PROG ": %s %llu is below the minimum of %" PRIu64 "\n", flag, v, min);
		return -EINVAL;
	}
	if (v > max) {
		fprintf(stderr, PROG ": %s %llu exceeds the maximum of %" PRIu64 "\n", flag, v, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_uint(const char *flag, const char *s, unsigned min, unsigned max,
		      unsigned *out)
{
	uint64_t v;
	int err = parse_u64(flag, s, min, max, &v);

	if (!err)
		*out = (unsigned)v;
	return err;
}

static int parse_range(const char *s, struct soak_cfg *cfg)
{
	char first[32];
	const char *colon = strchr(s, ':');

	if (!colon || (size_t)(colon - s) >= sizeof(first)) {
		fprintf(stderr, PROG ": -R '%s' is not FIRST:COUNT\n", s);
		return -EINVAL;
	}
	memcpy(first, s, (size_t)(colon - s));
	first[colon - s] = '\0';
	if (parse_u64("-R FIRST", first, 0, UINT64_MAX / 2, &cfg->range_first) ||
	    parse_u64("-R COUNT", colon + 1, 1, UINT64_MAX / 2, &cfg->range_count))
		return -EINVAL;
	cfg->range_set = true;
	return 0;
}

/* `map`: print (and with LBA=GEN, change) what the map expects. */
static int map_cmd(const struct soak_cfg *cfg, int argc, char **argv)
{
	struct soak_map m;
	uint64_t lba, gen, written = 0, unknown = 0, i;
	bool changed = false;
	char why[128], *eq;
	int err, a;

	err = soak_map_load(&m, cfg->map_path, why, sizeof(why));
	if (err) {
		fprintf(stderr, PROG ": cannot load map %s: %s\n", cfg->map_path, why);
		return 2;
	}
	for (i = 0; i < m.nlbas; i++) {
		if (m.gen[i] == SOAK_GEN_UNKNOWN)
			unknown++;
		else if (m.gen[i])
			written++;
	}
	printf("run        : 0x%" PRIx64 "\n", m.run);
	printf("lba_size   : %" PRIu32 "\n", m.lba_size);
	printf("nsid       : %" PRIu32 "\n", m.nsid);
	printf("range      : %" PRIu64 "..%" PRIu64 " (%" PRIu64 " LBAs)\n", m.first_lba,
	       m.first_lba + m.nlbas - 1, m.nlbas);
	printf("writers    : %" PRIu32 "\n", m.nthreads);
	printf("written    : %" PRIu64 " LBAs\n", written);
	printf("unknown    : %" PRIu64 " LBAs (last write failed)\n", unknown);
	for (a = 0; a < argc; a++) {
		eq = strchr(argv[a], '=');
		if (eq)
			*eq = '\0';
		if (parse_u64("LBA", argv[a], m.first_lba, m.first_lba + m.nlbas - 1, &lba) ||
		    (eq && parse_u64("GEN", eq + 1, 0, SOAK_GEN_UNKNOWN, &gen))) {
			soak_map_free(&m);
			return 2;
		}
		if (eq) {
			m.gen[lba - m.first_lba] = (uint32_t)gen;
			changed = true;
		}
		printf("LBA %" PRIu64 " gen %" PRIu32 " writer %u\n", lba, soak_expect(&m, lba),
		       soak_owner(&m, lba));
	}
	if (changed && (err = soak_map_save(&m, cfg->map_path))) {
		fprintf(stderr, PROG ": cannot write map %s: %s\n", cfg->map_path, strerror(-err));
		soak_map_free(&m);
		return 1;
	}
	soak_map_free(&m);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "time", required_argument, NULL, 't' },
		{ "threads", required_argument, NULL, 'j' },
		{ "depth", required_argument, NULL, 'q' },
		{ "max-lbas", required_argument, NULL, 'b' },
		{ "read-pct", required_argument, NULL, 'M' },
		{ "range", required_argument, NULL, 'R' },
		{ "seed", required_argument, NULL, 's' },
		{ "map", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct soak_cfg cfg = { .seconds = 10, .depth = 8, .read_pct = 25 };
	const char *cmd;
	uint64_t seed;
	int opt, err = 0, nargs;

	cfg.run = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid();
	while ((opt = getopt_long(argc, argv, "t:j:q:b:M:R:s:m:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 't': err = parse_uint("-t", optarg, 1, 7 * 24 * 3600, &cfg.seconds); break;
		case 'j': err = parse_uint("-j", optarg, 1, SOAK_MAX_THREADS, &cfg.threads); break;
		case 'q': err = parse_uint("-q", optarg, 1, 65535, &cfg.depth); break;
		case 'b': err = parse_uint("-b", optarg, 1, 65536, &cfg.max_lbas); break;
		case 'M': err = parse_uint("-M", optarg, 0, 100, &cfg.read_pct); break;
		case 'R': err = parse_range(optarg, &cfg); break;
		case 's':
			err = parse_u64("-s", optarg, 0, UINT64_MAX, &seed);
			cfg.run = seed;
			break;
		case 'm': cfg.map_path = optarg; break;
		case 'h': usage(stdout); return 0;
		default:
			fprintf(stderr, "Try '" PROG " --help'.\n");
			return 2;
		}
		if (err)
			return 2;
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind++];
	nargs = argc - optind;
	if (strcmp(cmd, "run") && strcmp(cmd, "verify") && strcmp(cmd, "verify-kernel") &&
	    strcmp(cmd, "map")) {
		fprintf(stderr, PROG ": unknown command '%s' (run, verify, verify-kernel, map)\n", cmd);
		return 2;
	}
	if (strcmp(cmd, "run") && !cfg.map_path) {
		fprintf(stderr, PROG ": %s needs the map: -m FILE\n", cmd);
		return 2;
	}
	if (!strcmp(cmd, "map"))
		return map_cmd(&cfg, nargs, argv + optind);
	if (!strcmp(cmd, "verify-kernel")) {
		if (nargs != 1) {
			fprintf(stderr, PROG ": verify-kernel takes one DEVICE, like /dev/nvme0n1\n");
			return 2;
		}
		cfg.dev = argv[optind];
		return soak_kernel_verify(&cfg);
	}
	if (nargs != 2) {
		fprintf(stderr, PROG ": %s takes BDF NSID, like 0000:00:03.0 1\n", cmd);
		return 2;
	}
	cfg.bdf = argv[optind];
	if (parse_u64("NSID", argv[optind + 1], 1, UINT32_MAX - 1, &seed))
		return 2;
	cfg.nsid = (uint32_t)seed;
	return soak_nvd(&cfg, !strcmp(cmd, "run"));
}
