/* SPDX-License-Identifier: MIT */
/*
 * A fake NVMe/TCP target for the queue pair's unit test, in a thread on a
 * loopback socket: ICResp, Connect, then a 1 MiB namespace of 512-byte
 * blocks served with C2HData for reads and R2T then H2CData (or
 * in-capsule data) for writes and Dataset Management's ranges, checking the host's digests and offsets,
 * optionally with digests, byte-by-byte sends, SUCCESS C2HData, and ways
 * of going wrong.  A test may give its own script instead.
 *
 * As a controller (tcp_target_start_ctrlr): the first connection is the
 * admin queue (Property Get/Set of CAP, VS, CC, CSTS; Identify
 * Controller, active namespace list and Namespace 1; Set Features Number
 * of Queues; Keep Alive), each later one an I/O queue served as above by
 * its own struct target in t->io[].
 */
#ifndef NVD_TEST_TCP_TARGET_H
#define NVD_TEST_TCP_TARGET_H

#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcp/pdu.h"

#define LBA		512u
#define NS_BYTES	(1u << 20)
#define MAX_PDU		(64u * 1024)

enum misbehave { OK, CLOSE_MID_IO, MALFORMED, UNKNOWN_CID, BAD_DDGST, BAD_HDGST };

struct target;

struct target {
	int lfd, fd;
	uint16_t port;
	pthread_t thread;
	void (*script)(struct target *t);	/* NULL: tcp_target_serve */
	/* how it behaves */
	uint8_t dgst;			/* digests it grants of those asked for */
	uint32_t maxh2cdata;
	uint32_t c2h_piece;		/* bytes per C2HData PDU; 0: all in one */
	bool success;			/* C2HData with SUCCESS, no CapsuleResp */
	bool dribble;			/* every PDU a byte at a time */
	enum misbehave misbehave;
	unsigned misbehave_after;	/* commands read before it misbehaves */
	unsigned ddgst_spoiled;		/* BAD_DDGST: data digests sent; the first was wrong */
	sem_t sent, go;			/* for scripts: a chunk is out / send the next */
	/* what it saw */
	uint8_t asked_dgst;		/* the ICReq's DGST */
	bool hd, dd;
	uint16_t connect_qid, connect_sqsize, connect_cntlid;
	unsigned cmds, h2c_pdus, h2c_last_flags, r2ts, incapsule_cmds, max_h2c_len;
	uint16_t term_fes;		/* the host's H2CTermReq, if it sent one */
	uint8_t sgl_ids[256];
	/* Dataset Management: ranges as received; Deallocate zeroes them in ns[] */
	unsigned dsm_cmds, dsm_nr;
	uint32_t dsm_attrs;
	uint8_t dsm[4096];
	int failed;
	char why[160];
	/* as a controller's admin queue (tcp_target_start_ctrlr) */
	uint32_t cc, csts, kato;
	uint16_t mqes;			/* CAP.MQES + 1 it reports */
	uint32_t incapsule;		/* in-capsule bytes IOCCSZ allows; 0: 8 KiB */
	unsigned admin_cmds, keep_alives, nio;
	uint64_t keep_alive_ms[64];	/* CLOCK_MONOTONIC of each Keep Alive */
	unsigned feat_nq;		/* Set Features Number of Queues seen */
	struct target *io[4];		/* the I/O queues' connections, in order (dgst as t's) */
	uint8_t ns[NS_BYTES];
	struct r2t_state {
		bool active, dsm;
		uint64_t off;
		uint32_t len, got;
		uint32_t cdw10, cdw11;	/* DSM: NR and attributes */
	} wr[65536];
};

/* A target with the defaults (no digests granted, MAXH2CDATA 8 KiB); free() it. */
/* A socket listening on 127.0.0.1 at a free port (*port), for a fake target's thread. */
int tcp_loopback_listen(int backlog, uint16_t *port);
struct target *tcp_target_new(void);
/* Listen on a loopback port (t->port) and run t->script, or serve, in a thread. */
void tcp_target_start(struct target *t);
/* Wait for the thread; fails the test with what the target found wrong. */
void tcp_target_join(struct target *t);
/* A controller: admin connection on @t, then up to @nio I/O connections (t->io[]). */
void tcp_target_start_ctrlr(struct target *t, unsigned nio);
/* After the host closed every connection: join all and check each; frees t->io[]. */
void tcp_target_join_ctrlr(struct target *t);

/* What a script is built from. */
void tcp_target_fail(struct target *t, const char *why);
bool tcp_target_rd(struct target *t, void *buf, size_t len);
/* A controller PDU into @out: @hdr's CH filled in, digests as negotiated. */
size_t tcp_target_build_pdu(struct target *t, uint8_t *out, void *hdr, uint8_t type,
			    uint8_t hlen, uint8_t flags, const void *data, uint32_t dlen);
void tcp_target_respond(struct target *t, uint16_t cid, uint32_t cdw0, uint16_t status);

#endif /* NVD_TEST_TCP_TARGET_H */
