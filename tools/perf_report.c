// SPDX-License-Identifier: MIT
/*
 * nvdirect-perf's output: spdk_nvme_perf's table (rows per namespace per
 * core, a Total row), -L percentile summaries, -LL histograms, --json.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "perf.h"

struct row {
	double iops, mibps, avg, min, max;
};

static struct row make_row(const struct stats *st, double secs)
{
	struct row r = { 0 };

	if (st->ios && secs > 0) {
		r.iops = (double)st->ios / secs;
		r.mibps = r.iops * (double)g_o.io_size / (1024.0 * 1024.0);
		r.avg = (double)st->lat_sum_ns / (double)st->ios / 1000.0;
		r.min = (double)st->lat_min_ns / 1000.0;
		r.max = (double)st->lat_max_ns / 1000.0;
	}
	return r;
}

static const double pcts[] = { 1, 10, 25, 50, 75, 90, 95, 98, 99, 99.5, 99.9, 99.99, 99.999 };
#define NPCTS (sizeof(pcts) / sizeof(pcts[0]))

/* Upper bound, in us, of the bucket holding the @pct-th percentile. */
static double percentile_us(const struct stats *st, double pct)
{
	uint64_t want = (uint64_t)((double)st->ios * pct / 100.0), seen = 0;
	unsigned b;

	for (b = 0; b < HIST_BUCKETS; b++) {
		seen += st->hist[b];
		if (seen > want || (seen == st->ios && seen))
			return (double)(b + 1 < HIST_BUCKETS ? hist_floor(b + 1) : hist_floor(b)) / 1000.0;
	}
	return (double)st->lat_max_ns / 1000.0;
}

static void print_latency(const char *name, int core, const struct stats *st)
{
	unsigned b;
	uint64_t cum = 0;
	size_t i;

	printf("Summary latency data for %s from core %d:\n", name, core);
	printf("=================================================================================\n");
	for (i = 0; i < NPCTS; i++)
		printf("%9.5f%% : %9.3fus\n", pcts[i], percentile_us(st, pcts[i]));
	printf("\n");
	if (g_o.latency < 2)
		return;
	printf("Latency histogram for %s from core %d:\n", name, core);
	printf("==============================================================================\n");
	printf("       Range in us     Cumulative    IO count\n");
	for (b = 0; b < HIST_BUCKETS; b++) {
		if (!st->hist[b])
			continue;
		cum += st->hist[b];
		printf("%9.3f - %9.3f: %9.4f%%  (%9llu)\n", (double)hist_floor(b) / 1000.0,
		       (double)hist_floor(b + 1) / 1000.0, 100.0 * (double)cum / (double)st->ios,
		       (unsigned long long)st->hist[b]);
	}
	printf("\n");
}

/* A number printed with @fmt's digits ("%.2f"), as the table shows it. */
static void jnum(struct json_object *o, const char *key, const char *fmt, double v)
{
	char s[64];

	snprintf(s, sizeof(s), fmt, v);
	json_object_object_add(o, key, json_object_new_double_s(v, s));
}

/* The row's figures into @o; -L adds percentiles, -LL the histogram's buckets. */
static void json_row(struct json_object *o, const struct row *r, const struct stats *st)
{
	struct json_object *p, *h, *b;
	char key[32];
	unsigned i;

	jnum(o, "iops", "%.2f", r->iops);
	jnum(o, "mibps", "%.2f", r->mibps);
	jnum(o, "avg_us", "%.2f", r->avg);
	jnum(o, "min_us", "%.2f", r->min);
	jnum(o, "max_us", "%.2f", r->max);
	json_object_object_add(o, "ios", json_object_new_uint64(st->ios));
	if (!g_o.latency)
		return;
	p = json_object_new_object();
	for (i = 0; i < NPCTS; i++) {
		snprintf(key, sizeof(key), "%g", pcts[i]);
		jnum(p, key, "%.3f", percentile_us(st, pcts[i]));
	}
	json_object_object_add(o, "percentiles_us", p);
	if (g_o.latency < 2)
		return;
	/* the -LL table's rows: [start_us, end_us) with its count, empty ones left out */
	h = json_object_new_array();
	for (i = 0; i < HIST_BUCKETS; i++) {
		if (!st->hist[i])
			continue;
		b = json_object_new_object();
		jnum(b, "start_us", "%.3f", (double)hist_floor(i) / 1000.0);
		jnum(b, "end_us", "%.3f", (double)hist_floor(i + 1) / 1000.0);
		json_object_object_add(b, "count", json_object_new_uint64(st->hist[i]));
		json_object_array_add(h, b);
	}
	json_object_object_add(o, "histogram", h);
}

static struct json_object *json_head(void)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "workload", json_object_new_string(workload_names[g_o.workload]));
	json_object_object_add(o, "io_size", json_object_new_uint64(g_o.io_size));
	json_object_object_add(o, "queue_depth", json_object_new_int64(g_o.qd));
	json_object_object_add(o, "rwmixread", json_object_new_int(g_o.read_pct));
	json_object_object_add(o, "time_s", json_object_new_int64(g_o.seconds));
	json_object_object_add(o, "warmup_s", json_object_new_int64(g_o.warmup));
	json_object_object_add(o, "qpairs", json_object_new_int64(g_o.qpairs));
	if (g_o.zipf_theta)
		jnum(o, "zipf_theta", "%g", g_o.zipf_theta);
	return o;
}

static void json_print(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
					       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/*
 * --adaptive: what the queue pairs' waits did, summed (the learned gap and
 * lateness: their mean); naps and blocks added to @sleeps.
 */
static void adaptive_stats(struct nvd_qpair_wait_stats *sum, unsigned long long *sleeps)
{
	struct nvd_qpair_wait_stats s;
	int w, n, nq = 0;

	memset(sum, 0, sizeof(*sum));
	for (w = 0; w < g_nworkers; w++)
		for (n = 0; n < g_nns; n++) {
			s.size = sizeof(s);
			if (nvd_qpair_get_wait_stats(g_workers[w].ctxs[n].qp[0], &s))
				continue;
			sum->waits += s.waits;
			sum->spin_hits += s.spin_hits;
			sum->naps += s.naps;
			sum->blocks += s.blocks;
			sum->spin_gap_ns += s.spin_gap_ns;
			sum->sleep_gap_ns += s.sleep_gap_ns;
			sum->late_ns += s.late_ns;
			nq++;
		}
	if (nq) {
		sum->spin_gap_ns /= (uint64_t)nq;
		sum->sleep_gap_ns /= (uint64_t)nq;
		sum->late_ns /= (uint64_t)nq;
	}
	*sleeps += sum->naps + sum->blocks;
}

void perf_report(void)
{
	struct stats tot;
	struct row r, tr;
	double tot_iops = 0, tot_mibps = 0, cpu_s = 0, wall_s = 0, busy;
	unsigned long long sleeps = 0;
	struct nvd_qpair_wait_stats ws;
	struct json_object *doc = NULL, *devs = NULL, *d, *cpu;
	int w, n, width = 0;
	unsigned b;

	stats_reset(&tot);
	for (n = 0; n < g_nns; n++)
		if ((int)strlen(g_ns[n].name) > width)
			width = (int)strlen(g_ns[n].name);
	if (g_o.json) {
		doc = json_head();
		devs = json_object_new_array();
		json_object_object_add(doc, "devices", devs);
	} else {
		printf("========================================================\n");
		printf("%*s\n", width + 60, "Latency(us)");
		printf("%-*s: %10s %10s %10s %10s %10s\n", width + 13, "Device Information",
		       "IOPS", "MiB/s", "Average", "min", "max");
	}
	for (w = 0; w < g_nworkers; w++)
		for (n = 0; n < g_nns; n++) {
			struct ns_ctx *ctx = &g_workers[w].ctxs[n];

			r = make_row(&ctx->st, g_workers[w].elapsed_s);
			tot_iops += r.iops;
			tot_mibps += r.mibps;
			tot.ios += ctx->st.ios;
			tot.lat_sum_ns += ctx->st.lat_sum_ns;
			if (ctx->st.lat_min_ns < tot.lat_min_ns)
				tot.lat_min_ns = ctx->st.lat_min_ns;
			if (ctx->st.lat_max_ns > tot.lat_max_ns)
				tot.lat_max_ns = ctx->st.lat_max_ns;
			for (b = 0; b < HIST_BUCKETS; b++)
				tot.hist[b] += ctx->st.hist[b];
			if (g_o.json) {
				d = json_object_new_object();
				json_object_object_add(d, "name", json_object_new_string(ctx->ne->name));
				json_object_object_add(d, "traddr", json_object_new_string(ctx->ne->ce->bdf));
				json_object_object_add(d, "nsid", json_object_new_int64(nvd_ns_get_id(ctx->ne->ns)));
				json_object_object_add(d, "core", json_object_new_int(g_workers[w].core));
				json_object_object_add(d, "io_queue_size",
						       json_object_new_int64(ctx->ne->ce->qsize));
				json_row(d, &r, &ctx->st);
				json_object_array_add(devs, d);
			} else {
				printf("%-*.*s from core %2d: %10.2f %10.2f %10.2f %10.2f %10.2f\n",
				       width, width, ctx->ne->name, g_workers[w].core,
				       r.iops, r.mibps, r.avg, r.min, r.max);
			}
		}
	tr = make_row(&tot, 1.0);
	tr.iops = tot_iops;
	tr.mibps = tot_mibps;
	for (w = 0; w < g_nworkers; w++) {
		cpu_s += g_workers[w].cpu_s;
		wall_s += g_workers[w].wall_s;
		sleeps += (unsigned long long)g_workers[w].sleeps;
	}
	if (g_o.adaptive)
		adaptive_stats(&ws, &sleeps);
	busy = wall_s > 0 ? 100.0 * cpu_s / wall_s : 0;
	if (g_o.json) {
		d = json_object_new_object();
		json_row(d, &tr, &tot);
		json_object_object_add(doc, "total", d);
		cpu = json_object_new_object();
		json_object_object_add(cpu, "mode", json_object_new_string(
			g_o.adaptive ? "adaptive" : g_o.intr ? "interrupt" : "polling"));
		jnum(cpu, "busy_pct", "%.2f", busy);
		json_object_object_add(cpu, "sleeps", json_object_new_uint64(sleeps));
		if (g_o.adaptive) {
			json_object_object_add(cpu, "naps", json_object_new_uint64(ws.naps));
			json_object_object_add(cpu, "blocks", json_object_new_uint64(ws.blocks));
			json_object_object_add(cpu, "spin_hits", json_object_new_uint64(ws.spin_hits));
			jnum(cpu, "spin_gap_us", "%.1f", (double)ws.spin_gap_ns / 1e3);
			jnum(cpu, "sleep_gap_us", "%.1f", (double)ws.sleep_gap_ns / 1e3);
			jnum(cpu, "nap_late_us", "%.1f", (double)ws.late_ns / 1e3);
		}
		json_object_object_add(doc, "cpu", cpu);
		json_print(doc);
		return;
	}
	printf("========================================================\n");
	printf("%-*s: %10.2f %10.2f %10.2f %10.2f %10.2f\n", width + 13, "Total",
	       tr.iops, tr.mibps, tr.avg, tr.min, tr.max);
	printf("\n");
	printf("CPU (%s): worker threads busy %.2f%% of their wall time, %llu sleeps",
	       perf_mode_name(), busy, sleeps);
	if (g_o.adaptive)
		printf(" (%llu naps, %llu blocks; learned gap %.1f us polling, %.1f us sleeping; "
		       "naps late %.1f us)",
		       (unsigned long long)ws.naps, (unsigned long long)ws.blocks,
		       (double)ws.spin_gap_ns / 1e3, (double)ws.sleep_gap_ns / 1e3,
		       (double)ws.late_ns / 1e3);
	printf("\n\n");
	if (!g_o.latency)
		return;
	for (w = 0; w < g_nworkers; w++)
		for (n = 0; n < g_nns; n++)
			print_latency(g_ns[n].name, g_workers[w].core, &g_workers[w].ctxs[n].st);
}

/* One line per controller that was removed during the run; how many. */
static int report_removed(void)
{
	uint64_t aborted;
	int c, w, n, nremoved = 0;

	for (c = 0; c < g_nctrlrs; c++) {
		if (!nvd_ctrlr_is_failed(g_ctrlrs[c].ctrlr))
			continue;
		aborted = 0;
		for (w = 0; w < g_nworkers; w++)
			for (n = 0; n < g_nns; n++)
				if (g_workers[w].ctxs[n].ne->ce == &g_ctrlrs[c])
					aborted += g_workers[w].ctxs[n].failed;
		if (g_ctrlrs[c].trid.trtype == NVD_TRTYPE_TCP)
			fprintf(stderr, PROG ": %s (NVMe/TCP) went away while I/O was running: its connection was lost; %llu I/O in flight aborted\n",
				g_ctrlrs[c].bdf, (unsigned long long)aborted);
		else
			fprintf(stderr, PROG ": %s was removed while I/O was running (%s); %llu I/O in flight aborted\n",
				g_ctrlrs[c].bdf, nvd_strerror(-ENXIO), (unsigned long long)aborted);
		nremoved++;
	}
	return nremoved;
}

int perf_report_failures(void)
{
	struct ns_ctx *first = NULL, *serr = NULL;
	uint64_t failed = 0;
	int w, n, removed;

	removed = report_removed();
	for (w = 0; w < g_nworkers; w++)
		for (n = 0; n < g_nns; n++) {
			struct ns_ctx *ctx = &g_workers[w].ctxs[n];

			/* a removed controller's failures are that one line */
			if (nvd_ctrlr_is_failed(ctx->ne->ce->ctrlr))
				continue;
			failed += ctx->failed;
			if (ctx->failed && !first)
				first = ctx;
			if (ctx->submit_err && !serr)
				serr = ctx;
		}
	if (first)
		fprintf(stderr, PROG ": %llu I/O failed; first: %s NSID %u LBA %llu: %s\n",
			(unsigned long long)failed, first->ne->ce->bdf, nvd_ns_get_id(first->ne->ns),
			(unsigned long long)first->first_fail_lba, nvd_cpl_status_str(&first->first_fail));
	if (serr)
		fprintf(stderr, PROG ": %s NSID %u: submitting I/O failed: %s\n",
			serr->ne->ce->bdf, nvd_ns_get_id(serr->ne->ns), nvd_strerror(serr->submit_err));
	return first || serr || removed ? 1 : 0;
}
