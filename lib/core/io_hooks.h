/* SPDX-License-Identifier: MIT */
/*
 * What the I/O path does off its fast path: error injection, timeouts,
 * retries (io_hooks.c).
 */
#ifndef NVD_CORE_IO_HOOKS_H
#define NVD_CORE_IO_HOOKS_H

#include <stdbool.h>
#include <stdint.h>

#include <nvdirect.h>

struct nvd_qpair;
struct tracker;

/*
 * A completion with an error status or with hooks set: applies an injected
 * status, resubmits a retryable one, or frees the tracker, hands it to the
 * oldest queued request and runs the callback.
 */
void nvd__qpair_complete_slow(struct nvd_qpair *q, struct tracker *tr, struct nvd_cpl *cpl);
/* Once per poll with hooks set: held injected commands, timeout scans, drain. */
void nvd__qpair_poll_hooks(struct nvd_qpair *q);
/* Retryable statuses (documented at nvd_ctrlr_opts.retry_count). */
bool nvd__status_is_retryable(uint16_t status);

#endif /* NVD_CORE_IO_HOOKS_H */
