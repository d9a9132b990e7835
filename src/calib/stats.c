/* stats.c — what each head does on average over a corpus: how spread out
 * its rows are, where the weight goes ([CLS], final [SEP], self, neighbours)
 * and how much its rows depend on the input.
 *
 * Input dependence is the mean Jensen–Shannon divergence between a head's
 * real row and the row average mode would give for the same sentence, so it
 * needs the averages first: calibration keeps the attention of a sample of
 * sentences from its one pass and measures it at the end (calib_stats_add_jsd).  A head with jsd near 0 loses nothing when frozen
 * to its average, which is what papa-half and topK=... rank by.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "heed/calib.h"
#include "heed/enc.h"

void
calib_stats_init(calib_stats_acc *a, int layers, int heads)
{
	a->layers = layers;
	a->heads = heads;
	a->rows = a->rows_adj = a->jsd_rows = 0.0;
	a->sum = xcalloc((size_t)layers * heads, sizeof(*a->sum));
}

void
calib_stats_free(calib_stats_acc *a)
{
	free(a->sum);
	a->sum = NULL;
}

static double
row_entropy(const float *a, int n)
{
	double h = 0.0;

	for (int j = 0; j < n; j++)
		if (a[j] > 0.0f)
			h -= a[j] * log(a[j]);
	return h;
}

void
calib_stats_add_rows(calib_stats_acc *a, int n)
{
	a->rows += n;
	a->rows_adj += n - 1;
}

void
calib_stats_add_heads(calib_stats_acc *a, int n, const float *const *attn,
		      const float *const *ent, int lh0, int lh1)
{
	for (int lh = lh0; lh < lh1; lh++) {
		calib_head_stats *s = &a->sum[lh];
		for (int i = 0; i < n; i++) {
			const float *row = attn[lh] + (size_t)i * n;
			s->entropy += ent != NULL && ent[lh] != NULL ? ent[lh][i] : row_entropy(row, n);
			s->cls += row[0];
			s->sep += row[n - 1];
			s->self += row[i];
			if (i > 0)
				s->prev += row[i - 1];
			if (i < n - 1)
				s->next += row[i + 1];
		}
	}
}

void
calib_stats_add(calib_stats_acc *a, int n, const float *const *attn)
{
	calib_stats_add_rows(a, n);
	calib_stats_add_heads(a, n, attn, NULL, 0, a->layers * a->heads);
}

/* KL(p || m) where m = (p + q) / 2, in nats; terms with p = 0 vanish. */
static double
kl_to_mid(const float *p, const float *q, int n)
{
	double kl = 0.0;

	for (int j = 0; j < n; j++)
		if (p[j] > 0.0f)
			kl += p[j] * log(2.0 * p[j] / ((double)p[j] + q[j]));
	return kl;
}

double
calib_jsd(const float *p, const float *q, int n)
{
	return 0.5 * kl_to_mid(p, q, n) + 0.5 * kl_to_mid(q, p, n);
}

void
calib_stats_add_jsd_heads(calib_stats_acc *a, const calib *c, int n, const float *const *attn,
			  int lh0, int lh1)
{
	float *q = xmalloc(sizeof(float) * (size_t)n);

	for (int lh = lh0; lh < lh1; lh++) {
		int l = lh / a->heads, h = lh % a->heads;
		for (int i = 0; i < n; i++) {
			const float *p = attn[lh] + (size_t)i * n;
			enc_mode_row(HEAD_AVERAGE, c, c->L, l, h, n, i, NULL, q);
			a->sum[lh].jsd += calib_jsd(p, q, n);
		}
	}
	free(q);
}

void
calib_stats_add_jsd(calib_stats_acc *a, const calib *c, int n, const float *const *attn)
{
	calib_stats_add_jsd_heads(a, c, n, attn, 0, a->layers * a->heads);
	a->jsd_rows += n;
}

static double
mean(double sum, double count)
{
	return count > 0.0 ? sum / count : 0.0;
}

void
calib_stats_store(const calib_stats_acc *a, calib *c)
{
	for (int lh = 0; lh < a->layers * a->heads; lh++) {
		const calib_head_stats *s = &a->sum[lh];
		calib_head_stats *d = &c->stats[lh];
		d->entropy = mean(s->entropy, a->rows);
		d->cls = mean(s->cls, a->rows);
		d->sep = mean(s->sep, a->rows);
		d->self = mean(s->self, a->rows);
		d->prev = mean(s->prev, a->rows_adj);
		d->next = mean(s->next, a->rows_adj);
		d->jsd = mean(s->jsd, a->jsd_rows);
	}
}
