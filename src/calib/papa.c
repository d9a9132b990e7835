/* papa.c — PAPA average attention (Hassid et al. 2022): sums of every head's
 * attention over a corpus in a fixed layout of L slots, and the averages
 * derived from them.  See DESIGN.md, "Average attention (PAPA), exactly".
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "heed/calib.h"

calib *
calib_new(const model_config *cfg, int L, int rank)
{
	calib *c = xcalloc(1, sizeof(*c));
	size_t nh = (size_t)cfg->layers * cfg->heads, ll = (size_t)L * L;

	c->layers = cfg->layers;
	c->heads = cfg->heads;
	c->hidden = cfg->hidden;
	c->L = L;
	c->rank = rank;
	c->model_hash = config_hash(cfg);
	c->random_seed = CALIB_DEFAULT_SEED;
	c->sum = xcalloc(nh * ll, sizeof(double));
	c->count = xcalloc(ll, sizeof(double));
	c->avg = xcalloc(nh * ll, sizeof(float));
	c->stats = xcalloc(nh, sizeof(calib_head_stats));
	/* Synthesizer weights exist (zero: uniform rows) from the start so a
	 * calib is always complete; has_synth says whether they were fitted. */
	if (rank > 0) {
		c->syn_w1 = xcalloc(nh * rank * cfg->hidden, sizeof(float));
		c->syn_b1 = xcalloc(nh * rank, sizeof(float));
		c->syn_w2 = xcalloc(nh * L * rank, sizeof(float));
		c->syn_b2 = xcalloc(nh * L, sizeof(float));
	}
	return c;
}

void
calib_free(calib *c)
{
	if (c == NULL)
		return;
	free(c->sum);
	free(c->count);
	free(c->avg);
	free(c->syn_w1);
	free(c->syn_b1);
	free(c->syn_w2);
	free(c->syn_b2);
	free(c->stats);
	free(c);
}

void
calib_add_counts(calib *c, int n)
{
	int L = c->L;

	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			c->count[(size_t)calib_slot(i, n, L) * L + calib_slot(j, n, L)] += 1.0;
	c->sentences++;
	c->rows += (uint64_t)n;
}

void
calib_add_heads(calib *c, int n, const float *const *attn, int lh0, int lh1)
{
	int L = c->L;

	for (int lh = lh0; lh < lh1; lh++) {
		double *sum = c->sum + (size_t)lh * L * L;
		for (int i = 0; i < n; i++) {
			double *row = sum + (size_t)calib_slot(i, n, L) * L;
			const float *a = attn[lh] + (size_t)i * n;
			for (int j = 0; j < n; j++)
				row[calib_slot(j, n, L)] += a[j];
		}
	}
}

void
calib_add_sentence(calib *c, int n, const float *const *attn)
{
	calib_add_counts(c, n);
	calib_add_heads(c, n, attn, 0, c->layers * c->heads);
}

void
calib_finish(calib *c)
{
	size_t ll = (size_t)c->L * c->L;

	for (size_t lh = 0; lh < (size_t)c->layers * c->heads; lh++)
		for (size_t k = 0; k < ll; k++) {
			double cnt = c->count[k];
			c->avg[lh * ll + k] = cnt > 0.0 ? (float)(c->sum[lh * ll + k] / cnt) : 0.0f;
		}
}
