/* SPDX-License-Identifier: MIT */
/*
 * One NVMe/TCP connection: a non-blocking TCP socket to the controller,
 * opened with the ICReq/ICResp exchange (NVMe/TCP Transport 1.0, §3.3
 * "Connection Establishment"), then PDUs both ways.  Each queue pair will
 * own one; the admin queue's is the first.
 */
#ifndef NVD_TCP_CONN_H
#define NVD_TCP_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include <nvdirect/trid.h>

#include "tcp/pdu.h"

struct nvd_tcp_conn_opts {
	bool hdgst;		/* ask for header digests */
	bool ddgst;		/* ask for data digests */
	uint32_t timeout_ms;	/* connect, ICResp, and each later wait; 0: 10 s */
};

struct nvd_tcp_conn {
	int fd;
	struct nvd_tcp_dir tx;		/* what we send: digests, CPDA, MAXH2CDATA */
	struct nvd_tcp_dir rx;		/* what we accept: digests, HPDA */
	uint32_t maxh2cdata;
	uint32_t timeout_ms;
	uint16_t next_cid;		/* nvd__tcp_exec()'s commands */
	char peer[300];			/* "127.0.0.1:4420", for words */
	/* receive side, resumable across calls: the PDU header being read */
	uint8_t rx_hdr[NVD_TCP_HDR_MAX] __attribute__((aligned(8)));
	uint32_t rx_have;		/* bytes of it in rx_hdr */
	uint32_t rx_need;		/* 8 until the CH is in, then its header bytes */
};

/*
 * Connect to @trid's traddr:trsvcid and exchange ICReq/ICResp.
 * -ECONNREFUSED, -EHOSTUNREACH, -ETIMEDOUT ... from the socket,
 * -EPROTO for an ICResp we cannot use; words in nvd_last_error().
 */
int nvd__tcp_conn_open(struct nvd_tcp_conn *c, const struct nvd_trid *trid,
		       const struct nvd_tcp_conn_opts *opts);
void nvd__tcp_conn_close(struct nvd_tcp_conn *c);

/* Send all of @iov (which a partial write advances), waiting for socket space up to the timeout. */
int nvd__tcp_conn_send(struct nvd_tcp_conn *c, struct iovec *iov, int iovcnt);

/*
 * Read the next PDU's header (through any header digest and padding)
 * and check it.  Resumable: with @timeout_ms 0 returns -EAGAIN when the
 * header is not all in yet, keeping what was read.  A C2HTermReq becomes
 * -ECONNRESET with its FES in words.  @timeout_ms -1: the connection's
 * timeout.  After 0, read the PDU's data (if pdu->data_len) with
 * nvd__tcp_conn_recv_data() before the next header.  Any other error
 * leaves the byte stream out of step: close the connection.
 */
int nvd__tcp_conn_recv_hdr(struct nvd_tcp_conn *c, struct nvd_tcp_pdu *pdu, int timeout_ms);
/*
 * Read into @buf up to @want bytes without waiting; *@have counts what is
 * in.  0 when all of it is, -EAGAIN when the socket ran dry first,
 * -ECONNRESET when the controller closed the connection.
 */
int nvd__tcp_conn_recv_some(struct nvd_tcp_conn *c, void *buf, uint32_t want, uint32_t *have);
/*
 * Read @pdu's data into @dst (pdu->data_len bytes) and check its data
 * digest.  Waits up to the connection's timeout.
 */
int nvd__tcp_conn_recv_data(struct nvd_tcp_conn *c, const struct nvd_tcp_pdu *pdu, void *dst);

#endif /* NVD_TCP_CONN_H */
