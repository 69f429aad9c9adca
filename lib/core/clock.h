/* SPDX-License-Identifier: MIT */
/*
 * The clocks the library waits and times out with (clock.c): state machine
 * deadlines in milliseconds, command timeouts from the coarse clock.
 */
#ifndef NVD_CORE_CLOCK_H
#define NVD_CORE_CLOCK_H

#include <stdint.h>

uint64_t nvd__now_ms(void);
void nvd__sleep_ms(unsigned ms);
/* Microseconds from a coarse monotonic clock (vDSO, no syscall). */
uint64_t nvd__now_us_coarse(void);

#endif /* NVD_CORE_CLOCK_H */
