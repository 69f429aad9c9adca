// SPDX-License-Identifier: MIT
/*
 * NVMe over Fabrics discovery over NVMe/TCP: connect to a discovery
 * controller, enable it, read the Discovery Log Page (LID 70h, Base 2.0
 * §5.16.1.23) and shut it down.  A discovery controller is brought up
 * like any fabrics controller (NVMe-oF 1.1 §3.5: Connect, then CC.EN by
 * Property Set and CSTS.RDY by Property Get) but has no I/O queues and
 * serves only Identify, Get Log Page and Keep Alive (§5.1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nvdirect/discovery.h>

#include "core/admin_cmds.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/export.h"
#include "tcp/disc_log.h"
#include "tcp/fabrics.h"

#define DISC_AQ_SIZE		32	/* admin queue entries: the host picks (≤ ASQSZ) */
#define DISC_PIECE		4096u	/* Get Log Page bytes per command */
#define DISC_MAX_RECORDS	4096u	/* 4 MiB of log: more is a broken controller */
#define DISC_GENCTR_TRIES	8	/* reads while the log keeps changing */
#define DISC_SHUTDOWN_MS	1000	/* how long a clean shutdown may take */

/* One Get Log Page 70h command for @len bytes at @off. */
static int get_log(struct nvd_tcp_conn *c, void *buf, uint32_t len, uint64_t off)
{
	uint32_t numd = len / 4 - 1;	/* 0-based dwords */
	struct nvme_cmd cmd = {
		.opc = NVME_ADM_GET_LOG_PAGE,
		.cdw10 = NVME_LOG_CDW10(NVME_LOG_DISCOVERY, numd),
		.cdw11 = NVME_LOG_CDW11(numd),
		.cdw12 = (uint32_t)off,
		.cdw13 = (uint32_t)(off >> 32),
	};
	struct nvd_cpl cpl;
	char what[64];
	int err;

	snprintf(what, sizeof(what), "Get Log Page 70h (%u bytes at %llu)", len,
		 (unsigned long long)off);
	memset(buf, 0, len);	/* what the controller does not send stays zero */
	err = nvd__tcp_exec(c, &cmd, buf, len, false, 0, what, &cpl);
	if (err == -EIO)
		nvd__set_detail("%s is not a discovery controller: %s: %s", c->peer, what,
				nvd_cpl_status_str(&cpl));
	return err;
}

/*
 * Poll CSTS until (CSTS & @mask) == @want or @ms pass.  CAP.TO bounds
 * the wait for RDY (Base 2.0 §3.1.3.1); the shutdown gets DISC_SHUTDOWN_MS.
 */
static int wait_csts(struct nvd_tcp_conn *c, uint32_t mask, uint32_t want, uint32_t ms,
		     const char *what)
{
	uint64_t deadline = nvd__now_ms() + ms, csts;
	int err;

	for (;;) {
		err = nvd__tcp_prop_get(c, NVME_REG_CSTS, 4, &csts);
		if (err)
			return err;
		if (csts & NVME_CSTS_CFS) {
			nvd__set_detail("discovery controller at %s: fatal status (CSTS.CFS) during %s",
					c->peer, what);
			return -EIO;
		}
		if ((csts & mask) == want)
			return 0;
		if (nvd__now_ms() >= deadline) {
			nvd__set_detail("discovery controller at %s: timed out after %u ms waiting for %s",
					c->peer, ms, what);
			return -ETIMEDOUT;
		}
		nvd__sleep_ms(1);
	}
}

/* Connect the admin queue, then CC.EN=1 and wait for CSTS.RDY=1. */
static int disc_enable(struct nvd_tcp_conn *c, const struct nvd_trid *trid)
{
	struct nvd_tcp_host host;
	uint64_t cap;
	uint16_t cntlid;
	uint32_t cc, to_ms;
	int err;

	err = nvd__tcp_host_default(&host, trid->hostnqn);
	if (err)
		return err;
	/* KATO 0: a one-shot discovery needs no keep alive (NVMe-oF 1.1 §7.4.3) */
	err = nvd__tcp_connect(c, 0, DISC_AQ_SIZE, &host, trid->subnqn, 0, &cntlid);
	if (err)
		return err;
	err = nvd__tcp_prop_get(c, NVME_REG_CAP, 8, &cap);
	if (err)
		return err;
	to_ms = NVME_CAP_TO(cap) ? NVME_CAP_TO(cap) * 500 : 500;
	/* the NVM command set's entry sizes, as Linux sets them on every controller */
	cc = NVME_CC_EN | NVME_CC_CSS_NVM | NVME_CC_MPS(0) | NVME_CC_AMS_RR | NVME_CC_IOSQES(6) |
	     NVME_CC_IOCQES(4);
	err = nvd__tcp_prop_set(c, NVME_REG_CC, 4, cc);
	if (err)
		return err;
	return wait_csts(c, NVME_CSTS_RDY, NVME_CSTS_RDY, to_ms, "CSTS.RDY=1 (enable)");
}

/* Normal shutdown (CC.SHN=01b), best effort: the log is already read. */
static void disc_shutdown(struct nvd_tcp_conn *c)
{
	uint32_t cc = NVME_CC_EN | NVME_CC_IOSQES(6) | NVME_CC_IOCQES(4) | NVME_CC_SHN_NORMAL;

	if (!nvd__tcp_prop_set(c, NVME_REG_CC, 4, cc))
		wait_csts(c, NVME_CSTS_SHST_MASK, NVME_CSTS_SHST_DONE, DISC_SHUTDOWN_MS,
			  "CSTS.SHST=10b (shutdown)");
}

/* @n chars of a space/NUL padded ASCII field, trimmed, into @dst. */
static void field_str(char *dst, size_t dst_len, const char *src, size_t n)
{
	size_t len = strnlen(src, n);

	while (len && src[len - 1] == ' ')
		len--;
	if (len >= dst_len)
		len = dst_len - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static void entry_from_wire(struct nvd_discovery_entry *e, const struct nvmf_disc_entry *w)
{
	memset(e, 0, sizeof(*e));
	e->trtype = w->trtype;
	e->adrfam = w->adrfam;
	e->subtype = w->subtype;
	e->treq = w->treq;
	e->portid = w->portid;
	e->cntlid = w->cntlid;
	e->asqsz = w->asqsz;
	e->eflags = w->eflags;
	e->sectype = w->trtype == NVD_TRTYPE_TCP ? w->tsas.tcp.sectype : 0;
	field_str(e->trsvcid, sizeof(e->trsvcid), w->trsvcid, sizeof(w->trsvcid));
	field_str(e->traddr, sizeof(e->traddr), w->traddr, sizeof(w->traddr));
	field_str(e->subnqn, sizeof(e->subnqn), w->subnqn, sizeof(w->subnqn));
}

/*
 * Header, records, header again: the records are one generation when
 * GENCTR did not move (Base 2.0 §5.16.1.23: the host re-reads until it
 * holds a consistent log).  *@log gets the records, malloc'd.
 */
static int read_log(struct nvd_tcp_conn *c, struct nvmf_disc_entry **log, uint32_t *numrec,
		    uint64_t *genctr)
{
	struct nvmf_disc_hdr hdr, again;
	struct nvmf_disc_entry *rec = NULL;
	uint64_t len, off;
	uint32_t i;
	int tries, err;

	for (tries = 0; tries < DISC_GENCTR_TRIES; tries++) {
		err = get_log(c, &hdr, sizeof(hdr), 0);
		if (err)
			goto err_free;
		if (hdr.numrec > DISC_MAX_RECORDS) {
			nvd__set_detail("discovery log from %s: NUMREC %llu exceeds the %u records this library reads",
					c->peer, (unsigned long long)hdr.numrec, DISC_MAX_RECORDS);
			err = -EPROTO;
			goto err_free;
		}
		free(rec);
		len = hdr.numrec * NVMF_DISC_ENTRY_SIZE;
		rec = malloc(len ? len : 1);
		if (!rec) {
			err = -ENOMEM;
			goto err_free;
		}
		for (off = 0; off < len; off += DISC_PIECE) {
			uint32_t n = len - off < DISC_PIECE ? (uint32_t)(len - off) : DISC_PIECE;

			err = get_log(c, (uint8_t *)rec + off, n, sizeof(hdr) + off);
			if (err)
				goto err_free;
		}
		err = get_log(c, &again, 16, 0);	/* GENCTR and NUMREC */
		if (err)
			goto err_free;
		if (again.genctr == hdr.genctr && again.numrec == hdr.numrec)
			goto consistent;
		nvd__dbg("discovery log from %s: GENCTR %llu became %llu while reading, again",
			 c->peer, (unsigned long long)hdr.genctr, (unsigned long long)again.genctr);
	}
	nvd__set_detail("discovery log from %s kept changing: GENCTR moved during each of %d reads",
			c->peer, DISC_GENCTR_TRIES);
	err = -EAGAIN;
	goto err_free;

consistent:
	/* SUBTYPE 0 is reserved: a record left zero is one the controller did not send */
	for (i = 0; i < hdr.numrec; i++)
		if (!rec[i].subtype) {
			nvd__set_detail("discovery log from %s is short: record %u of NUMREC %llu is empty",
					c->peer, i, (unsigned long long)hdr.numrec);
			err = -EPROTO;
			goto err_free;
		}
	*log = rec;
	*numrec = (uint32_t)hdr.numrec;
	*genctr = hdr.genctr;
	return 0;
err_free:
	free(rec);
	return err;
}

NVD_EXPORT int nvd_discover(const struct nvd_trid *trid, struct nvd_discovery_entry **entries,
			    uint32_t *n, uint64_t *genctr)
{
	struct nvd_tcp_conn c;
	struct nvmf_disc_entry *log = NULL;
	struct nvd_discovery_entry *e;
	uint32_t numrec = 0, i;
	uint64_t gen = 0;
	int err;

	nvd__clear_detail();
	if (!trid || !entries || !n)
		return -EINVAL;
	if (trid->trtype != NVD_TRTYPE_TCP) {
		nvd__set_detail("discovery is an NVMe over Fabrics service: trtype:%s has none (use trtype:TCP)",
				nvd_trtype_str(trid->trtype));
		return -EPROTONOSUPPORT;
	}
	err = nvd__tcp_conn_open(&c, trid, NULL);
	if (err)
		return err;
	err = disc_enable(&c, trid);
	if (err)
		goto err_close;
	err = read_log(&c, &log, &numrec, &gen);
	if (err)
		goto err_close;
	disc_shutdown(&c);
	nvd__tcp_conn_close(&c);

	e = calloc(numrec ? numrec : 1, sizeof(*e));
	if (!e) {
		free(log);
		return -ENOMEM;
	}
	for (i = 0; i < numrec; i++)
		entry_from_wire(&e[i], &log[i]);
	free(log);
	nvd__clear_detail();
	*entries = e;
	*n = numrec;
	if (genctr)
		*genctr = gen;
	return 0;

err_close:
	nvd__tcp_conn_close(&c);
	return err;
}

NVD_EXPORT void nvd_discovery_free(struct nvd_discovery_entry *entries)
{
	free(entries);
}

NVD_EXPORT int nvd_discovery_entry_trid(const struct nvd_discovery_entry *e, struct nvd_trid *trid)
{
	if (!e || !trid)
		return -EINVAL;
	nvd__clear_detail();
	if (e->trtype != NVD_TRTYPE_TCP) {
		nvd__set_detail("discovery entry for %s is trtype %s, which this library cannot reach",
				e->subnqn, nvd_disc_trtype_str(e->trtype));
		return -EPROTONOSUPPORT;
	}
	if (!e->traddr[0] || !e->subnqn[0]) {
		nvd__set_detail("discovery entry without %s", e->traddr[0] ? "SUBNQN" : "TRADDR");
		return -EINVAL;
	}
	memset(trid, 0, sizeof(*trid));
	trid->trtype = NVD_TRTYPE_TCP;
	trid->adrfam = e->adrfam == NVD_ADRFAM_IPV6 ? NVD_ADRFAM_IPV6 : NVD_ADRFAM_IPV4;
	strcpy(trid->traddr, e->traddr);
	strcpy(trid->trsvcid, e->trsvcid[0] ? e->trsvcid : "4420");
	strcpy(trid->subnqn, e->subnqn);
	return 0;
}
