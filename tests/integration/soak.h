/* SPDX-License-Identifier: MIT */
/*
 * nvd_soak's parts: the command line (soak.c), the soak and verify passes
 * through libnvdirect (soak_nvd.c) and the verify pass through the kernel's
 * block device (soak_kernel.c).
 */
#ifndef SOAK_H
#define SOAK_H

#include <stdbool.h>
#include <stdint.h>

#include "soak_block.h"

#define PROG		"nvd_soak"
/* Largest command the soak sends, and the size of each I/O buffer. */
#define SOAK_MAX_XFER	(256u * 1024)
#define SOAK_MAX_THREADS 64u
/* A command that takes longer than this to complete is a failure. */
#define SOAK_IO_TIMEOUT_S 30

struct soak_cfg {
	const char *bdf;
	uint32_t nsid;
	const char *dev;		/* verify-kernel: /dev/nvmeXnY */
	const char *map_path;
	unsigned seconds;
	unsigned threads;		/* 0: default */
	unsigned depth;
	unsigned max_lbas;		/* 0: default */
	unsigned read_pct;
	uint64_t run;			/* run id, from -s or the clock */
	bool range_set;
	uint64_t range_first, range_count;
};

struct soak_stats {
	uint64_t writes, reads;		/* commands completed in the soak phase */
	uint64_t write_bytes, read_bytes;
	uint64_t verify_bytes;		/* read by the final verify */
	uint64_t checked;		/* LBAs judged */
	uint64_t expected;		/* of those, LBAs with an acknowledged write */
	uint64_t mismatches, lost;
	uint64_t errors;		/* commands that completed with an error */
	uint64_t unreadable;		/* LBAs the final verify could not read */
	uint64_t skipped;		/* LBAs whose last write failed */
	/* the first mismatching LBAs, read again after the verify (diagnosis) */
	uint64_t bad_lba[4];
	unsigned nbad_lba;
};

/* "nvd_soak: ..." on stderr; after the first few, only counted. */
void soak_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Say how many reports were only counted. */
void soak_report_flush(void);

/*
 * Judge @count blocks read at @lba against @m, counting into @st and
 * reporting each LBA that is lost or mismatched.
 */
void soak_judge(const struct soak_map *m, const void *buf, uint64_t lba, uint32_t count,
		struct soak_stats *st);
/* Print the key : value summary; returns the exit code (0 all well, 1 not). */
int soak_summary(const struct soak_stats *st, double run_s, double verify_s, bool ran);

/* soak_nvd.c: `run` (soak, save the map, verify) and `verify` through nvdirect. */
int soak_nvd(const struct soak_cfg *cfg, bool run);
/* soak_kernel.c: `verify-kernel` through a block device, O_DIRECT. */
int soak_kernel_verify(const struct soak_cfg *cfg);

double soak_now(void);

#endif /* SOAK_H */
