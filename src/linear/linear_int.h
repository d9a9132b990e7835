/* linear_int.h — what linear.c asks of a CPU-specific kernel. */
#ifndef HEED_LINEAR_INT_H
#define HEED_LINEAR_INT_H

#include "heed/linear.h"

/* c[r][0..NR) for r < mr (mr ≤ the kernel's mr_max): starting from bias
 * (bias != NULL, NR values) or from c itself, add Σ_{k<kc} a[r][k]·b[k][·].
 * b is one panel of one block: kc rows of LIN_NR values, 64-byte aligned. */
typedef void (*lin_kern_fn)(int mr, int kc, const float *a, size_t lda, const void *b,
			    float *c, size_t ldc, const float *bias);

typedef struct lin_kernel {
	const char *name;
	int mr_max;        /* input rows a call can take */
	lin_kern_fn f32;   /* panels of floats */
	lin_kern_fn f16;   /* panels of halves; NULL: F16 weights are kept as F32 */
} lin_kernel;

/* linear.c: the C kernel every CPU can run (F32 weights only). */
const lin_kernel *lin_kernel_portable(void);
/* linear_avx2.c: the AVX2 + FMA + F16C kernel, or NULL where the CPU (or
 * the build) has none. */
const lin_kernel *lin_kernel_avx2(void);
/* linear_avx512.c: the AVX-512 kernel, or NULL. */
const lin_kernel *lin_kernel_avx512(void);
/* lin_apply with a given kernel (tests compare them). */
void lin_apply_with(const lin_kernel *k, const lin_weight *w, const float *in, size_t ldin,
		    int n, const float *bias, int p0, int p1, float *out, size_t ldout);

#endif
