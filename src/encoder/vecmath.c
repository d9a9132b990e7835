/* vecmath.c — the element-wise maths of the forward pass: LayerNorm, the
 * activations, softmax.
 *
 * Outside the GEMMs these loops are what is left of a forward pass, and on a
 * small model they are a quarter of it (perf on heed-mini at 128 tokens:
 * expf in softmax 13 %, erff in GELU 11 %).  libm's expf and erff are
 * scalar calls, so a loop that calls them cannot be vectorised; the two
 * functions here are branch-free polynomials that can, with an error far
 * below what the 1e-4 attention check against the reference can see:
 *
 *   enc_expf: Cephes' expf.  n = round(x / ln 2), r = x − n ln 2 in two
 *     parts, e^r by a degree-6 polynomial, scaled by 2^n through the
 *     exponent bits.  Relative error < 2e-7 on [−87, 88].
 *   enc_erff: the rational approximation Eigen uses for float erf
 *     (odd degree-13 numerator over even degree-8 denominator on x clamped
 *     to [−4, 4], where erf is 1 to float precision).  Absolute error
 *     < 5e-7 (tests/unit/test_enc_math.c checks both against double libm).
 *
 * GCC compiles the hot loops twice, for AVX2 and for the baseline, and
 * picks one when the program starts (target_clones), so one binary is both
 * portable and fast.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "encoder_int.h"

/* Not under ThreadSanitizer: GCC instruments the clones' resolvers, which
 * run before TSan's runtime is up, and the program dies at start-up. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__gnu_linux__) && \
    !defined(__SANITIZE_THREAD__)
#define VEC_CLONES __attribute__((target_clones("avx2", "default"), \
	optimize("O3", "no-trapping-math")))
/* sums may be reordered into vector lanes: they accumulate in double, so the
 * order changes nothing the float results can show */
#define VEC_CLONES_SUM __attribute__((target_clones("avx2", "default"), \
	optimize("O3", "no-trapping-math", "no-signed-zeros", "associative-math")))
#else
#define VEC_CLONES
#define VEC_CLONES_SUM
#endif

static inline __attribute__((always_inline)) float
bits_float(uint32_t u)
{
	union { uint32_t u; float f; } b = { .u = u };
	return b.f;
}

/* always inlined: a call would keep the loops below from being vectorised,
 * and GCC does not inline across the clones' different targets otherwise */
static inline __attribute__((always_inline)) float
expf_poly(float x)
{
	/* below −87.3 the result would be subnormal; a softmax weight that
	 * small is 0 for every purpose, so clamp and stay in range */
	x = x < -87.3f ? -87.3f : x > 88.3f ? 88.3f : x;
	/* round to nearest without a libm call: adding 1.5·2^23 leaves no
	 * fraction bits */
	float t = x * 1.44269504088896341f + 12582912.0f;
	float n = t - 12582912.0f;
	/* a NaN x (a corrupt calibration's weights) fails every comparison:
	 * give it an exponent in range, since converting NaN to int is
	 * undefined; r stays NaN, and so does the result */
	n = n >= -126.0f ? n : -126.0f;
	float r = x - n * 0.693359375f;
	r = r + n * 2.12194440e-4f;
	float z = r * r;
	float p = 1.9875691500e-4f;
	p = p * r + 1.3981999507e-3f;
	p = p * r + 8.3334519073e-3f;
	p = p * r + 4.1665795894e-2f;
	p = p * r + 1.6666665459e-1f;
	p = p * r + 5.0000001201e-1f;
	p = p * z + r + 1.0f;
	return p * bits_float((uint32_t)((int32_t)n + 127) << 23);
}

static inline __attribute__((always_inline)) float
erff_poly(float x)
{
	x = x < -4.0f ? -4.0f : x > 4.0f ? 4.0f : x;
	float x2 = x * x;
	float p = -2.72614225801306e-10f;
	p = p * x2 + 2.77068142495902e-08f;
	p = p * x2 + -2.10102402082508e-06f;
	p = p * x2 + -5.69250639462346e-05f;
	p = p * x2 + -7.34990630326855e-04f;
	p = p * x2 + -2.95459980854025e-03f;
	p = p * x2 + -1.60960333262415e-02f;
	float q = -1.45660718464996e-05f;
	q = q * x2 + -2.13374055278905e-04f;
	q = q * x2 + -1.68282697438203e-03f;
	q = q * x2 + -7.37332916720468e-03f;
	q = q * x2 + -1.42647390514189e-02f;
	return x * p / q;
}

float
enc_expf(float x)
{
	return expf_poly(x);
}

float
enc_erff(float x)
{
	return erff_poly(x);
}

VEC_CLONES_SUM static double
sum_f64(const float *x, int d)
{
	double sum = 0.0;

	for (int i = 0; i < d; i++)
		sum += x[i];
	return sum;
}

VEC_CLONES_SUM static double
sum_sq_dev(const float *x, int d, double mean)
{
	double sum = 0.0;

	for (int i = 0; i < d; i++)
		sum += ((double)x[i] - mean) * ((double)x[i] - mean);
	return sum;
}

VEC_CLONES static void
scale_shift(const float *x, float mean, float inv, const float *g, const float *b, int d,
	    float *y)
{
	for (int i = 0; i < d; i++)
		y[i] = (x[i] - mean) * inv * g[i] + b[i];
}

void
enc_layernorm(const float *x, const float *g, const float *b, int d, float eps, float *y)
{
	double mean = sum_f64(x, d) / d;
	double var = sum_sq_dev(x, d, mean) / d;

	scale_shift(x, (float)mean, (float)(1.0 / sqrt(var + eps)), g, b, d, y);
}

/* GELU(x) = x Φ(x) = ½ x (1 + erf(x / √2)), BERT's exact form. */
VEC_CLONES static void
gelu_erf(float *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		v[i] = 0.5f * v[i] * (1.0f + erff_poly(v[i] * 0.7071067811865476f));
}

void
enc_activate(model_act act, float *v, size_t n)
{
	const float c = 0.7978845608028654f;  /* √(2/π) */

	switch (act) {
	case MODEL_ACT_GELU_TANH:
		for (size_t i = 0; i < n; i++) {
			float x = v[i];
			v[i] = 0.5f * x * (1.0f + tanhf(c * (x + 0.044715f * x * x * x)));
		}
		break;
	case MODEL_ACT_RELU:
		for (size_t i = 0; i < n; i++)
			v[i] = v[i] > 0.0f ? v[i] : 0.0f;
		break;
	default:
		gelu_erf(v, n);
		break;
	}
}

/* v[j] = e^(v[j] − mx).  The sum is a loop of its own, in double, so that
 * a 30,522-way MLM softmax sums as exactly as a short row. */
VEC_CLONES static void
exp_shifted(float *v, int n, float mx)
{
	for (int j = 0; j < n; j++)
		v[j] = expf_poly(v[j] - mx);
}

VEC_CLONES static float
row_max(const float *v, int n)
{
	float mx = v[0];

	for (int j = 1; j < n; j++)
		mx = v[j] > mx ? v[j] : mx;
	return mx;
}

/* The same softmax, and the row's entropy from the logits, in nats:
 * with z' = z − max, e = exp z', S = Σ e,  H = −Σ p log p = log S − Σ e z' / S,
 * one log per row where −Σ p log p takes one per element.  The
 * probabilities are enc_softmax's, bit for bit. */
/* v[j] = e^(v[j] − mx), as exp_shifted, returning Σ e^z' z'.  The
 * exponentials vectorise in chunks; the sum runs in order, in double, so
 * it never depends on where the row lies in memory (a vectorised sum's
 * alignment peeling would regroup it). */
VEC_CLONES static double
exp_shifted_dot(float *v, int n, float mx)
{
	float z[64];
	double dot = 0.0;

	for (int j0 = 0; j0 < n; j0 += 64) {
		int m = n - j0 < 64 ? n - j0 : 64;
		for (int q = 0; q < m; q++) {
			z[q] = v[j0 + q] - mx;
			v[j0 + q] = expf_poly(z[q]);
		}
		for (int q = 0; q < m; q++)
			dot += (double)v[j0 + q] * z[q];
	}
	return dot;
}

double
enc_softmax_entropy(float *v, int n)
{
	double dot = exp_shifted_dot(v, n, row_max(v, n)), sum;

	sum = sum_f64(v, n);
	float inv = (float)(1.0 / sum);
	for (int j = 0; j < n; j++)
		v[j] *= inv;
	return log(sum) - dot / sum;
}

void
enc_softmax(float *v, int n)
{
	exp_shifted(v, n, row_max(v, n));
	float inv = (float)(1.0 / sum_f64(v, n));
	for (int j = 0; j < n; j++)
		v[j] *= inv;
}

/* ln softmax: v[j] − (max + ln Σ e^(v[k] − max)), one log per row.  The
 * exponentials go through a small buffer so v keeps its logits until the
 * one subtraction; the sum is enc_softmax's, in double and in order. */
void
enc_log_softmax(float *v, int n)
{
	float mx = row_max(v, n), buf[64];
	double sum = 0.0;

	for (int j0 = 0; j0 < n; j0 += 64) {
		int m = n - j0 < 64 ? n - j0 : 64;
		memcpy(buf, v + j0, sizeof(float) * (size_t)m);
		exp_shifted(buf, m, mx);
		sum += sum_f64(buf, m);
	}
	float off = (float)((double)mx + log(sum));
	for (int j = 0; j < n; j++)
		v[j] -= off;
}

double
enc_dot(const float *a, const float *b, int d)
{
	double acc = 0.0;

	for (int k = 0; k < d; k++)
		acc += (double)a[k] * b[k];
	return acc;
}
