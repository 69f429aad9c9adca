// SPDX-License-Identifier: MIT
/*
 * Fabrics commands over NVMe/TCP: Connect, Property Get/Set, and the
 * synchronous command exchange they run on (NVMe-oF 1.1 §3.3-3.5; data
 * transfer per NVMe/TCP Transport 1.0 §3.4: in-capsule data, C2HData,
 * R2T then H2CData).
 */
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "tcp/fabrics.h"

/* NVMe/TCP Transport 1.0 §3.4: an admin queue takes 8 KiB of in-capsule data */
#define TCP_ADMIN_INCAPSULE	8192u

static int protocol_error(struct nvd_tcp_conn *c, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int protocol_error(struct nvd_tcp_conn *c, const char *what, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	nvd__set_detail("%s: NVMe/TCP protocol error from %s: %s", what, c->peer, msg);
	return -EPROTO;
}

/* Answer an R2T: the asked range in H2CData PDUs of at most MAXH2CDATA bytes. */
static int send_h2c(struct nvd_tcp_conn *c, const struct nvme_tcp_r2t *r2t, const uint8_t *buf)
{
	uint8_t hdr[NVD_TCP_HDR_MAX] __attribute__((aligned(8)));
	struct nvme_tcp_data *d = (void *)hdr;
	uint32_t off = r2t->r2to, end = r2t->r2to + r2t->r2tl;
	int err;

	while (off < end) {
		uint32_t n = end - off < c->maxh2cdata ? end - off : c->maxh2cdata;
		uint8_t dgst[NVME_TCP_DIGEST_LEN];
		struct iovec iov[3];
		int cnt = 0;

		memset(d, 0, sizeof(*d));
		d->cccid = r2t->cccid;
		d->ttag = r2t->ttag;
		d->datao = off;
		d->datal = n;
		iov[cnt].iov_base = hdr;
		iov[cnt++].iov_len = nvd__tcp_hdr_finish(hdr, NVME_TCP_H2C_DATA, sizeof(*d),
							 off + n == end ? NVME_TCP_F_LAST : 0, n,
							 &c->tx);
		iov[cnt].iov_base = (void *)(buf + off);
		iov[cnt++].iov_len = n;
		if (c->tx.ddgst) {
			nvd__tcp_ddgst(buf + off, n, dgst);
			iov[cnt].iov_base = dgst;
			iov[cnt++].iov_len = sizeof(dgst);
		}
		err = nvd__tcp_conn_send(c, iov, cnt);
		if (err)
			return err;
		off += n;
	}
	return 0;
}

int nvd__tcp_exec(struct nvd_tcp_conn *c, struct nvme_cmd *cmd, void *buf, uint32_t len,
		  bool to_ctrl, uint32_t incapsule_max, const char *what, struct nvd_cpl *cpl)
{
	uint8_t hdr[NVD_TCP_HDR_MAX] __attribute__((aligned(8)));
	struct nvme_tcp_capsule_cmd *cc = (void *)hdr;
	bool incapsule = to_ctrl && len && len <= incapsule_max;
	uint8_t dgst[NVME_TCP_DIGEST_LEN];
	struct nvd_tcp_pdu pdu;
	struct iovec iov[3];
	char tb[16];
	int cnt = 0, err;

	cmd->cid = c->next_cid++;
	/* fabrics data is always described by SGL1 (NVMe-oF 1.1 §2.3.1) */
	cmd->flags = (cmd->flags & ~NVME_CMD_PSDT_MASK) | NVME_CMD_PSDT_SGL_MPTR_CONTIG;
	memset(&cmd->sgl1, 0, sizeof(cmd->sgl1));
	if (len) {
		cmd->sgl1.len = len;
		cmd->sgl1.id = incapsule ? NVME_SGL_ID_INCAPSULE : NVME_SGL_ID_TRANSPORT;
	}
	memset(cc, 0, sizeof(*cc));
	cc->sqe = *cmd;
	iov[cnt].iov_base = hdr;
	iov[cnt++].iov_len = nvd__tcp_hdr_finish(hdr, NVME_TCP_CAPSULE_CMD, sizeof(*cc), 0,
						 incapsule ? len : 0, &c->tx);
	if (incapsule) {
		iov[cnt].iov_base = buf;
		iov[cnt++].iov_len = len;
		if (c->tx.ddgst) {
			nvd__tcp_ddgst(buf, len, dgst);
			iov[cnt].iov_base = dgst;
			iov[cnt++].iov_len = sizeof(dgst);
		}
	}
	err = nvd__tcp_conn_send(c, iov, cnt);
	if (err)
		return err;

	for (;;) {
		const struct nvme_tcp_data *d;
		const struct nvme_tcp_r2t *r2t;

		err = nvd__tcp_conn_recv_hdr(c, &pdu, -1);
		if (err == -EAGAIN) {
			nvd__set_detail("%s: no response from %s within %u ms", what, c->peer,
					c->timeout_ms);
			return -ETIMEDOUT;
		}
		if (err)
			return err;
		switch (pdu.type) {
		case NVME_TCP_CAPSULE_RESP:
			*cpl = ((const struct nvme_tcp_capsule_resp *)pdu.hdr)->cqe;
			if (cpl->cid != cmd->cid)
				return protocol_error(c, what, "CapsuleResp for CID %u, waiting for %u",
						      cpl->cid, cmd->cid);
			goto done;
		case NVME_TCP_C2H_DATA:
			d = pdu.hdr;
			if (d->cccid != cmd->cid || to_ctrl || d->datao + d->datal > len)
				return protocol_error(c, what, "C2HData CCCID %u bytes %u+%u, for CID %u reading %u",
						      d->cccid, d->datao, d->datal, cmd->cid,
						      to_ctrl ? 0 : len);
			err = nvd__tcp_conn_recv_data(c, &pdu, (uint8_t *)buf + d->datao);
			if (err)
				return err;
			if (pdu.flags & NVME_TCP_F_SUCCESS) {
				/* §3.6.2.9: success without a CapsuleResp */
				memset(cpl, 0, sizeof(*cpl));
				cpl->cid = cmd->cid;
				goto done;
			}
			break;
		case NVME_TCP_R2T:
			r2t = pdu.hdr;
			if (r2t->cccid != cmd->cid || !to_ctrl || incapsule || r2t->r2to + r2t->r2tl > len)
				return protocol_error(c, what, "R2T CCCID %u bytes %u+%u, for CID %u writing %u",
						      r2t->cccid, r2t->r2to, r2t->r2tl, cmd->cid,
						      to_ctrl && !incapsule ? len : 0);
			err = send_h2c(c, r2t, buf);
			if (err)
				return err;
			break;
		default:
			return protocol_error(c, what, "unexpected %s",
					      nvd__tcp_type_str(pdu.type, tb));
		}
	}
done:
	if (nvd_cpl_is_error(cpl)) {
		nvd__set_detail("%s failed: %s", what, nvd_cpl_status_str(cpl));
		return -EIO;
	}
	return 0;
}

/*
 * NVMe-oF 1.1 Figure 21: which field an Invalid Parameters response points
 * at: DW0 bits 15:0 IPO (byte offset), bits 23:16 IATTR (bit 0 set: in the
 * Connect data, clear: in the command).
 */
static const char *invalid_field(uint32_t cdw0)
{
	unsigned ipo = cdw0 & 0xffff, iattr = (cdw0 >> 16) & 0xff;

	if (iattr & 1) {	/* in the Connect data */
		switch (ipo) {
		case 0: return "HOSTID";
		case 16: return "CNTLID";
		case 256: return "SUBNQN";
		case 512: return "HOSTNQN";
		}
		return "a field of the Connect data";
	}
	switch (ipo) {
	case 42: return "QID";
	case 44: return "SQSIZE";
	case 46: return "CATTR";
	case 48: return "KATO";
	}
	return "a field of the Connect command";
}

const char *nvd__tcp_connect_status_str(const struct nvd_cpl *cpl, char *buf, size_t len)
{
	unsigned sct = nvd_cpl_sct(cpl), sc = nvd_cpl_sc(cpl);
	const char *name = NULL;

	if (sct == NVME_SCT_CMD_SPECIFIC) {
		switch (sc) {
		case NVMF_SC_CONNECT_FORMAT: name = "Connect Incompatible Format"; break;
		case NVMF_SC_CONNECT_BUSY: name = "Connect Controller Busy"; break;
		case NVMF_SC_CONNECT_RESTART_DISC: name = "Connect Restart Discovery"; break;
		case NVMF_SC_CONNECT_INVALID_HOST: name = "Connect Invalid Host"; break;
		case NVMF_SC_INVALID_QUEUE_TYPE: name = "Invalid Queue Type"; break;
		case NVMF_SC_CONNECT_INVALID_PARAM:
			snprintf(buf, len, "Connect Invalid Parameters: %s (sct 0x%x sc 0x%x)",
				 invalid_field(cpl->cdw0), sct, sc);
			return buf;
		}
	}
	if (name)
		snprintf(buf, len, "%s (sct 0x%x sc 0x%x)", name, sct, sc);
	else
		snprintf(buf, len, "%s", nvd_status_str(sct, sc));
	return buf;
}

int nvd__tcp_connect(struct nvd_tcp_conn *c, uint16_t qid, uint16_t sqsize,
		     const struct nvd_tcp_host *host, const char *subnqn, uint32_t kato_ms,
		     uint16_t *cntlid)
{
	struct nvmf_connect_data data;
	struct nvme_cmd cmd;
	struct nvmf_connect_cmd *cc = (void *)&cmd;
	struct nvd_cpl cpl;
	char what[64], words[160];
	int err;

	if (!subnqn || !*subnqn)
		subnqn = NVME_DISC_NQN;
	if (strlen(subnqn) > NVD_NQN_MAX_LEN || sqsize == 0)
		return -EINVAL;
	memset(&data, 0, sizeof(data));
	memcpy(data.hostid, host->id, sizeof(data.hostid));
	data.cntlid = qid ? *cntlid : NVMF_CNTLID_DYNAMIC;
	strcpy(data.subnqn, subnqn);
	strcpy(data.hostnqn, host->nqn);

	memset(&cmd, 0, sizeof(cmd));
	cc->opc = NVME_OPC_FABRICS;
	cc->fctype = NVMF_FCTYPE_CONNECT;
	cc->qid = qid;
	cc->sqsize = sqsize - 1;
	cc->kato = qid ? 0 : kato_ms;

	snprintf(what, sizeof(what), "Connect (queue %u)", qid);
	/* Connect data travels in the capsule: NVMe/TCP controllers take 8 KiB on admin queues */
	err = nvd__tcp_exec(c, &cmd, &data, sizeof(data), true, TCP_ADMIN_INCAPSULE, what, &cpl);
	if (err == -EIO) {
		nvd__set_detail("Connect to %s at %s as %s: %s", subnqn, c->peer, host->nqn,
				nvd__tcp_connect_status_str(&cpl, words, sizeof(words)));
		return -EIO;
	}
	if (err)
		return err;
	if (!qid)
		*cntlid = cpl.cdw0 & 0xffff;
	return 0;
}

static int prop(struct nvd_tcp_conn *c, uint8_t fctype, uint32_t ofst, unsigned size,
		uint64_t *value)
{
	struct nvme_cmd cmd;
	struct nvmf_prop_cmd *pc = (void *)&cmd;
	struct nvd_cpl cpl;
	char what[48];
	int err;

	if (size != 4 && size != 8)
		return -EINVAL;
	memset(&cmd, 0, sizeof(cmd));
	pc->opc = NVME_OPC_FABRICS;
	pc->fctype = fctype;
	pc->attrib = size == 8;
	pc->ofst = ofst;
	if (fctype == NVMF_FCTYPE_PROP_SET)
		pc->value = *value;
	snprintf(what, sizeof(what), "Property %s 0x%x", fctype == NVMF_FCTYPE_PROP_SET ? "Set" : "Get",
		 ofst);
	err = nvd__tcp_exec(c, &cmd, NULL, 0, false, 0, what, &cpl);
	if (err)
		return err;
	if (fctype == NVMF_FCTYPE_PROP_GET)
		*value = size == 8 ? (uint64_t)cpl.rsvd << 32 | cpl.cdw0 : cpl.cdw0;
	return 0;
}

int nvd__tcp_prop_get(struct nvd_tcp_conn *c, uint32_t ofst, unsigned size, uint64_t *value)
{
	return prop(c, NVMF_FCTYPE_PROP_GET, ofst, size, value);
}

int nvd__tcp_prop_set(struct nvd_tcp_conn *c, uint32_t ofst, unsigned size, uint64_t value)
{
	return prop(c, NVMF_FCTYPE_PROP_SET, ofst, size, &value);
}

/* First line of @path without its newline; -errno when unreadable or empty. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int err = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, len, f))
		err = -ENODATA;
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return err ? err : buf[0] ? 0 : -ENODATA;
}

/* A UUID (8-4-4-4-12 hex digits with dashes, or the 32 digits alone) into 16 bytes. */
static int parse_uuid(const char *s, uint8_t id[16])
{
	unsigned n = 0;

	for (; *s && n < 32; s++) {
		if (*s == '-')
			continue;
		if (!isxdigit((unsigned char)*s))
			return -EINVAL;
		unsigned v = isdigit((unsigned char)*s) ? *s - '0' : (tolower((unsigned char)*s) - 'a' + 10);
		id[n / 2] = n % 2 ? id[n / 2] | v : v << 4;
		n++;
	}
	return n == 32 && !*s ? 0 : -EINVAL;
}

int nvd__tcp_host_default(struct nvd_tcp_host *h, const char *nqn)
{
	static const char uuid_prefix[] = "nqn.2014-08.org.nvmexpress:uuid:";
	char line[300];
	const uint8_t *u;

	memset(h, 0, sizeof(*h));
	if (nqn && *nqn) {
		if (strlen(nqn) > NVD_NQN_MAX_LEN)
			return -EINVAL;
		strcpy(h->nqn, nqn);
	} else if (!read_line("/etc/nvme/hostnqn", line, sizeof(line)) &&
		   strlen(line) <= NVD_NQN_MAX_LEN) {
		strcpy(h->nqn, line);
	}
	if (!read_line("/etc/nvme/hostid", line, sizeof(line)) && !parse_uuid(line, h->id))
		goto have_id;
	if (!strncmp(h->nqn, uuid_prefix, sizeof(uuid_prefix) - 1) &&
	    !parse_uuid(h->nqn + sizeof(uuid_prefix) - 1, h->id))
		goto have_id;
	/* derived from the machine ID: the same on every run on this host */
	if (read_line("/etc/machine-id", line, sizeof(line)) || parse_uuid(line, h->id)) {
		nvd__set_detail("NVMe/TCP: no host ID: neither /etc/nvme/hostid nor /etc/machine-id is usable");
		return -ENOENT;
	}
	h->id[6] = (h->id[6] & 0x0f) | 0x40;	/* RFC 4122 version 4 layout */
	h->id[8] = (h->id[8] & 0x3f) | 0x80;
have_id:
	if (!h->nqn[0]) {
		u = h->id;
		snprintf(h->nqn, sizeof(h->nqn),
			 "%s%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 uuid_prefix, u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
			 u[10], u[11], u[12], u[13], u[14], u[15]);
	}
	return 0;
}
