/* derive.c — derived quantities for the views (see derive.h). */
#include "derive.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

void
derive_downsample(const float *m, int n, int rows, int cols, float *out)
{
	derive_downsample_cap(m, n, n, 0, rows, cols, out);
}

/* Slots [*a, *b) of cap under cell c of cells. */
static void
cell_span(int c, int cells, int cap, int *a, int *b)
{
	*a = (int)((long long)c * cap / cells);
	*b = (int)((long long)(c + 1) * cap / cells);
	if (*b <= *a)   /* more cells than slots: repeat the slot */
		*b = *a + 1;
}

/* The tokens in slots [a, b): up to two runs, [t[0], t[1]) at the head of
 * the sentence and [t[2], t[3]) of its tail. */
static void
slot_tokens(int a, int b, int n, int cap, int tail, int t[4])
{
	int head = n - tail, off = cap - n;   /* tail token i sits in slot i + off */

	t[0] = a < head ? a : head;
	t[1] = b < head ? b : head;
	t[2] = (a > cap - tail ? a : cap - tail) - off;
	t[3] = b - off;
	if (t[2] < head)
		t[2] = head;
	if (t[3] < t[2])
		t[3] = t[2];
	if (off == 0) {   /* no gap: one run */
		t[0] = a;
		t[1] = b;
		t[2] = t[3] = 0;
	}
}

void
derive_downsample_cap(const float *m, int n, int cap, int tail, int rows, int cols, float *out)
{
	for (int r = 0; r < rows; r++) {
		int a, b, tr[4];

		cell_span(r, rows, cap, &a, &b);
		slot_tokens(a, b, n, cap, tail, tr);
		for (int c = 0; c < cols; c++) {
			int tc[4], count = 0;
			double s = 0;

			cell_span(c, cols, cap, &a, &b);
			slot_tokens(a, b, n, cap, tail, tc);
			for (int ri = 0; ri < 4; ri += 2)
				for (int i = tr[ri]; i < tr[ri + 1]; i++)
					for (int ci = 0; ci < 4; ci += 2)
						for (int j = tc[ci]; j < tc[ci + 1]; j++) {
							s += m[(size_t)i * n + j];
							count++;
						}
			out[r * cols + c] = count > 0 ? (float)(s / count) : -1.0f;
		}
	}
}

float
derive_max(const float *v, size_t n)
{
	float m = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

float
derive_maxabs(const float *v, size_t n)
{
	float m = 0;

	for (size_t i = 0; i < n; i++)
		if (fabsf(v[i]) > m)
			m = fabsf(v[i]);
	return m;
}

/* a' = (mean over heads + I) / 2, rows renormalised. */
static void
residual_mean(const float *attn, int heads, int n, float *a)
{
	size_t nn = (size_t)n * n;

	memset(a, 0, nn * sizeof *a);
	for (int h = 0; h < heads; h++)
		for (size_t k = 0; k < nn; k++)
			a[k] += attn[h * nn + k] / heads;
	for (int i = 0; i < n; i++) {
		float *row = a + (size_t)i * n;
		double s = 0;

		row[i] += 1;
		for (int j = 0; j < n; j++)
			s += row[j];
		for (int j = 0; j < n; j++)
			row[j] = s > 0 ? (float)(row[j] / s) : 1.0f / n;
	}
}

/* out = a b, all n x n: O(n^3) per layer, which is why the rollout is
 * made once per frame on the encoder thread and never while drawing. */
static void
matmul(const float *a, const float *b, int n, float *out)
{
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n,
		    0.0f, out, n);
}

void
derive_rollout(const float *attn, int layers, int heads, int n, float *out, float *tmp)
{
	size_t nn = (size_t)n * n;

	for (int l = 0; l < layers; l++) {
		residual_mean(attn + (size_t)l * heads * nn, heads, n, tmp);
		if (l == 0)
			memcpy(out, tmp, nn * sizeof *tmp);
		else
			matmul(tmp, out + (l - 1) * nn, n, out + l * nn);
	}
}

double
derive_cosine(const float *a, const float *b, int n, int d)
{
	double total = 0;

	if (n <= 0)
		return 1;
	for (int i = 0; i < n; i++) {
		const float *x = a + (size_t)i * d, *y = b + (size_t)i * d;
		double xy = 0, xx = 0, yy = 0;

		for (int k = 0; k < d; k++) {
			xy += (double)x[k] * y[k];
			xx += (double)x[k] * x[k];
			yy += (double)y[k] * y[k];
		}
		if (xx == 0 || yy == 0)
			total += xx == yy;
		else
			total += xy / sqrt(xx * yy);
	}
	return total / n;
}

int
derive_rank(int id, const int *ids, int k)
{
	for (int i = 0; i < k; i++)
		if (ids[i] == id)
			return i;
	return -1;
}

void
derive_order(const double *v, int n, int *order)
{
	/* insertion sort: n is heads*layers, a few hundred at most */
	for (int i = 0; i < n; i++) {
		int j = i;

		while (j > 0 && v[order[j - 1]] > v[i]) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
}

void
derive_ranks(const double *v, int n, int *order, int *rank)
{
	int m = 0;

	/* NaNs would break the comparisons of the sort: leave them out */
	for (int i = 0; i < n; i++) {
		rank[i] = -1;
		if (!isnan(v[i]))
			order[m++] = i;
	}
	for (int i = 1; i < m; i++) {
		int t = order[i], j = i;

		while (j > 0 && v[order[j - 1]] > v[t]) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = t;
	}
	for (int i = 0; i < m; i++)
		rank[order[i]] = i > 0 && v[order[i]] == v[order[i - 1]] ? rank[order[i - 1]] : i;
}
