// SPDX-License-Identifier: MIT
/*
 * The soak and verify passes through libnvdirect.
 *
 * One worker thread per I/O queue pair (the library's rule: a queue pair
 * belongs to one thread and its paths take no locks).  Each worker creates
 * its own queue pair and buffers, concurrently with the others, which the
 * library allows (admin commands and DMA allocation are serialised inside).
 * The namespace range is cut into one slice per worker and only a slice's
 * worker writes it, so the last acknowledged generation of every LBA is
 * known without locks.  Within a slice no command is sent while another
 * one in flight overlaps it and writes (NVMe does not order commands in a
 * queue), so each completion tells exactly what an LBA now holds.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nvdirect.h>

#include "soak.h"

/* Empty polls between clock reads while waiting for completions. */
#define POLLS_PER_CLOCK	1024u
#define PROGRESS_S	10

enum phase { PHASE_SOAK, PHASE_VERIFY, PHASE_RETRY };

struct worker;

struct slot {
	struct worker *w;
	uint8_t *buf;
	uint64_t lba;
	uint32_t count;
	uint32_t gen;
	bool write;
	bool busy;
	struct nvd_cpl cpl;
};

/* A verify read that failed: its LBAs are read again one by one. */
struct failed_read {
	uint64_t lba;
	uint32_t count;
};

struct soak_ctx {
	const struct soak_cfg *cfg;
	struct nvd_ctrlr *ctrlr;
	struct nvd_ns *ns;
	struct soak_map map;
	uint32_t lbs;
	uint32_t chunk;			/* LBAs per verify read and per buffer */
	uint32_t max_lbas;		/* largest soak command */
	unsigned threads;
	bool soak;			/* run: soak first, then verify */
	int stop;			/* atomic: end the soak phase */
	int setup_failed;		/* atomic: workers without a queue pair */
	int stopped;			/* atomic: workers that gave up */
	pthread_barrier_t started, soaked, verify;
	struct worker *workers;
};

struct worker {
	struct soak_ctx *ctx;
	unsigned idx;
	pthread_t tid;
	struct nvd_qpair *qp;
	struct slot *slots;
	uint64_t first, count;		/* this worker's slice */
	uint64_t rng;
	uint32_t gen;
	enum phase phase;
	int err;			/* the worker stopped early */
	double last_progress;
	unsigned empty_polls;
	struct soak_stats st;		/* the final verify's judgement */
	struct soak_stats soak_st;	/* reads judged during the soak */
	uint64_t progress_ops;		/* atomic, for the progress line */
	uint64_t progress_bytes;	/* atomic */
	struct failed_read *failed;
	size_t nfailed, failed_cap;
};

static uint64_t rnd(uint64_t *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static void fatal(struct worker *w, const char *what, int err)
{
	const char *detail = nvd_last_error();

	soak_report("thread %u: %s: %s%s%s%s", w->idx, what, nvd_strerror(err),
		    detail[0] ? " (" : "", detail, detail[0] ? ")" : "");
	if (!w->err)
		__atomic_fetch_add(&w->ctx->stopped, 1, __ATOMIC_RELAXED);
	w->err = err;
}

static void set_gens(struct soak_ctx *ctx, uint64_t lba, uint32_t count, uint32_t gen)
{
	uint32_t i;

	for (i = 0; i < count; i++)
		ctx->map.gen[lba - ctx->map.first_lba + i] = gen;
}

static void remember_failed(struct worker *w, uint64_t lba, uint32_t count)
{
	struct failed_read *grown;

	if (w->nfailed == w->failed_cap) {
		w->failed_cap = w->failed_cap ? 2 * w->failed_cap : 8;
		grown = realloc(w->failed, w->failed_cap * sizeof(*grown));
		if (!grown) {
			soak_report("out of memory remembering failed reads");
			return;
		}
		w->failed = grown;
	}
	w->failed[w->nfailed++] = (struct failed_read){ lba, count };
}

static void io_done(void *arg, const struct nvd_cpl *cpl)
{
	struct slot *s = arg;
	struct worker *w = s->w;
	struct soak_ctx *ctx = w->ctx;
	uint64_t bytes = (uint64_t)s->count * ctx->lbs;

	s->busy = false;
	s->cpl = *cpl;
	if (w->phase == PHASE_RETRY)
		return;			/* read_one() looks at it */
	if (nvd_cpl_is_error(cpl)) {
		w->st.errors++;
		if (s->write)
			set_gens(ctx, s->lba, s->count, SOAK_GEN_UNKNOWN);
		if (w->phase == PHASE_VERIFY)
			remember_failed(w, s->lba, s->count);	/* narrowed down later */
		else
			soak_report("%s of LBA %" PRIu64 "+%" PRIu32 " failed: %s",
				    s->write ? "write" : "read", s->lba, s->count,
				    nvd_cpl_status_str(cpl));
		return;
	}
	__atomic_fetch_add(&w->progress_ops, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&w->progress_bytes, bytes, __ATOMIC_RELAXED);
	if (s->write) {
		w->st.writes++;
		w->st.write_bytes += bytes;
		set_gens(ctx, s->lba, s->count, s->gen);
	} else if (w->phase == PHASE_SOAK) {
		w->st.reads++;
		w->st.read_bytes += bytes;
		soak_judge(&ctx->map, s->buf, s->lba, s->count, &w->soak_st);
	} else {
		w->st.verify_bytes += bytes;
		soak_judge(&ctx->map, s->buf, s->lba, s->count, &w->st);
	}
}

static int submit(struct worker *w, struct slot *s, bool write, uint64_t lba, uint32_t count)
{
	struct soak_ctx *ctx = w->ctx;
	int err;

	s->write = write;
	s->lba = lba;
	s->count = count;
	s->busy = true;
	if (!nvd_qpair_outstanding(w->qp))
		w->last_progress = soak_now();
	err = write ? nvd_ns_write(ctx->ns, w->qp, s->buf, lba, count, io_done, s, 0) :
		      nvd_ns_read(ctx->ns, w->qp, s->buf, lba, count, io_done, s, 0);
	if (err) {
		char what[96];

		s->busy = false;
		snprintf(what, sizeof(what), "%s of LBA %" PRIu64 "+%" PRIu32 " not sent",
			 write ? "write" : "read", lba, count);
		fatal(w, what, err);
	}
	return err;
}

/* Reap completions; a worker whose commands stop completing gives up. */
static int poll_once(struct worker *w)
{
	int n = nvd_qpair_process_completions(w->qp, 0);
	double now;

	if (n < 0) {
		fatal(w, "polling completions", n);
		return n;
	}
	if (n > 0) {
		w->empty_polls = 0;
		w->last_progress = soak_now();
		return 0;
	}
	if (!nvd_qpair_outstanding(w->qp) || ++w->empty_polls < POLLS_PER_CLOCK)
		return 0;
	w->empty_polls = 0;
	now = soak_now();
	if (now - w->last_progress > SOAK_IO_TIMEOUT_S) {
		if (w->err != -ETIMEDOUT)
			soak_report("thread %u: %u commands did not complete within %d s", w->idx,
				    nvd_qpair_outstanding(w->qp), SOAK_IO_TIMEOUT_S);
		if (!w->err)
			__atomic_fetch_add(&w->ctx->stopped, 1, __ATOMIC_RELAXED);
		w->err = -ETIMEDOUT;
		return -ETIMEDOUT;
	}
	return 0;
}

static int drain(struct worker *w)
{
	while (nvd_qpair_outstanding(w->qp))
		if (poll_once(w))
			return -1;
	return 0;
}

/* Would [lba, lba + count) race a command in flight? */
static bool overlaps(const struct worker *w, uint64_t lba, uint32_t count, bool write)
{
	unsigned i;

	for (i = 0; i < w->ctx->cfg->depth; i++) {
		const struct slot *s = &w->slots[i];

		if (s->busy && (write || s->write) && lba < s->lba + s->count &&
		    s->lba < lba + count)
			return true;
	}
	return false;
}

/* One random read or write inside the slice, unless every try overlapped. */
static int submit_random(struct worker *w, struct slot *s)
{
	struct soak_ctx *ctx = w->ctx;
	bool write = rnd(&w->rng) % 100 >= ctx->cfg->read_pct;
	uint64_t lba = 0;
	uint32_t count = 0, i;
	int tries;

	for (tries = 0; tries < 4; tries++) {
		count = 1 + (uint32_t)(rnd(&w->rng) % ctx->max_lbas);
		if (count > w->count)
			count = (uint32_t)w->count;
		lba = w->first + rnd(&w->rng) % (w->count - count + 1);
		if (!overlaps(w, lba, count, write))
			break;
	}
	if (tries == 4)
		return 0;
	if (write) {
		s->gen = ++w->gen;
		for (i = 0; i < count; i++)
			soak_block_fill(s->buf + (size_t)i * ctx->lbs, ctx->lbs, ctx->map.run,
					lba + i, s->gen, (uint16_t)w->idx);
	}
	return submit(w, s, write, lba, count);
}

static void soak_pass(struct worker *w)
{
	struct soak_ctx *ctx = w->ctx;
	unsigned i;

	w->phase = PHASE_SOAK;
	while (!__atomic_load_n(&ctx->stop, __ATOMIC_RELAXED) && !w->err) {
		for (i = 0; i < ctx->cfg->depth && !w->err; i++)
			if (!w->slots[i].busy)
				submit_random(w, &w->slots[i]);
		if (!w->err)
			poll_once(w);
		if (w->gen >= SOAK_GEN_UNKNOWN - ctx->cfg->depth)
			break;		/* generations used up; never in practice */
	}
	/* what was sent still completes (or poll_once gives up on it) */
	drain(w);
	w->st.mismatches += w->soak_st.mismatches;
	w->st.lost += w->soak_st.lost;
}

/* Read one LBA and wait for it (the narrowing down after a failed read). */
static int read_one(struct worker *w, uint64_t lba, struct nvd_cpl *cpl)
{
	struct slot *s = &w->slots[0];

	if (submit(w, s, false, lba, 1))
		return -1;
	while (s->busy)
		if (poll_once(w))
			return -1;
	*cpl = s->cpl;
	return 0;
}

static void report_unreadable(struct worker *w, uint64_t first, uint64_t n,
			      const struct nvd_cpl *cpl)
{
	if (n == 1)
		soak_report("LBA %" PRIu64 ": read failed: %s", first, nvd_cpl_status_str(cpl));
	else
		soak_report("LBA %" PRIu64 "..%" PRIu64 ": read failed: %s", first, first + n - 1,
			    nvd_cpl_status_str(cpl));
	w->st.unreadable += n;
}

/*
 * A verify read failed: read its LBAs one at a time on the same queue
 * pair, judge those that read, and name each run of unreadable LBAs that
 * share a status.
 */
static void narrow_down(struct worker *w, const struct failed_read *f)
{
	struct nvd_cpl cpl, bad = { 0 };
	uint64_t lba, bad_first = 0, bad_n = 0, nbad = 0;

	w->phase = PHASE_RETRY;
	for (lba = f->lba; lba < f->lba + f->count; lba++) {
		if (read_one(w, lba, &cpl))
			return;
		if (nvd_cpl_is_error(&cpl)) {
			nbad++;
			if (bad_n && bad_first + bad_n == lba && nvd_cpl_sct(&cpl) == nvd_cpl_sct(&bad) &&
			    nvd_cpl_sc(&cpl) == nvd_cpl_sc(&bad)) {
				bad_n++;
				continue;
			}
			if (bad_n)
				report_unreadable(w, bad_first, bad_n, &bad);
			bad = cpl;
			bad_first = lba;
			bad_n = 1;
			continue;
		}
		if (bad_n)
			report_unreadable(w, bad_first, bad_n, &bad);
		bad_n = 0;
		w->st.verify_bytes += w->ctx->lbs;
		soak_judge(&w->ctx->map, w->slots[0].buf, lba, 1, &w->st);
	}
	if (bad_n)
		report_unreadable(w, bad_first, bad_n, &bad);
	if (!nbad)
		soak_report("read of LBA %" PRIu64 "+%" PRIu32 " failed, yet each of its LBAs "
			    "read on its own", f->lba, f->count);
}

/*
 * Read each mismatching LBA once more and say what it holds now: damage on
 * the medium reads the same again, a read that went wrong does not.  Only
 * words: the counts stand as judged.
 */
static void reread_mismatches(struct worker *w)
{
	struct soak_ctx *ctx = w->ctx;
	struct soak_stats *sts[2] = { &w->soak_st, &w->st };
	struct nvd_cpl cpl;
	enum soak_verdict v;
	char why[160];
	unsigned i, k;
	uint64_t lba;

	w->phase = PHASE_RETRY;
	for (k = 0; k < 2; k++) {
		for (i = 0; i < sts[k]->nbad_lba && !w->err; i++) {
			lba = sts[k]->bad_lba[i];
			if (read_one(w, lba, &cpl))
				return;
			if (nvd_cpl_is_error(&cpl)) {
				soak_report("read again, LBA %" PRIu64 ": %s", lba,
					    nvd_cpl_status_str(&cpl));
				continue;
			}
			v = soak_block_check(w->slots[0].buf, ctx->lbs, ctx->map.run, lba,
					     soak_expect(&ctx->map, lba), soak_owner(&ctx->map, lba),
					     why, sizeof(why));
			soak_report("read again, LBA %" PRIu64 " (mismatched in the %s): %s%s", lba,
				    k ? "verify" : "soak", v == SOAK_OK ? "as expected" : "still wrong: ",
				    v == SOAK_OK ? "" : why);
		}
	}
}

static void verify_pass(struct worker *w)
{
	struct soak_ctx *ctx = w->ctx;
	uint64_t next = w->first, end = w->first + w->count;
	uint32_t n;
	size_t i;
	unsigned s;

	w->phase = PHASE_VERIFY;
	while (next < end || nvd_qpair_outstanding(w->qp)) {
		for (s = 0; s < ctx->cfg->depth && next < end; s++) {
			if (w->slots[s].busy)
				continue;
			n = end - next < ctx->chunk ? (uint32_t)(end - next) : ctx->chunk;
			if (submit(w, &w->slots[s], false, next, n))
				return;
			next += n;
		}
		if (poll_once(w))
			return;
	}
	for (i = 0; i < w->nfailed && !w->err; i++)
		narrow_down(w, &w->failed[i]);
	reread_mismatches(w);
}

static int worker_setup(struct worker *w)
{
	struct soak_ctx *ctx = w->ctx;
	size_t bytes = (size_t)ctx->chunk * ctx->lbs;
	char what[96];
	unsigned i;
	int err;

	err = nvd_ctrlr_alloc_io_qpair(ctx->ctrlr, ctx->cfg->depth + 1, &w->qp);
	if (err) {
		snprintf(what, sizeof(what), "cannot create an I/O queue pair of %u entries",
			 ctx->cfg->depth + 1);
		fatal(w, what, err);
		return err;
	}
	w->slots = calloc(ctx->cfg->depth, sizeof(*w->slots));
	if (!w->slots) {
		fatal(w, "slots", -ENOMEM);
		return -ENOMEM;
	}
	for (i = 0; i < ctx->cfg->depth; i++) {
		w->slots[i].w = w;
		w->slots[i].buf = nvd_dma_alloc(ctx->ctrlr, bytes);
		if (!w->slots[i].buf) {
			snprintf(what, sizeof(what), "cannot allocate %zu bytes of DMA memory", bytes);
			fatal(w, what, -errno);
			return -ENOMEM;
		}
	}
	return 0;
}

static void worker_teardown(struct worker *w)
{
	unsigned i;

	/* deleting the SQ first ends whatever a stuck worker left in flight */
	if (w->qp)
		nvd_ctrlr_free_io_qpair(w->qp);
	for (i = 0; w->slots && i < w->ctx->cfg->depth; i++)
		nvd_dma_free(w->ctx->ctrlr, w->slots[i].buf);
	free(w->slots);
	free(w->failed);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct soak_ctx *ctx = w->ctx;

	if (worker_setup(w))
		__atomic_fetch_add(&ctx->setup_failed, 1, __ATOMIC_RELAXED);
	pthread_barrier_wait(&ctx->started);
	/* after the barrier every worker's setup is over: all start or none */
	if (__atomic_load_n(&ctx->setup_failed, __ATOMIC_RELAXED))
		goto out;
	if (ctx->soak) {
		soak_pass(w);
		pthread_barrier_wait(&ctx->soaked);
		pthread_barrier_wait(&ctx->verify);	/* the map is saved */
	}
	if (!w->err)
		verify_pass(w);
out:
	worker_teardown(w);
	return NULL;
}

/* ---- setup and the main thread's part --------------------------------- */

static int attach(struct soak_ctx *ctx, const struct soak_cfg *cfg)
{
	struct nvd_ctrlr_opts opts;
	const char *detail;
	int err;

	nvd_ctrlr_opts_init(&opts);
	if (cfg->threads > opts.num_io_queues)
		opts.num_io_queues = cfg->threads;
	err = nvd_ctrlr_attach(cfg->bdf, &opts, &ctx->ctrlr);
	if (err) {
		detail = nvd_last_error();
		fprintf(stderr, PROG ": cannot attach %s: %s%s%s%s\n", cfg->bdf, nvd_strerror(err),
			detail[0] ? " (" : "", detail, detail[0] ? ")" : "");
		return err;
	}
	ctx->ns = nvd_ctrlr_get_ns(ctx->ctrlr, cfg->nsid);
	if (!ctx->ns) {
		fprintf(stderr, PROG ": %s has no active namespace %" PRIu32 "\n", cfg->bdf,
			cfg->nsid);
		return -ENOENT;
	}
	if (!nvd_ns_is_io_supported(ctx->ns)) {
		fprintf(stderr, PROG ": namespace %" PRIu32 " does not take reads and writes "
			"(metadata %u bytes per LBA)\n", cfg->nsid, nvd_ns_get_md_size(ctx->ns));
		return -EOPNOTSUPP;
	}
	ctx->lbs = nvd_ns_get_sector_size(ctx->ns);
	ctx->chunk = SOAK_MAX_XFER / ctx->lbs;
	if (ctx->chunk > nvd_ns_get_max_io_sectors(ctx->ns))
		ctx->chunk = nvd_ns_get_max_io_sectors(ctx->ns);
	if (!ctx->chunk)
		ctx->chunk = 1;
	return 0;
}

/* The soaked range and the map for `run`, from -R, -j and -b. */
static int plan_run(struct soak_ctx *ctx, const struct soak_cfg *cfg)
{
	uint64_t nsec = nvd_ns_get_num_sectors(ctx->ns);
	uint64_t first = 0, count = nsec;
	uint32_t dflt;

	if (cfg->range_set) {
		first = cfg->range_first;
		count = cfg->range_count;
		if (first >= nsec || count > nsec - first) {
			fprintf(stderr, PROG ": -R %" PRIu64 ":%" PRIu64 " ends past the last LBA "
				"%" PRIu64 " of namespace %" PRIu32 "\n", first, count, nsec - 1,
				cfg->nsid);
			return -EINVAL;
		}
	}
	ctx->threads = cfg->threads ? cfg->threads : 2;
	if (count < ctx->threads) {
		fprintf(stderr, PROG ": %" PRIu64 " LBAs cannot be split among %u threads\n", count,
			ctx->threads);
		return -EINVAL;
	}
	if (cfg->max_lbas > ctx->chunk) {
		fprintf(stderr, PROG ": -b %u exceeds %" PRIu32 " LBAs, the most one command "
			"carries here (%s)\n", cfg->max_lbas, ctx->chunk,
			ctx->chunk == nvd_ns_get_max_io_sectors(ctx->ns) ?
				"the namespace's transfer limit" : "the soak's buffer size");
		return -EINVAL;
	}
	dflt = 64 * 1024 / ctx->lbs ? 64 * 1024 / ctx->lbs : 1;
	ctx->max_lbas = cfg->max_lbas ? cfg->max_lbas : dflt < ctx->chunk ? dflt : ctx->chunk;
	if (soak_map_init(&ctx->map, cfg->run, ctx->lbs, ctx->threads, cfg->nsid, first, count)) {
		fprintf(stderr, PROG ": no memory for a map of %" PRIu64 " LBAs\n", count);
		return -ENOMEM;
	}
	return 0;
}

static int plan_verify(struct soak_ctx *ctx, const struct soak_cfg *cfg)
{
	uint64_t nsec = nvd_ns_get_num_sectors(ctx->ns);
	char why[128];

	if (soak_map_load(&ctx->map, cfg->map_path, why, sizeof(why))) {
		fprintf(stderr, PROG ": cannot load map %s: %s\n", cfg->map_path, why);
		return -EINVAL;
	}
	if (ctx->map.lba_size != ctx->lbs) {
		fprintf(stderr, PROG ": map %s is for %" PRIu32 "-byte LBAs; namespace %" PRIu32
			" has %" PRIu32 "-byte LBAs\n", cfg->map_path, ctx->map.lba_size, cfg->nsid,
			ctx->lbs);
		return -EINVAL;
	}
	if (ctx->map.first_lba >= nsec || ctx->map.nlbas > nsec - ctx->map.first_lba) {
		fprintf(stderr, PROG ": map %s covers LBAs past the last LBA %" PRIu64 " of "
			"namespace %" PRIu32 "\n", cfg->map_path, nsec - 1, cfg->nsid);
		return -EINVAL;
	}
	ctx->threads = cfg->threads ? cfg->threads : ctx->map.nthreads;
	if (ctx->threads > ctx->map.nlbas)
		ctx->threads = (unsigned)ctx->map.nlbas;
	return 0;
}

static int check_queues(struct soak_ctx *ctx, const struct soak_cfg *cfg)
{
	const struct nvd_ctrlr_info *info = nvd_ctrlr_get_info(ctx->ctrlr);

	if (ctx->threads > info->num_io_queues) {
		fprintf(stderr, PROG ": -j %u exceeds the %u I/O queues the controller granted\n",
			ctx->threads, info->num_io_queues);
		return -EINVAL;
	}
	if (cfg->depth + 1 > info->mqes) {
		fprintf(stderr, PROG ": -q %u exceeds %u, the most commands a queue of the "
			"controller's %u entries (CAP.MQES) holds\n", cfg->depth, info->mqes - 1u,
			info->mqes);
		return -EINVAL;
	}
	return 0;
}

static void soak_clock(struct soak_ctx *ctx)
{
	double t0 = soak_now(), next = t0 + PROGRESS_S, now;
	uint64_t ops, bytes;
	struct timespec tick = { 0, 200 * 1000 * 1000 };
	unsigned i;

	while ((now = soak_now()) - t0 < ctx->cfg->seconds) {
		if (__atomic_load_n(&ctx->stopped, __ATOMIC_RELAXED) == (int)ctx->threads)
			break;
		if (now >= next) {
			ops = bytes = 0;
			for (i = 0; i < ctx->threads; i++) {
				ops += __atomic_load_n(&ctx->workers[i].progress_ops, __ATOMIC_RELAXED);
				bytes += __atomic_load_n(&ctx->workers[i].progress_bytes,
							 __ATOMIC_RELAXED);
			}
			printf(PROG ": %3.0f s: %" PRIu64 " ops, %.1f MiB\n", now - t0, ops,
			       bytes / (1024.0 * 1024.0));
			fflush(stdout);
			next += PROGRESS_S;
		}
		nanosleep(&tick, NULL);
	}
	__atomic_store_n(&ctx->stop, 1, __ATOMIC_RELAXED);
}

static void sum_stats(const struct soak_ctx *ctx, struct soak_stats *t, bool *stopped)
{
	const struct soak_stats *s;
	unsigned i;

	memset(t, 0, sizeof(*t));
	*stopped = false;
	for (i = 0; i < ctx->threads; i++) {
		s = &ctx->workers[i].st;
		t->writes += s->writes;
		t->reads += s->reads;
		t->write_bytes += s->write_bytes;
		t->read_bytes += s->read_bytes;
		t->verify_bytes += s->verify_bytes;
		t->checked += s->checked;
		t->expected += s->expected;
		t->mismatches += s->mismatches;
		t->lost += s->lost;
		t->errors += s->errors;
		t->unreadable += s->unreadable;
		t->skipped += s->skipped;
		*stopped |= ctx->workers[i].err != 0;
	}
}

static int run_workers(struct soak_ctx *ctx, const struct soak_cfg *cfg)
{
	double t_soak = 0, t0;
	struct soak_stats total;
	bool stopped;
	unsigned i, started = 0;
	int err, rc;

	ctx->workers = calloc(ctx->threads, sizeof(*ctx->workers));
	if (!ctx->workers)
		return -ENOMEM;
	pthread_barrier_init(&ctx->started, NULL, ctx->threads + 1);
	pthread_barrier_init(&ctx->soaked, NULL, ctx->threads + 1);
	pthread_barrier_init(&ctx->verify, NULL, ctx->threads + 1);
	for (i = 0; i < ctx->threads; i++) {
		struct worker *w = &ctx->workers[i];

		w->ctx = ctx;
		w->idx = i;
		w->rng = (cfg->run ^ (0x9e3779b97f4a7c15ull * (i + 1))) | 1;
		soak_slice(ctx->map.first_lba, ctx->map.nlbas, ctx->threads, i, &w->first, &w->count);
		err = pthread_create(&w->tid, NULL, worker_main, w);
		if (err) {
			/* the barriers count on every thread: nothing can run */
			fprintf(stderr, PROG ": cannot start thread %u: %s\n", i, strerror(err));
			exit(1);
		}
		started++;
	}

	pthread_barrier_wait(&ctx->started);
	t0 = soak_now();
	if (ctx->soak && !__atomic_load_n(&ctx->setup_failed, __ATOMIC_RELAXED)) {
		soak_clock(ctx);
		pthread_barrier_wait(&ctx->soaked);
		t_soak = soak_now() - t0;
		if (cfg->map_path && (err = soak_map_save(&ctx->map, cfg->map_path)))
			soak_report("cannot write map %s: %s", cfg->map_path, strerror(-err));
		pthread_barrier_wait(&ctx->verify);
		t0 = soak_now();
	}
	for (i = 0; i < started; i++)
		pthread_join(ctx->workers[i].tid, NULL);
	pthread_barrier_destroy(&ctx->verify);
	pthread_barrier_destroy(&ctx->soaked);
	pthread_barrier_destroy(&ctx->started);
	if (__atomic_load_n(&ctx->setup_failed, __ATOMIC_RELAXED)) {
		soak_report_flush();
		return 1;
	}

	sum_stats(ctx, &total, &stopped);
	rc = soak_summary(&total, t_soak, soak_now() - t0, ctx->soak);
	if (stopped) {
		fprintf(stderr, PROG ": a thread stopped early (see above)\n");
		rc = 1;
	}
	return rc;
}

int soak_nvd(const struct soak_cfg *cfg, bool run)
{
	struct soak_ctx ctx = { .cfg = cfg, .soak = run };
	int rc = 1;

	if (attach(&ctx, cfg))
		goto out;
	if ((run ? plan_run(&ctx, cfg) : plan_verify(&ctx, cfg)) || check_queues(&ctx, cfg)) {
		rc = 2;
		goto out;
	}
	printf(PROG ": %s ns %" PRIu32 " (%" PRIu32 "-byte LBAs), LBAs %" PRIu64 "..%" PRIu64
	       ", %u thread%s x qd %u, run 0x%" PRIx64 "%s\n", cfg->bdf, cfg->nsid, ctx.lbs,
	       ctx.map.first_lba, ctx.map.first_lba + ctx.map.nlbas - 1, ctx.threads, ctx.threads == 1 ? "" : "s",
	       cfg->depth, ctx.map.run, run ? "" : " (verify)");
	if (run)
		printf(PROG ": %u s, commands of 1..%" PRIu32 " LBAs, %u%% reads\n", cfg->seconds,
		       ctx.max_lbas, cfg->read_pct);
	fflush(stdout);
	rc = run_workers(&ctx, cfg);
out:
	free(ctx.workers);
	soak_map_free(&ctx.map);
	if (ctx.ctrlr)
		nvd_ctrlr_detach(ctx.ctrlr);
	return rc;
}
