/* SPDX-License-Identifier: MIT */
/*
 * What the shared library exports: functions marked NVD_EXPORT (it is built
 * with -fvisibility=hidden), listed in cmake/libnvdirect.map.
 */
#ifndef NVD_CORE_EXPORT_H
#define NVD_CORE_EXPORT_H

#define NVD_EXPORT __attribute__((visibility("default")))

#endif /* NVD_CORE_EXPORT_H */
