/* linear.c — packing a linear layer's weights, and the blocked multiply
 * over them (the layout is in linear.h).
 *
 * The loop nest is the classic one of Goto's GEMM with the weights already
 * packed: for each block of LIN_KC inputs, for each panel of LIN_NR output
 * columns, for each group of up to mr_max input rows, one call of the
 * kernel, which keeps that mr × NR tile of the output in registers for the
 * whole block.  A panel's block (16 KB in F32, 8 KB in F16) stays in L1
 * while every row group uses it; the input rows of the block (n × 1 KB) stay
 * in L2 while every panel uses them.
 *
 * The CPU's kernel is picked once: AVX-512, else AVX2 + FMA (+ F16C for
 * F16 weights), else the portable C one here.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "heed/util.h"
#include "linear_int.h"

static int
pad_out(int out)
{
	return (out + LIN_NR - 1) / LIN_NR * LIN_NR;
}

static size_t
elt_size(lin_dtype dt)
{
	return dt == LIN_F16 ? 2 : 4;
}

/* Index, in elements, of W[o][k] in the packed layout. */
static size_t
packed_index(const lin_weight *w, int o, int k)
{
	int kb = k / LIN_KC, kc = w->in - kb * LIN_KC < LIN_KC ? w->in - kb * LIN_KC : LIN_KC;

	return (size_t)kb * LIN_KC * pad_out(w->out) + (size_t)(o / LIN_NR) * kc * LIN_NR +
	    (size_t)(k % LIN_KC) * LIN_NR + (size_t)(o % LIN_NR);
}

/* ---- the portable kernel ------------------------------------------------ */

#define PORTABLE_MR 4

static void
portable_f32(int mr, int kc, const float *a, size_t lda, const void *bv, float *c, size_t ldc,
	     const float *bias)
{
	const float *b = bv;
	float acc[PORTABLE_MR][LIN_NR];

	for (int r = 0; r < mr; r++)
		memcpy(acc[r], bias != NULL ? bias : c + (size_t)r * ldc, sizeof acc[r]);
	for (int k = 0; k < kc; k++)
		for (int r = 0; r < mr; r++) {
			float x = a[(size_t)r * lda + k];
			for (int j = 0; j < LIN_NR; j++)
				acc[r][j] += x * b[(size_t)k * LIN_NR + j];
		}
	for (int r = 0; r < mr; r++)
		memcpy(c + (size_t)r * ldc, acc[r], sizeof acc[r]);
}

const lin_kernel *
lin_kernel_portable(void)
{
	static const lin_kernel portable = { "portable", PORTABLE_MR, portable_f32, NULL };

	return &portable;
}

/* Chosen on first use; every thread that races here picks the same one.
 * HEED_LINEAR_KERNEL=avx2 or portable caps the choice (to compare, or to
 * rule the vector code out when something looks wrong). */
static const lin_kernel *
kernel(void)
{
	static const lin_kernel *_Atomic chosen;
	const lin_kernel *k = chosen;

	if (k == NULL) {
		const char *force = getenv("HEED_LINEAR_KERNEL");
		if (force == NULL || strcmp(force, "avx512") == 0)
			k = lin_kernel_avx512();
		if (k == NULL && (force == NULL || strcmp(force, "avx2") == 0))
			k = lin_kernel_avx2();
		if (k == NULL)
			k = lin_kernel_portable();
		chosen = k;
	}
	return k;
}

const char *
lin_kernel_name(void)
{
	return kernel()->name;
}

/* ---- packing ------------------------------------------------------------ */

lin_dtype
lin_storage(bool src_f16)
{
	return src_f16 && kernel()->f16 != NULL ? LIN_F16 : LIN_F32;
}

size_t
lin_bytes(int out, int in, lin_dtype dt)
{
	size_t n = (size_t)pad_out(out) * (size_t)in * elt_size(dt);

	return (n + LIN_ALIGN - 1) / LIN_ALIGN * LIN_ALIGN;
}

void
lin_init(lin_weight *w, int out, int in, lin_dtype dt, void *mem)
{
	w->out = out;
	w->in = in;
	w->dtype = dt;
	w->data = mem;
	/* the columns past out of the last panel are multiplied too: zeros */
	if (pad_out(out) != out)
		memset(mem, 0, lin_bytes(out, in, dt));
}

void
lin_set_row(lin_weight *w, int o, const float *row)
{
	/* F16 storage is only ever filled from halves, bit for bit */
	if (w->dtype != LIN_F32)
		abort();
	for (int k0 = 0; k0 < w->in; k0 += LIN_KC) {
		float *dst = (float *)w->data + packed_index(w, o, k0);
		for (int k = k0; k < w->in && k < k0 + LIN_KC; k++, dst += LIN_NR)
			*dst = row[k];
	}
}

void
lin_set_row_f16(lin_weight *w, int o, const void *halves)
{
	const uint8_t *p = halves;

	if (w->dtype != LIN_F16)
		abort();
	for (int k0 = 0; k0 < w->in; k0 += LIN_KC) {
		uint16_t *dst = (uint16_t *)w->data + packed_index(w, o, k0);
		for (int k = k0; k < w->in && k < k0 + LIN_KC; k++, dst += LIN_NR)
			*dst = (uint16_t)(p[2 * k] | p[2 * k + 1] << 8);
	}
}

float
lin_at(const lin_weight *w, int o, int k)
{
	size_t i = packed_index(w, o, k);

	return w->dtype == LIN_F32 ? ((const float *)w->data)[i] :
	    util_half_to_float(((const uint16_t *)w->data)[i]);
}

void
lin_row(const lin_weight *w, int o, float *dst)
{
	for (int k0 = 0; k0 < w->in; k0 += LIN_KC) {
		size_t i = packed_index(w, o, k0);
		int k1 = w->in - k0 < LIN_KC ? w->in : k0 + LIN_KC;
		if (w->dtype == LIN_F32) {
			const float *src = (const float *)w->data + i;
			for (int k = k0; k < k1; k++, src += LIN_NR)
				dst[k] = *src;
		} else {
			const uint16_t *src = (const uint16_t *)w->data + i;
			for (int k = k0; k < k1; k++, src += LIN_NR)
				dst[k] = util_half_to_float(*src);
		}
	}
}

int
lin_panels(const lin_weight *w)
{
	return pad_out(w->out) / LIN_NR;
}

/* ---- the multiply ------------------------------------------------------- */

/* A panel narrower than NR (the last one of an output size that is not a
 * multiple of 16): run the kernel on a full-width copy of the tile. */
static void
edge_tile(lin_kern_fn f, int mr, int kc, const float *a, size_t lda, const void *b, float *c,
	  size_t ldc, const float *bias, int cols)
{
	float tile[64 * LIN_NR], bpad[LIN_NR] = { 0 };

	if (bias != NULL)
		memcpy(bpad, bias, sizeof(float) * (size_t)cols);
	for (int r = 0; bias == NULL && r < mr; r++) {
		memset(tile + r * LIN_NR, 0, sizeof(float) * LIN_NR);
		memcpy(tile + r * LIN_NR, c + (size_t)r * ldc, sizeof(float) * (size_t)cols);
	}
	f(mr, kc, a, lda, b, tile, LIN_NR, bias != NULL ? bpad : NULL);
	for (int r = 0; r < mr; r++)
		memcpy(c + (size_t)r * ldc, tile + r * LIN_NR, sizeof(float) * (size_t)cols);
}

void
lin_apply(const lin_weight *w, const float *in, size_t ldin, int n, const float *bias,
	  int p0, int p1, float *out, size_t ldout)
{
	lin_apply_with(kernel(), w, in, ldin, n, bias, p0, p1, out, ldout);
}

void
lin_apply_with(const lin_kernel *K, const lin_weight *w, const float *in, size_t ldin, int n,
	       const float *bias, int p0, int p1, float *out, size_t ldout)
{
	lin_kern_fn f = w->dtype == LIN_F16 ? K->f16 : K->f32;
	size_t esz = elt_size(w->dtype), opad = (size_t)pad_out(w->out);
	/* Rows in blocks of at most LIN_MC, so that one block's slice of the
	 * input (LIN_MC × LIN_KC floats) stays in L2 while every panel
	 * streams past it: a calibration batch of 1024 rows otherwise
	 * re-reads a 1 MB slice from L3 for each panel, and ran 25% slower
	 * per token than 128 rows.  Blocks are of nearly equal size. */
	int blocks = (n + LIN_MC - 1) / LIN_MC;

	for (int kb = 0; kb * LIN_KC < w->in; kb++) {
		int k0 = kb * LIN_KC, kc = w->in - k0 < LIN_KC ? w->in - k0 : LIN_KC;
		const char *block = (const char *)w->data + (size_t)k0 * opad * esz;
		for (int mb = 0, r0 = 0; mb < blocks; mb++) {
			int r1 = (int)((long)n * (mb + 1) / blocks);
			/* as few row groups as mr_max allows, of nearly equal
			 * size: 8 rows run as 4 + 4, not 6 + 2 */
			int rows = r1 - r0, groups = (rows + K->mr_max - 1) / K->mr_max;
			for (int p = p0; p < p1; p++) {
				const void *b = block + (size_t)p * kc * LIN_NR * esz;
				int o = p * LIN_NR, cols = w->out - o < LIN_NR ? w->out - o : LIN_NR;
				const float *bi = kb == 0 ? bias + o : NULL;
				for (int g = 0, r = r0; g < groups; g++) {
					int re = r0 + (int)((long)rows * (g + 1) / groups);
					const float *a = in + (size_t)r * ldin + k0;
					float *c = out + (size_t)r * ldout + o;
					if (cols == LIN_NR)
						f(re - r, kc, a, ldin, b, c, ldout, bi);
					else
						edge_tile(f, re - r, kc, a, ldin, b, c, ldout, bi,
							  cols);
					r = re;
				}
			}
			r0 = r1;
		}
	}
}
