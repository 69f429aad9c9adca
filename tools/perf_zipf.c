// SPDX-License-Identifier: MIT
/*
 * nvdirect-perf -F zipf:THETA: random offsets with a Zipf distribution,
 * block k (0-based) drawn with probability (k + 1)^-THETA / zeta(n, THETA).
 * Gray et al., "Quickly Generating Billion-Record Synthetic Databases"
 * (SIGMOD 1994), §4: one uniform number per draw, after computing
 * zeta(n) once; the hottest blocks are the namespace's first, as with
 * spdk_nvme_perf.
 */
#include <errno.h>
#include <math.h>

#include "perf.h"

/* exact up to this many terms, then the Euler-Maclaurin integral */
#define ZETA_EXACT	(1u << 20)

double zipf_zeta(uint64_t n, double theta)
{
	uint64_t i, m = n < ZETA_EXACT ? n : ZETA_EXACT;
	double sum = 0, a, b;

	for (i = 1; i <= m; i++)
		sum += pow((double)i, -theta);
	if (n == m)
		return sum;
	/* sum of x^-theta over m+1..n ~ the integral plus the end corrections */
	a = (double)m + 1;
	b = (double)n;
	if (theta == 1.0)
		sum += log(b / a);
	else
		sum += (pow(b, 1 - theta) - pow(a, 1 - theta)) / (1 - theta);
	return sum + (pow(a, -theta) + pow(b, -theta)) / 2;
}

int zipf_init(struct zipf *z, uint64_t n, double theta)
{
	double zeta2;

	if (!n || !(theta > 0) || theta == 1.0 || !isfinite(theta))
		return -EINVAL;
	z->n = n;
	z->theta = theta;
	z->alpha = 1 / (1 - theta);
	z->zetan = zipf_zeta(n, theta);
	zeta2 = 1 + pow(0.5, theta);
	z->half_pow_theta = pow(0.5, theta);
	z->eta = n > 2 ? (1 - pow(2.0 / (double)n, 1 - theta)) / (1 - zeta2 / z->zetan) : 0;
	return 0;
}

uint64_t zipf_next(const struct zipf *z, double u)
{
	double uz = u * z->zetan, k;

	if (uz < 1 || z->n == 1)
		return 0;
	if (uz < 1 + z->half_pow_theta || z->n == 2)
		return 1;
	k = (double)z->n * pow(z->eta * u - z->eta + 1, z->alpha);
	return k >= (double)z->n ? z->n - 1 : (uint64_t)k;
}
