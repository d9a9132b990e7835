/* linear.h — a linear layer's weights, packed once when the model loads,
 * and the matrix multiply the encoder runs on them: out = in Wᵀ + b.
 *
 * Why not cblas_sgemm on PyTorch's [out][in] arrays: for the few tokens a
 * typed sentence has, OpenBLAS spends a third of its time packing the
 * weights again on every call (it has no API to keep them packed), and it
 * cannot read F16 weights.  Here the weights are laid out at load time in
 * exactly the order the multiply streams them, and an F16 checkpoint stays
 * F16 in memory (converted to F32 in registers as it is read), which halves
 * the bytes a short input has to pull from memory.  F16 → F32 is exact, so
 * the results are those of the F32 weights.
 *
 * Layout: the K inputs are cut into blocks of LIN_KC; within a block, the
 * outputs into panels of LIN_NR columns; within a panel, the block's rows
 * one after the other, LIN_NR values each:
 *
 *   element (o, k) at  kb·KC·Opad + (o / NR)·kc·NR + (k mod KC)·NR + o mod NR
 *
 * (kb = k / KC, kc = the block's height, Opad = out rounded up to NR).  A
 * panel's block is a few KB that the inner loop reads front to back while
 * it is reused for every row of the input.
 */
#ifndef HEED_LINEAR_H
#define HEED_LINEAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LIN_NR 16    /* output columns per panel */
#define LIN_KC 256   /* inputs per block */
#define LIN_MC 144   /* input rows per block: 144 KB of F32 inputs, in L2 */
#define LIN_ALIGN 64 /* bytes; panels start on cache lines */

typedef enum { LIN_F32, LIN_F16 } lin_dtype;

typedef struct lin_weight {
	int out, in;     /* PyTorch's [out][in] */
	lin_dtype dtype; /* of the stored values */
	void *data;      /* lin_bytes(out, in, dtype) bytes, LIN_ALIGN-aligned */
} lin_weight;

/* How weights that arrive as F16 (src_f16) or as anything else are best
 * kept on this CPU: F16 only where a kernel can read it. */
lin_dtype lin_storage(bool src_f16);
size_t lin_bytes(int out, int in, lin_dtype dt);
/* Point w at mem (lin_bytes, aligned) and zero the padding. */
void lin_init(lin_weight *w, int out, int in, lin_dtype dt, void *mem);
/* Store row o of W: in F32 values, or (F16 storage only) in little-endian
 * IEEE halves, copied bit for bit. */
void lin_set_row(lin_weight *w, int o, const float *row);
void lin_set_row_f16(lin_weight *w, int o, const void *halves);
/* W[o][k] as F32. */
float lin_at(const lin_weight *w, int o, int k);
/* Row o of W as F32 into dst[w->in] (an embedding lookup). */
void lin_row(const lin_weight *w, int o, float *dst);

/* Column panels, for splitting a multiply between threads. */
int lin_panels(const lin_weight *w);
/* out[r][o] = bias[o] + Σ_k in[r][k]·W[o][k] for r < n and o in panels
 * [p0, p1); bias has w->out values.  in has w->in columns with row stride ldin; out row stride
 * ldout.  Each output's sum runs over k in the same order whatever p0 and
 * p1, so splitting the panels between threads never changes a bit of the
 * result. */
void lin_apply(const lin_weight *w, const float *in, size_t ldin, int n, const float *bias,
	       int p0, int p1, float *out, size_t ldout);
/* The kernel this CPU runs ("avx2" or "portable"), for reports. */
const char *lin_kernel_name(void);

#endif
