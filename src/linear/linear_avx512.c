/* linear_avx512.c — the multiply's kernel for x86 CPUs with AVX-512.
 *
 * A panel's 16 columns are one ZMM register, so a tile is up to 8 input
 * rows × 16 columns: per input k one load of the panel's weights
 * (converted from halves when they are F16) and one FMA per row, its
 * operand broadcast from memory by the FMA itself.  Against the AVX2
 * kernel's 6 × 16 tile, a typed sentence's 8 tokens are one group of rows
 * instead of two, so each weight is read from memory once, and there are
 * half the instructions per FMA (bert-base, 8 tokens: 12.5 → 10.5 ms).
 * Taller tiles were slower: 16 rows need more address registers than x86
 * has, and the loop spills them.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "linear_int.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>

#define TARGET __attribute__((target("avx512f,fma,f16c")))
#define MR 8
/* as in linear_avx2.c: a page ahead of the weights being read */
#define PREFETCH 4096

#define ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)

static inline __attribute__((always_inline)) TARGET void
tile(const int mr, const bool f16, int kc, const float *a, size_t lda, const void *bv,
     float *c, size_t ldc, const float *bias)
{
	__m512 acc[MR];

#define INIT(r) \
	if (r < mr) \
		acc[r] = _mm512_loadu_ps(bias != NULL ? bias : c + r * ldc); \
	else \
		acc[r] = _mm512_setzero_ps();
	ROWS(INIT)
#undef INIT
	for (int k = 0; k < kc; k++) {
		__m512 b;
		_mm_prefetch((const char *)((uintptr_t)bv + (f16 ? 2u : 4u) * (size_t)k * LIN_NR +
					    PREFETCH), _MM_HINT_T0);
		if (f16)
			b = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)bv + k));
		else
			b = _mm512_load_ps((const float *)bv + (size_t)k * LIN_NR);
#define STEP(r) \
		if (r < mr) \
			acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(a[r * lda + k]), b, acc[r]);
		ROWS(STEP)
#undef STEP
	}
#define STORE(r) \
	if (r < mr) \
		_mm512_storeu_ps(c + r * ldc, acc[r]);
	ROWS(STORE)
#undef STORE
}

#define CASE(n, f16) case n: tile(n, f16, kc, a, lda, b, c, ldc, bias); break;
#define KERNEL(name, f16) \
TARGET static void \
name(int mr, int kc, const float *a, size_t lda, const void *b, float *c, size_t ldc, \
     const float *bias) \
{ \
	switch (mr) { \
	CASE(1, f16) CASE(2, f16) CASE(3, f16) CASE(4, f16) CASE(5, f16) CASE(6, f16) \
	CASE(7, f16) \
	default: tile(8, f16, kc, a, lda, b, c, ldc, bias); break; \
	} \
}
KERNEL(avx512_f32, false)
KERNEL(avx512_f16, true)

const lin_kernel *
lin_kernel_avx512(void)
{
	static const lin_kernel k = { "avx512", MR, avx512_f32, avx512_f16 };
	unsigned eax, ebx, ecx, edx;

	__builtin_cpu_init();
	/* avx512f also tells that the OS saves the ZMM state; every CPU with
	 * AVX-512 has F16C, but ask CPUID rather than assume */
	if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("fma"))
		return NULL;
	return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C) ? &k : NULL;
}

#else

const lin_kernel *
lin_kernel_avx512(void)
{
	return NULL;
}

#endif
