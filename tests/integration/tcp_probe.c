// SPDX-License-Identifier: MIT
/*
 * nvd_tcp_probe -r TRID [-H] [-D] [-n HOSTNQN]: bring up an NVMe/TCP
 * controller's admin queue with the library's TCP pieces (lib/tcp/) one
 * by one, below nvd_ctrlr_connect(), so each step can be checked alone:
 * ICReq/ICResp, Fabrics Connect (QID 0, CNTLID FFFFh), Property Get
 * CAP/VS, Property Set CC.EN=1 and Property Get CSTS until RDY, Identify
 * Controller.  Prints "key : value" lines (t_tcp.sh compares them with the
 * target's configuration); one line of words and exit 1 on failure.
 * -H/-D ask for header/data digests.
 *
 * With -W FILE or -R FILE it then opens I/O queue 1 on its own connection
 * (lib/tcp/qpair.c) and moves FILE's bytes from LBA 0 of namespace 1 at
 * QD16, in commands of 4, 32 and 12 KiB in turn (in-capsule writes and
 * writes after R2T both): -W writes FILE, reads it back and compares; -R
 * reads and compares with FILE (what the kernel's initiator wrote).  -l N
 * reads and compares N times (t_tcp.sh takes the target away meanwhile).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nvdirect.h>
#include <nvdirect/trid.h>

#include "core/clock.h"
#include "core/nvme_spec.h"
#include "tcp/conn.h"
#include "tcp/fabrics.h"
#include "tcp/qpair.h"

#define PROG "nvd_tcp_probe"

static int die(const char *step, int err)
{
	const char *detail = nvd_last_error();

	fprintf(stderr, PROG ": %s: %s%s%s\n", step, nvd_strerror(err), *detail ? ": " : "", detail);
	return 1;
}

/* Identify strings are space padded, not terminated. */
static void print_str(const char *key, const char *s, size_t len)
{
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\0'))
		len--;
	printf("%-9s : %.*s\n", key, (int)len, s);
}

static int wait_ready(struct nvd_tcp_conn *c, uint64_t cap)
{
	/* CAP.TO: worst case from CC.EN=1 to CSTS.RDY=1, in 500 ms units */
	uint64_t deadline = nvd__now_ms() + (NVME_CAP_TO(cap) + 1) * 500ull;
	uint64_t csts;
	int err;

	for (;;) {
		err = nvd__tcp_prop_get(c, NVME_REG_CSTS, 4, &csts);
		if (err)
			return err;
		if (csts & NVME_CSTS_CFS)
			return -EIO;
		if (csts & NVME_CSTS_RDY)
			return 0;
		if (nvd__now_ms() > deadline)
			return -ETIMEDOUT;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
}

#define QD	16
static const uint32_t chunk_kib[] = { 4, 32, 12 };

struct io {
	uint64_t off;
	int done;
	struct nvd_cpl cpl;
};

static void io_done(void *arg, const struct nvd_cpl *cpl)
{
	struct io *io = arg;

	io->done = 1;
	io->cpl = *cpl;
}

/*
 * Move @len bytes between @buf and the namespace from LBA 0, at most QD
 * commands in flight; 0, or 1 with words.
 */
static int move(struct nvd_tcp_qpair *q, uint8_t *buf, uint64_t len, uint32_t lba_bytes,
		bool write, unsigned *incapsule, unsigned *r2t, uint32_t incapsule_max)
{
	struct io ios[QD];
	uint64_t off = 0;
	unsigned inflight = 0, i, k = 0, cmds = 0;
	int32_t n;
	int err;

	memset(ios, 0, sizeof(ios));
	for (i = 0; i < QD; i++)
		ios[i].done = -1;	/* free */
	while (off < len || inflight) {
		for (i = 0; i < QD && off < len; i++) {
			struct nvme_cmd cmd;
			uint32_t bytes = chunk_kib[k % 3] * 1024;

			if (ios[i].done != -1)
				continue;
			if (bytes > len - off)
				bytes = len - off;
			memset(&cmd, 0, sizeof(cmd));
			cmd.opc = write ? NVME_CMD_WRITE : NVME_CMD_READ;
			cmd.nsid = 1;
			cmd.cdw10 = (uint32_t)(off / lba_bytes);
			cmd.cdw11 = (uint32_t)(off / lba_bytes >> 32);
			cmd.cdw12 = bytes / lba_bytes - 1;
			ios[i].off = off;
			ios[i].done = 0;
			err = nvd__tcp_qpair_submit(q, &cmd, buf + off, bytes, write, io_done, &ios[i]);
			if (err)
				return die(write ? "write" : "read", err);
			if (write && bytes <= incapsule_max)
				(*incapsule)++;
			else if (write)
				(*r2t)++;
			off += bytes;
			inflight++;
			cmds++;
			k++;
		}
		n = nvd__tcp_qpair_process_completions(q, 0);
		if (n < 0)
			return die(write ? "write completions" : "read completions", n);
		for (i = 0; i < QD; i++) {
			if (ios[i].done != 1)
				continue;
			if (nvd_cpl_is_error(&ios[i].cpl)) {
				fprintf(stderr, PROG ": %s at byte %llu: %s\n", write ? "write" : "read",
					(unsigned long long)ios[i].off, nvd_cpl_status_str(&ios[i].cpl));
				return 1;
			}
			ios[i].done = -1;
			inflight--;
		}
	}
	printf("%-9s : %llu bytes in %u commands at QD%u\n", write ? "written" : "read",
	       (unsigned long long)len, cmds, QD);
	return 0;
}

/* The first differing LBA of @got against @want, in words; 0 when equal. */
static int compare(const uint8_t *got, const uint8_t *want, uint64_t len, uint32_t lba_bytes,
		   const char *file)
{
	uint64_t i;

	for (i = 0; i < len; i += lba_bytes)
		if (memcmp(got + i, want + i, lba_bytes)) {
			fprintf(stderr, PROG ": LBA %llu read back differs from %s\n",
				(unsigned long long)(i / lba_bytes), file);
			return 1;
		}
	return 0;
}

static int read_file(const char *path, uint8_t **buf, uint64_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, PROG ": cannot read %s\n", path);
		if (f)
			fclose(f);
		return 1;
	}
	*buf = malloc(n);
	if (!*buf || fread(*buf, 1, n, f) != (size_t)n) {
		fprintf(stderr, PROG ": cannot read %s\n", path);
		fclose(f);
		return 1;
	}
	fclose(f);
	*len = n;
	return 0;
}

/*
 * -W/-R: Set Features Number of Queues, Identify Namespace 1, then I/O
 * queue 1 on its own connection with the admin queue's CNTLID.
 */
static int io_queue(struct nvd_tcp_conn *admin, const struct nvd_trid *trid,
		    const struct nvd_tcp_conn_opts *copts, const struct nvd_tcp_host *host,
		    uint16_t cntlid, const struct nvd_id_ctrl *id, const char *file, bool write,
		    unsigned loops)
{
	struct nvd_tcp_qpair_opts o = {
		.qid = 1, .qsize = 32, .cntlid = cntlid, .host = host, .subnqn = trid->subnqn,
		.incapsule_max = nvd__tcp_incapsule_max(id), .conn = *copts,
	};
	struct nvd_tcp_qpair *q;
	struct nvd_id_ns *ns;
	struct nvme_cmd cmd;
	struct nvd_cpl cpl;
	uint8_t *want = NULL, *got = NULL;
	unsigned incapsule = 0, r2t = 0;
	uint32_t lba_bytes;
	uint64_t len;
	int err, rc = 1;

	if (read_file(file, &want, &len))
		return 1;
	ns = aligned_alloc(4096, sizeof(*ns));
	got = calloc(1, len);
	if (!ns || !got)
		return die("buffers", -ENOMEM);
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = NVME_ADM_SET_FEATURES;
	cmd.cdw10 = NVME_FEAT_NUM_QUEUES;
	cmd.cdw11 = 0;		/* one SQ and one CQ, 0-based */
	err = nvd__tcp_exec(admin, &cmd, NULL, 0, false, 0, "Set Features Number of Queues", &cpl);
	if (err) {
		rc = die("set features", err);
		goto out;
	}
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = NVME_ADM_IDENTIFY;
	cmd.nsid = 1;
	err = nvd__tcp_exec(admin, &cmd, ns, sizeof(*ns), false, 0, "Identify Namespace 1", &cpl);
	if (err) {
		rc = die("identify namespace", err);
		goto out;
	}
	lba_bytes = 1u << ns->lbaf[nvd_flbas_index(ns->flbas)].lbads;
	if (len % lba_bytes || len > ns->nsze * lba_bytes) {
		fprintf(stderr, PROG ": %s is %llu bytes: not whole %u-byte LBAs within the %llu of namespace 1\n",
			file, (unsigned long long)len, lba_bytes, (unsigned long long)ns->nsze);
		goto out;
	}
	printf("%-9s : %u bytes\n", "incapsule", o.incapsule_max);
	err = nvd__tcp_qpair_create(&q, &o);
	if (err) {
		rc = die("I/O queue", err);
		goto out;
	}
	err = nvd__tcp_qpair_connect(q, trid);
	if (err) {
		rc = die("I/O queue connect", err);
		goto out_destroy;
	}
	printf("%-9s : qid 1, %u entries, digests header %s data %s\n", "ioq", o.qsize,
	       nvd__tcp_qpair_conn(q)->tx.hdgst ? "on" : "off",
	       nvd__tcp_qpair_conn(q)->tx.ddgst ? "on" : "off");
	if (write) {
		if (move(q, want, len, lba_bytes, true, &incapsule, &r2t, o.incapsule_max))
			goto out_destroy;
		printf("%-9s : %u in-capsule, %u after R2T\n", "writes", incapsule, r2t);
	}
	while (loops--) {
		if (move(q, got, len, lba_bytes, false, &incapsule, &r2t, o.incapsule_max) ||
		    compare(got, want, len, lba_bytes, file))
			goto out_destroy;
		fflush(stdout);
	}
	printf("%-9s : %s\n", "compare", "match");
	rc = 0;
out_destroy:
	nvd__tcp_qpair_destroy(q);
out:
	free(got);
	free(ns);
	free(want);
	return rc;
}

int main(int argc, char **argv)
{
	struct nvd_tcp_conn_opts opts = { 0 };
	struct nvd_tcp_conn conn;
	struct nvd_tcp_host host;
	struct nvd_trid trid;
	struct nvd_id_ctrl *id;
	struct nvme_cmd cmd;
	struct nvd_cpl cpl;
	const char *r = NULL, *hostnqn = NULL, *wfile = NULL, *rfile = NULL;
	uint64_t cap, vs;
	uint16_t cntlid = 0;
	unsigned loops = 1;
	int opt, err;

	while ((opt = getopt(argc, argv, "r:HDn:W:R:l:")) != -1) {
		switch (opt) {
		case 'r': r = optarg; break;
		case 'W': wfile = optarg; break;
		case 'R': rfile = optarg; break;
		case 'l': loops = strtoul(optarg, NULL, 0); break;
		case 'H': opts.hdgst = true; break;
		case 'D': opts.ddgst = true; break;
		case 'n': hostnqn = optarg; break;
		default:
			fprintf(stderr, "usage: " PROG " -r TRID [-H] [-D] [-n HOSTNQN]"
				" [-W FILE | -R FILE [-l N]]\n");
			return 2;
		}
	}
	if (!r) {
		fprintf(stderr, PROG ": -r TRID is required\n");
		return 2;
	}
	err = nvd_trid_parse(&trid, r);
	if (err)
		return die("-r", err);
	if (trid.trtype != NVD_TRTYPE_TCP) {
		fprintf(stderr, PROG ": -r '%s' is not trtype:TCP\n", r);
		return 2;
	}
	err = nvd__tcp_host_default(&host, hostnqn ? hostnqn : trid.hostnqn);
	if (err)
		return die("host NQN", err);
	id = aligned_alloc(4096, sizeof(*id));
	if (!id)
		return die("identify buffer", -ENOMEM);

	err = nvd__tcp_conn_open(&conn, &trid, &opts);
	if (err)
		return die("connect", err);
	printf("%-9s : header %s, data %s, data alignment %u, maxh2cdata %u\n", "digests",
	       conn.tx.hdgst ? "on" : "off", conn.tx.ddgst ? "on" : "off", conn.tx.data_align,
	       conn.maxh2cdata);
	err = nvd__tcp_connect(&conn, 0, 32, &host, trid.subnqn, 0, &cntlid);
	if (err)
		goto fail_connect;
	printf("%-9s : %s\n", "hostnqn", host.nqn);
	printf("%-9s : %u\n", "cntlid", cntlid);

	err = nvd__tcp_prop_get(&conn, NVME_REG_CAP, 8, &cap);
	if (!err)
		err = nvd__tcp_prop_get(&conn, NVME_REG_VS, 4, &vs);
	if (err)
		goto fail_prop;
	printf("%-9s : 0x%016llx (mqes %u, to %u)\n", "cap", (unsigned long long)cap,
	       NVME_CAP_MQES(cap) + 1, NVME_CAP_TO(cap));
	printf("%-9s : %u.%u.%u\n", "vs", (unsigned)(vs >> 16), (unsigned)(vs >> 8) & 0xff,
	       (unsigned)vs & 0xff);
	err = nvd__tcp_prop_set(&conn, NVME_REG_CC, 4,
				NVME_CC_EN | NVME_CC_CSS_NVM | NVME_CC_MPS(0) | NVME_CC_AMS_RR |
				NVME_CC_IOSQES(NVME_SQES_LOG2) | NVME_CC_IOCQES(NVME_CQES_LOG2));
	if (!err)
		err = wait_ready(&conn, cap);
	if (err)
		goto fail_enable;
	printf("%-9s : CSTS.RDY=1\n", "enabled");

	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = NVME_ADM_IDENTIFY;
	cmd.cdw10 = 1;		/* CNS 01h: Identify Controller */
	err = nvd__tcp_exec(&conn, &cmd, id, sizeof(*id), false, 0, "Identify Controller", &cpl);
	if (err)
		goto fail_identify;
	print_str("mn", id->mn, sizeof(id->mn));
	print_str("sn", id->sn, sizeof(id->sn));
	print_str("fr", id->fr, sizeof(id->fr));
	print_str("subnqn", id->subnqn, sizeof(id->subnqn));
	err = 0;
	if (wfile || rfile)
		err = io_queue(&conn, &trid, &opts, &host, cntlid, id, wfile ? wfile : rfile, !!wfile,
			       loops);
	nvd__tcp_conn_close(&conn);
	free(id);
	return err;

fail_identify:
	die("identify", err);
	goto out;
fail_enable:
	die("enable", err);
	goto out;
fail_prop:
	die("property get", err);
	goto out;
fail_connect:
	die("fabrics connect", err);
out:
	nvd__tcp_conn_close(&conn);
	free(id);
	return 1;
}
