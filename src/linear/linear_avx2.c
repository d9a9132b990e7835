/* linear_avx2.c — the multiply's kernel for x86 CPUs with AVX2 and FMA.
 *
 * One call computes a tile of up to 6 input rows × 16 output columns,
 * held in 12 of the 16 YMM registers for a whole block of inputs; per
 * input k it loads the panel's 16 weights once (two registers, converted
 * from halves by F16C when the weights are F16), broadcasts each row's
 * a[r][k], and issues 12 FMAs.  6 × 16 is the largest tile that leaves
 * registers for the weights and the broadcast.
 *
 * The functions carry their own target attribute, so the rest of heed is
 * built for the baseline CPU and this file's code only runs where
 * lin_kernel_avx2 found the instructions.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "linear_int.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>

#define TARGET __attribute__((target("avx2,fma,f16c")))
#define MR 6
/* The weights stream from memory once per forward pass; a hardware
 * prefetcher that only sees the current page leaves a few tokens' pass
 * waiting on DRAM (bert-base, 8 tokens: 16 → 12.5 ms with this). */
#define PREFETCH 4096

/* The rows of a tile, written out: with mr a constant after inlining, the
 * accumulators become registers and rows past mr disappear. */
#define ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)

static inline __attribute__((always_inline)) TARGET void
tile(const int mr, const bool f16, int kc, const float *a, size_t lda, const void *bv,
     float *c, size_t ldc, const float *bias)
{
	__m256 lo[MR], hi[MR];

#define INIT(r) \
	if (r < mr) { \
		const float *src = bias != NULL ? bias : c + r * ldc; \
		lo[r] = _mm256_loadu_ps(src); \
		hi[r] = _mm256_loadu_ps(src + 8); \
	} else { \
		lo[r] = hi[r] = _mm256_setzero_ps(); \
	}
	ROWS(INIT)
#undef INIT
	for (int k = 0; k < kc; k++) {
		__m256 b0, b1;
		/* one line per k in F32, every other k in F16: a few redundant
		 * prefetches cost less than a branch */
		_mm_prefetch((const char *)((uintptr_t)bv + (f16 ? 2u : 4u) * (size_t)k * LIN_NR +
					    PREFETCH), _MM_HINT_T0);
		if (f16) {
			const __m128i *h = (const __m128i *)bv + 2 * k;
			b0 = _mm256_cvtph_ps(_mm_load_si128(h));
			b1 = _mm256_cvtph_ps(_mm_load_si128(h + 1));
		} else {
			const float *b = (const float *)bv + (size_t)k * LIN_NR;
			b0 = _mm256_load_ps(b);
			b1 = _mm256_load_ps(b + 8);
		}
#define STEP(r) \
		if (r < mr) { \
			__m256 x = _mm256_broadcast_ss(a + r * lda + k); \
			lo[r] = _mm256_fmadd_ps(x, b0, lo[r]); \
			hi[r] = _mm256_fmadd_ps(x, b1, hi[r]); \
		}
		ROWS(STEP)
#undef STEP
	}
#define STORE(r) \
	if (r < mr) { \
		_mm256_storeu_ps(c + r * ldc, lo[r]); \
		_mm256_storeu_ps(c + r * ldc + 8, hi[r]); \
	}
	ROWS(STORE)
#undef STORE
}

/* One instance of the tile per row count, so each keeps only the
 * registers it needs. */
#define KERNEL(name, f16) \
TARGET static void \
name(int mr, int kc, const float *a, size_t lda, const void *b, float *c, size_t ldc, \
     const float *bias) \
{ \
	switch (mr) { \
	case 1: tile(1, f16, kc, a, lda, b, c, ldc, bias); break; \
	case 2: tile(2, f16, kc, a, lda, b, c, ldc, bias); break; \
	case 3: tile(3, f16, kc, a, lda, b, c, ldc, bias); break; \
	case 4: tile(4, f16, kc, a, lda, b, c, ldc, bias); break; \
	case 5: tile(5, f16, kc, a, lda, b, c, ldc, bias); break; \
	default: tile(6, f16, kc, a, lda, b, c, ldc, bias); break; \
	} \
}
KERNEL(avx2_f32, false)
KERNEL(avx2_f16, true)

const lin_kernel *
lin_kernel_avx2(void)
{
	static const lin_kernel with_f16 = { "avx2", MR, avx2_f32, avx2_f16 };
	static const lin_kernel without_f16 = { "avx2", MR, avx2_f32, NULL };
	unsigned eax, ebx, ecx, edx;

	__builtin_cpu_init();
	if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
		return NULL;
	/* clang's __builtin_cpu_supports has no "f16c": ask CPUID */
	return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C) ? &with_f16 : &without_f16;
}

#else

const lin_kernel *
lin_kernel_avx2(void)
{
	return NULL;
}

#endif
