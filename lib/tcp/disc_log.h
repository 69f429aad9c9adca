/* SPDX-License-Identifier: MIT */
/*
 * The Discovery Log Page on the wire (NVMe Base 2.0 §5.16.1.23, formerly
 * NVMe-oF 1.1 §5.3): a 1 KiB header, then NUMREC 1 KiB entries.
 * Read by tcp/discovery.c.
 */
#ifndef NVD_TCP_DISC_LOG_H
#define NVD_TCP_DISC_LOG_H

#include <stddef.h>
#include <stdint.h>

#define NVME_LOG_DISCOVERY	0x70
#define NVMF_DISC_ENTRY_SIZE	1024u
#define NVMF_TRSVCID_FIELD	32
#define NVMF_TRADDR_FIELD	256

/* Base 2.0 Figure 263: Discovery Log Page Entry */
struct nvmf_disc_entry {
	uint8_t trtype;		/* Transport Type */
	uint8_t adrfam;		/* Address Family */
	uint8_t subtype;	/* Subsystem Type */
	uint8_t treq;		/* Transport Requirements */
	uint16_t portid;	/* Port ID */
	uint16_t cntlid;	/* Controller ID */
	uint16_t asqsz;		/* Admin Max SQ Size */
	uint16_t eflags;	/* Entry Flags */
	uint8_t rsvd12[20];
	char trsvcid[NVMF_TRSVCID_FIELD];	/* ASCII, space or NUL padded */
	uint8_t rsvd64[192];
	char subnqn[256];			/* NUL-terminated NQN */
	char traddr[NVMF_TRADDR_FIELD];		/* ASCII, space or NUL padded */
	union {					/* Transport Specific Address Subtype */
		struct {			/* NVMe/TCP 1.0 Figure 6 */
			uint8_t sectype;
			uint8_t rsvd[255];
		} tcp;
		uint8_t raw[256];
	} tsas;
};
_Static_assert(sizeof(struct nvmf_disc_entry) == NVMF_DISC_ENTRY_SIZE, "an entry is 1 KiB");
_Static_assert(offsetof(struct nvmf_disc_entry, eflags) == 10, "EFLAGS at byte 10");
_Static_assert(offsetof(struct nvmf_disc_entry, trsvcid) == 32, "TRSVCID at byte 32");
_Static_assert(offsetof(struct nvmf_disc_entry, subnqn) == 256, "SUBNQN at byte 256");
_Static_assert(offsetof(struct nvmf_disc_entry, traddr) == 512, "TRADDR at byte 512");
_Static_assert(offsetof(struct nvmf_disc_entry, tsas) == 768, "TSAS at byte 768");

/* Base 2.0 Figure 262: Discovery Log Page header; entries follow at 1024 */
struct nvmf_disc_hdr {
	uint64_t genctr;	/* Generation Counter: changes with the log */
	uint64_t numrec;	/* Number of Records */
	uint16_t recfmt;	/* Record Format: 0 */
	uint8_t rsvd18[1006];
};
_Static_assert(sizeof(struct nvmf_disc_hdr) == 1024, "the header is 1 KiB");
_Static_assert(offsetof(struct nvmf_disc_hdr, recfmt) == 16, "RECFMT at byte 16");

#endif /* NVD_TCP_DISC_LOG_H */
