// SPDX-License-Identifier: MIT
/*
 * `verify-kernel`: the soak's final check through the kernel's nvme driver
 * (a /dev/nvmeXnY block device, O_DIRECT so the page cache cannot answer),
 * against the map a `run` through nvdirect saved.  A second driver reading
 * the same blocks is the independent witness that nvdirect wrote them.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "soak.h"

#define KERNEL_CHUNK	(1024u * 1024)

static int read_exact(int fd, void *buf, size_t len, uint64_t off)
{
	ssize_t got = pread(fd, buf, len, (off_t)off);

	if (got < 0)
		return -errno;
	return (size_t)got == len ? 0 : -EIO;
}

/* A chunk did not read: try its LBAs one by one and name those that fail. */
static void narrow_down(int fd, const struct soak_map *m, uint8_t *buf, uint64_t lba,
			uint64_t count, struct soak_stats *st)
{
	uint64_t l, bad_first = 0, bad_n = 0;
	int err, bad_err = 0;

	for (l = lba; l <= lba + count; l++) {
		err = l < lba + count ? read_exact(fd, buf, m->lba_size, l * m->lba_size) : 0;
		if (err && bad_n && err == bad_err) {
			bad_n++;
			continue;
		}
		if (bad_n) {
			if (bad_n == 1)
				soak_report("LBA %" PRIu64 ": read failed: %s", bad_first,
					    strerror(-bad_err));
			else
				soak_report("LBA %" PRIu64 "..%" PRIu64 ": read failed: %s", bad_first,
					    bad_first + bad_n - 1, strerror(-bad_err));
			st->unreadable += bad_n;
			bad_n = 0;
		}
		if (l == lba + count)
			break;
		if (err) {
			bad_first = l;
			bad_n = 1;
			bad_err = err;
			continue;
		}
		st->verify_bytes += m->lba_size;
		soak_judge(m, buf, l, 1, st);
	}
}

int soak_kernel_verify(const struct soak_cfg *cfg)
{
	struct soak_stats st = { 0 };
	struct soak_map m;
	uint64_t dev_bytes, lba, end, n;
	uint32_t chunk;
	double t0;
	char why[128];
	void *buf = NULL;
	int fd, lbs, rc = 2;	/* until the check starts: nothing to check against */

	if (soak_map_load(&m, cfg->map_path, why, sizeof(why))) {
		fprintf(stderr, PROG ": cannot load map %s: %s\n", cfg->map_path, why);
		return 2;
	}
	fd = open(cfg->dev, O_RDONLY | O_DIRECT);
	if (fd < 0) {
		fprintf(stderr, PROG ": cannot open %s: %s\n", cfg->dev, strerror(errno));
		goto err_free_map;
	}
	if (ioctl(fd, BLKSSZGET, &lbs) || ioctl(fd, BLKGETSIZE64, &dev_bytes)) {
		fprintf(stderr, PROG ": %s is not a block device: %s\n", cfg->dev, strerror(errno));
		goto err_close;
	}
	if ((uint32_t)lbs != m.lba_size) {
		fprintf(stderr, PROG ": map %s is for %" PRIu32 "-byte LBAs; %s has %d-byte LBAs\n",
			cfg->map_path, m.lba_size, cfg->dev, lbs);
		goto err_close;
	}
	if (m.first_lba + m.nlbas > dev_bytes / m.lba_size) {
		fprintf(stderr, PROG ": map %s covers LBAs past the last LBA %" PRIu64 " of %s\n",
			cfg->map_path, dev_bytes / m.lba_size - 1, cfg->dev);
		goto err_close;
	}
	chunk = KERNEL_CHUNK / m.lba_size ? KERNEL_CHUNK / m.lba_size : 1;
	if (posix_memalign(&buf, 4096, (size_t)chunk * m.lba_size)) {
		fprintf(stderr, PROG ": out of memory\n");
		rc = 1;
		goto err_close;
	}

	printf(PROG ": %s (%" PRIu32 "-byte LBAs), LBAs %" PRIu64 "..%" PRIu64 ", run 0x%" PRIx64
	       " (verify through the kernel)\n", cfg->dev, m.lba_size, m.first_lba,
	       m.first_lba + m.nlbas - 1, m.run);
	fflush(stdout);
	t0 = soak_now();
	end = m.first_lba + m.nlbas;
	for (lba = m.first_lba; lba < end; lba += n) {
		n = end - lba < chunk ? end - lba : chunk;
		if (read_exact(fd, buf, n * m.lba_size, lba * m.lba_size)) {
			st.errors++;
			narrow_down(fd, &m, buf, lba, n, &st);
			continue;
		}
		st.verify_bytes += n * m.lba_size;
		soak_judge(&m, buf, lba, (uint32_t)n, &st);
	}
	rc = soak_summary(&st, 0, soak_now() - t0, false);
	free(buf);
err_close:
	close(fd);
err_free_map:
	soak_map_free(&m);
	return rc;
}
