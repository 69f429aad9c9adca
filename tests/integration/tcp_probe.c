// SPDX-License-Identifier: MIT
/*
 * nvd_tcp_probe -r TRID [-H] [-D] [-n HOSTNQN]: bring up an NVMe/TCP
 * controller's admin queue with the library's TCP pieces (lib/tcp/), the
 * way the controller code will once the transport split wires them in:
 * ICReq/ICResp, Fabrics Connect (QID 0, CNTLID FFFFh), Property Get
 * CAP/VS, Property Set CC.EN=1 and Property Get CSTS until RDY, Identify
 * Controller.  Prints "key : value" lines (t_tcp.sh compares them with the
 * target's configuration); one line of words and exit 1 on failure.
 * -H/-D ask for header/data digests.
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

int main(int argc, char **argv)
{
	struct nvd_tcp_conn_opts opts = { 0 };
	struct nvd_tcp_conn conn;
	struct nvd_tcp_host host;
	struct nvd_trid trid;
	struct nvd_id_ctrl *id;
	struct nvme_cmd cmd;
	struct nvd_cpl cpl;
	const char *r = NULL, *hostnqn = NULL;
	uint64_t cap, vs;
	uint16_t cntlid = 0;
	int opt, err;

	while ((opt = getopt(argc, argv, "r:HDn:")) != -1) {
		switch (opt) {
		case 'r': r = optarg; break;
		case 'H': opts.hdgst = true; break;
		case 'D': opts.ddgst = true; break;
		case 'n': hostnqn = optarg; break;
		default:
			fprintf(stderr, "usage: " PROG " -r TRID [-H] [-D] [-n HOSTNQN]\n");
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
	nvd__tcp_conn_close(&conn);
	free(id);
	return 0;

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
