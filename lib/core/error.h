/* SPDX-License-Identifier: MIT */
/*
 * Words for the thread's last failure and the debug trace (error.c).
 */
#ifndef NVD_CORE_ERROR_H
#define NVD_CORE_ERROR_H

/* Record words for the thread's last failure (read by nvd_last_error()). */
void nvd__set_detail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void nvd__clear_detail(void);
/* Debug trace to stderr when NVDIRECT_DEBUG is set. */
void nvd__dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* NVD_CORE_ERROR_H */
