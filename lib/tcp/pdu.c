// SPDX-License-Identifier: MIT
/*
 * NVMe/TCP PDUs: build the ones a host sends, check every byte of the ones
 * it receives before anything acts on them (NVMe/TCP Transport 1.0, §3.6).
 * A malformed PDU is a fatal transport error (§3.6.2.4): the caller tears
 * the connection down; here it only gets -EPROTO or -EBADMSG and words.
 * Nothing on these paths allocates.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "tcp/crc32c.h"
#include "tcp/pdu.h"

static const char *const type_names[] = {
	[NVME_TCP_ICREQ] = "ICReq",
	[NVME_TCP_ICRESP] = "ICResp",
	[NVME_TCP_H2C_TERM] = "H2CTermReq",
	[NVME_TCP_C2H_TERM] = "C2HTermReq",
	[NVME_TCP_CAPSULE_CMD] = "CapsuleCmd",
	[NVME_TCP_CAPSULE_RESP] = "CapsuleResp",
	[NVME_TCP_H2C_DATA] = "H2CData",
	[NVME_TCP_C2H_DATA] = "C2HData",
	[NVME_TCP_R2T] = "R2T",
};

const char *nvd__tcp_type_str(uint8_t type, char buf[16])
{
	if (type < sizeof(type_names) / sizeof(type_names[0]) && type_names[type])
		return type_names[type];
	snprintf(buf, 16, "type 0x%02x", type);
	return buf;
}

const char *nvd__tcp_fes_str(uint16_t fes)
{
	switch (fes) {
	case NVME_TCP_FES_INVALID_HDR: return "Invalid PDU Header Field";
	case NVME_TCP_FES_SEQUENCE: return "PDU Sequence Error";
	case NVME_TCP_FES_HDGST: return "Header Digest Error";
	case NVME_TCP_FES_DATA_RANGE: return "Data Transfer Out of Range";
	case NVME_TCP_FES_LIMIT: return "R2T/Data Transfer Limit Exceeded";
	case NVME_TCP_FES_UNSUPPORTED: return "Unsupported Parameter";
	default: return "unknown fatal error status";
	}
}

/* Per type (Figures 21-31): header length, who sends it, what it may carry. */
struct type_rule {
	uint8_t hlen;
	bool to_ctrl;		/* sent by the host */
	bool digests;		/* header (and data) digest apply */
	bool data;		/* may carry data at PDO */
};

static const struct type_rule *rule_of(uint8_t type)
{
	static const struct type_rule rules[] = {
		[NVME_TCP_ICREQ] = { 128, true, false, false },
		[NVME_TCP_ICRESP] = { 128, false, false, false },
		[NVME_TCP_H2C_TERM] = { 24, true, false, false },
		[NVME_TCP_C2H_TERM] = { 24, false, false, false },
		[NVME_TCP_CAPSULE_CMD] = { 72, true, true, true },
		[NVME_TCP_CAPSULE_RESP] = { 24, false, true, false },
		[NVME_TCP_H2C_DATA] = { 24, true, true, true },
		[NVME_TCP_C2H_DATA] = { 24, false, true, true },
		[NVME_TCP_R2T] = { 24, false, true, false },
	};

	if (type >= sizeof(rules) / sizeof(rules[0]) || rules[type].hlen == 0)
		return NULL;
	return &rules[type];
}

static bool is_term(uint8_t type)
{
	return type == NVME_TCP_H2C_TERM || type == NVME_TCP_C2H_TERM;
}

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad(const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	nvd__set_detail("malformed NVMe/TCP PDU: %s", msg);
	return -EPROTO;
}

int nvd__tcp_ch_check(const struct nvme_tcp_ch *ch, const struct nvd_tcp_dir *rx,
		      uint32_t *hdr_bytes)
{
	const struct type_rule *r = rule_of(ch->type);
	char tb[16];
	const char *name = nvd__tcp_type_str(ch->type, tb);
	uint32_t hd, dd, need;

	if (!r || r->to_ctrl != rx->to_ctrl)
		return bad("%s is not a PDU the %s sends", name, rx->to_ctrl ? "host" : "controller");
	if (ch->hlen != r->hlen)
		return bad("%s HLEN %u, expected %u", name, ch->hlen, r->hlen);
	if (ch->plen < ch->hlen)
		return bad("%s PLEN %u is shorter than its HLEN %u", name, ch->plen, ch->hlen);

	/* §3.6.2.1: HDGSTF/DDGSTF set exactly when negotiated and present */
	if (!r->digests && (ch->flags & (NVME_TCP_F_HDGST | NVME_TCP_F_DDGST)))
		return bad("%s has digest flags 0x%02x; it is never digested", name, ch->flags);
	if (r->digests && !!(ch->flags & NVME_TCP_F_HDGST) != rx->hdgst)
		return bad("%s header digest flag %s, but header digests were negotiated %s",
			   name, ch->flags & NVME_TCP_F_HDGST ? "set" : "clear",
			   rx->hdgst ? "on" : "off");
	if ((ch->flags & NVME_TCP_F_DDGST) && !(r->data && rx->ddgst))
		return bad("%s has the data digest flag, but %s", name,
			   r->data ? "data digests were negotiated off" : "it carries no data");
	if ((ch->flags & NVME_TCP_F_SUCCESS) && ch->type != NVME_TCP_C2H_DATA)
		return bad("%s has the SUCCESS flag, which only C2HData may", name);
	hd = r->digests && rx->hdgst ? NVME_TCP_DIGEST_LEN : 0;
	dd = ch->flags & NVME_TCP_F_DDGST ? NVME_TCP_DIGEST_LEN : 0;

	if (is_term(ch->type)) {
		/* §3.6.2.4: the header, then at most 128 bytes of the offending PDU */
		if (ch->plen > ch->hlen + NVME_TCP_TERM_MAX_DATA)
			return bad("%s PLEN %u exceeds %u", name, ch->plen,
				   ch->hlen + NVME_TCP_TERM_MAX_DATA);
		*hdr_bytes = ch->hlen;
		return 0;
	}
	if (!r->data || ch->pdo == 0) {
		if (ch->pdo != 0)
			return bad("%s PDO %u, but it carries no data", name, ch->pdo);
		if (ch->type == NVME_TCP_H2C_DATA || ch->type == NVME_TCP_C2H_DATA)
			return bad("%s with PDO 0: no data", name);
		if (ch->plen != ch->hlen + hd)
			return bad("%s PLEN %u, expected %u (no data)", name, ch->plen, ch->hlen + hd);
		*hdr_bytes = ch->plen;
		return 0;
	}
	/* data at PDO, after the header digest, on the receiver's alignment */
	if (ch->pdo < ch->hlen + hd)
		return bad("%s PDO %u overlaps its header (%u bytes with digest)", name, ch->pdo,
			   ch->hlen + hd);
	if (rx->data_align > 1 && ch->pdo % rx->data_align)
		return bad("%s PDO %u is not a multiple of the PDU data alignment %u", name,
			   ch->pdo, rx->data_align);
	if (rx->ddgst && !dd)
		return bad("%s carries data without the data digest negotiated", name);
	need = (uint32_t)ch->pdo + 1 + dd;
	if (ch->plen < need)
		return bad("%s PLEN %u leaves no data after PDO %u%s", name, ch->plen, ch->pdo,
			   dd ? " and the data digest" : "");
	if (rx->max_data && ch->plen - ch->pdo - dd > rx->max_data)
		return bad("%s carries %u bytes of data, more than the %u negotiated", name,
			   ch->plen - ch->pdo - dd, rx->max_data);
	*hdr_bytes = ch->pdo;
	return 0;
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

/* Type-specific fields, once CH and the header digest are known good. */
static int fields_check(const struct nvme_tcp_ch *ch, uint32_t data_len)
{
	const struct nvme_tcp_icresp *icresp = (const void *)ch;
	const struct nvme_tcp_icreq *icreq = (const void *)ch;
	const struct nvme_tcp_data *d = (const void *)ch;
	const struct nvme_tcp_r2t *r2t = (const void *)ch;
	char tb[16];

	switch (ch->type) {
	case NVME_TCP_ICREQ:
		if (icreq->pfv != NVME_TCP_PFV_1_0)
			return bad("ICReq PFV %u, only 0 (1.0) is defined", icreq->pfv);
		if (icreq->hpda > NVME_TCP_MAX_PDA)
			return bad("ICReq HPDA %u exceeds %u", icreq->hpda, NVME_TCP_MAX_PDA);
		break;
	case NVME_TCP_ICRESP:
		/* §3.6.2.3 */
		if (icresp->pfv != NVME_TCP_PFV_1_0)
			return bad("ICResp PFV %u, only 0 (1.0) is defined", icresp->pfv);
		if (icresp->cpda > NVME_TCP_MAX_PDA)
			return bad("ICResp CPDA %u exceeds %u", icresp->cpda, NVME_TCP_MAX_PDA);
		if (icresp->dgst & ~(NVME_TCP_DGST_HDR | NVME_TCP_DGST_DATA))
			return bad("ICResp DGST 0x%02x has reserved bits", icresp->dgst);
		if (icresp->maxh2cdata < NVME_TCP_MIN_MAXH2CDATA || icresp->maxh2cdata % 4)
			return bad("ICResp MAXH2CDATA %u: must be a multiple of 4 and at least %u",
				   icresp->maxh2cdata, NVME_TCP_MIN_MAXH2CDATA);
		break;
	case NVME_TCP_H2C_DATA:
	case NVME_TCP_C2H_DATA:
		if (d->datal != data_len)
			return bad("%s DATAL %u, but PLEN and PDO leave %u bytes of data",
				   nvd__tcp_type_str(ch->type, tb), d->datal, data_len);
		if (d->datao > UINT32_MAX - d->datal)
			return bad("%s DATAO %u + DATAL %u wraps", nvd__tcp_type_str(ch->type, tb),
				   d->datao, d->datal);
		if ((ch->flags & NVME_TCP_F_SUCCESS) && !(ch->flags & NVME_TCP_F_LAST))
			return bad("C2HData has SUCCESS without LAST_PDU");
		break;
	case NVME_TCP_R2T:
		if (r2t->r2tl == 0)
			return bad("R2T for 0 bytes (CCCID %u)", r2t->cccid);
		if (r2t->r2to > UINT32_MAX - r2t->r2tl)
			return bad("R2T R2TO %u + R2TL %u wraps", r2t->r2to, r2t->r2tl);
		break;
	}
	return 0;
}

int nvd__tcp_hdr_parse(const void *buf, size_t len, const struct nvd_tcp_dir *rx,
		       struct nvd_tcp_pdu *pdu)
{
	const struct nvme_tcp_ch *ch = buf;
	uint32_t hdr_bytes, dd;
	char tb[16];
	int err;

	if (len < sizeof(*ch))
		return bad("truncated: %zu of the 8 bytes of a common header", len);
	err = nvd__tcp_ch_check(ch, rx, &hdr_bytes);
	if (err)
		return err;
	if (len < hdr_bytes)
		return bad("%s truncated: %zu of its %u header bytes", nvd__tcp_type_str(ch->type, tb),
			   len, hdr_bytes);
	if (ch->flags & NVME_TCP_F_HDGST) {
		uint32_t want = get_le32((const uint8_t *)buf + ch->hlen);
		uint32_t got = nvd__crc32c(0, buf, ch->hlen);

		if (want != got) {
			nvd__set_detail("NVMe/TCP %s header digest 0x%08x, computed 0x%08x",
					nvd__tcp_type_str(ch->type, tb), want, got);
			return -EBADMSG;
		}
	}
	dd = ch->flags & NVME_TCP_F_DDGST ? NVME_TCP_DIGEST_LEN : 0;
	pdu->type = ch->type;
	pdu->flags = ch->flags;
	pdu->hdr = buf;
	pdu->hdr_bytes = hdr_bytes;
	pdu->data_len = ch->plen - hdr_bytes - dd;
	pdu->data = NULL;
	return fields_check(ch, pdu->data_len);
}

int nvd__tcp_ddgst_check(const void *data, uint32_t len, const uint8_t dgst[4])
{
	uint32_t want = get_le32(dgst), got = nvd__crc32c(0, data, len);

	if (want == got)
		return 0;
	nvd__set_detail("NVMe/TCP data digest 0x%08x, computed 0x%08x over %u bytes", want, got, len);
	return -EBADMSG;
}

int nvd__tcp_pdu_parse(const void *buf, size_t len, const struct nvd_tcp_dir *rx,
		       struct nvd_tcp_pdu *pdu)
{
	const struct nvme_tcp_ch *ch = buf;
	char tb[16];
	int err;

	err = nvd__tcp_hdr_parse(buf, len, rx, pdu);
	if (err)
		return err;
	if (len != ch->plen)
		return bad("%s of PLEN %u given as %zu bytes", nvd__tcp_type_str(ch->type, tb),
			   ch->plen, len);
	pdu->data = (const uint8_t *)buf + pdu->hdr_bytes;
	if (pdu->flags & NVME_TCP_F_DDGST)
		return nvd__tcp_ddgst_check(pdu->data, pdu->data_len, pdu->data + pdu->data_len);
	return 0;
}

uint32_t nvd__tcp_hdr_finish(void *hdr, uint8_t type, uint8_t hlen, uint8_t flags,
			     uint32_t data_len, const struct nvd_tcp_dir *tx)
{
	const struct type_rule *r = rule_of(type);
	struct nvme_tcp_ch *ch = hdr;
	uint32_t hd = 0, dd = 0, start;
	uint32_t align = tx->data_align ? tx->data_align : 1;

	if (r && r->digests && tx->hdgst) {
		flags |= NVME_TCP_F_HDGST;
		hd = NVME_TCP_DIGEST_LEN;
	}
	if (r && r->data && data_len && tx->ddgst) {
		flags |= NVME_TCP_F_DDGST;
		dd = NVME_TCP_DIGEST_LEN;
	}
	ch->type = type;
	ch->flags = flags;
	ch->hlen = hlen;
	if (r && r->data && data_len) {
		start = (hlen + hd + align - 1) / align * align;
		ch->pdo = start;
	} else {
		start = hlen + hd;
		ch->pdo = 0;
	}
	ch->plen = start + data_len + dd;
	if (hd)
		put_le32((uint8_t *)hdr + hlen, nvd__crc32c(0, hdr, hlen));
	memset((uint8_t *)hdr + hlen + hd, 0, start - hlen - hd);
	return start;
}

void nvd__tcp_ddgst(const void *data, uint32_t len, uint8_t out[4])
{
	put_le32(out, nvd__crc32c(0, data, len));
}

void nvd__tcp_icreq_build(struct nvme_tcp_icreq *req, uint8_t hpda, uint8_t dgst,
			  uint32_t maxr2t)
{
	static const struct nvd_tcp_dir plain;

	memset(req, 0, sizeof(*req));
	req->pfv = NVME_TCP_PFV_1_0;
	req->hpda = hpda;
	req->dgst = dgst;
	req->maxr2t = maxr2t;
	nvd__tcp_hdr_finish(req, NVME_TCP_ICREQ, sizeof(*req), 0, 0, &plain);
}
