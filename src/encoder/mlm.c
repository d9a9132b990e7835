/* mlm.c — the prediction heads.  The masked-LM head, evaluated at one
 * position only:
 *
 *   t = LayerNorm(act(x Wᵀ + b));  p = softmax(D t + bias)
 *
 * with D the decoder ([vocab, E], usually the tied word embeddings; E is the
 * hidden size, or the embedding size in ALBERT and ELECTRA, whose heads map
 * back to it) and act the family's (RoBERTa and the ELECTRA generator use
 * exact GELU whatever hidden_act says).
 * The TUI asks for a handful of positions, so one row per position is all
 * the work there is; the distribution lands in the state's logits buffer.
 * E is the biggest matrix of a small model (heed-mini: 30522 × 256), so it
 * goes through the packed kernel on the encoder's threads like the layers:
 * as one single-threaded F32 GEMV it took 3 ms, half of a toggle's time.
 */
#include "config.h"

#include <string.h>

#include "encoder_int.h"

/* Is the last layer's row pos current (enc_set_rows)? */
static bool
part_has(const enc_state *s, int pos)
{
	for (int r = 0; r < s->part_n; r++)
		if (s->part_rows[r] == pos)
			return true;
	return s->part_n == 0;
}

/* s->mlm_t = the transformed final row at pos of the last run, and with
 * decode s->logits = the vocabulary logits there. */
static int
mlm_logits_upto(enc_state *s, int pos, bool decode, heed_err *e)
{
	const model *m = s->m;
	const model_config *c = &m->cfg;
	int H = c->hidden;

	if (!m->has_mlm)
		return err_set(e, HEED_EINVAL, "%s has no masked-LM head", m->name ? m->name : "the model");
	if (s->valid != c->layers)
		return err_set(e, HEED_EINVAL, "no complete encoder run to predict from");
	if (pos < 0 || pos >= s->n)
		return err_set(e, HEED_EINVAL, "position %d outside the %d tokens", pos, s->n);
	if (!part_has(s, pos))
		return err_set(e, HEED_EINVAL, "position %d: the last layer ran at other rows", pos);
	/* DeBERTa-v3's head reads its enhanced mask decoder when asked (deberta.c) */
	const float *x = m->has_emd ? enc_deberta_emd(s, pos) :
	    enc_hidden(s, c->layers) + (size_t)pos * H;
	enc_linear_act(s, &m->mlm_w, x, 1, m->mlm_b, c->head_act, s->mlm_t);
	enc_layernorm(s->mlm_t, m->mlm_ln_g, m->mlm_ln_b, c->emb, c->ln_eps, s->mlm_t);
	if (decode)
		enc_linear(s, &m->mlm_dec, s->mlm_t, 1, m->mlm_bias, s->logits);
	return HEED_OK;
}

static int
mlm_logits(enc_state *s, int pos, heed_err *e)
{
	return mlm_logits_upto(s, pos, true, e);
}

/* s->logits = the vocabulary distribution at pos of the last run. */
static int
mlm_distribution(enc_state *s, int pos, heed_err *e)
{
	int rc = mlm_logits(s, pos, e);

	if (rc == HEED_OK)
		enc_softmax(s->logits, s->m->cfg.vocab_size);
	return rc;
}

int
enc_mlm_transform(enc_state *s, int pos, float *t, heed_err *e)
{
	int rc = mlm_logits_upto(s, pos, false, e);

	if (rc == HEED_OK)
		memcpy(t, s->mlm_t, sizeof(float) * (size_t)s->m->cfg.emb);
	return rc;
}

void
enc_mlm_decode(enc_state *s, const float *t, int rows, float *out)
{
	const model *m = s->m;
	int V = m->cfg.vocab_size;

	enc_linear(s, &m->mlm_dec, t, rows, m->mlm_bias, out);
	for (int r = 0; r < rows; r++)
		enc_log_softmax(out + (size_t)r * V, V);
}

int
enc_mlm_logprobs(enc_state *s, int pos, float *out, heed_err *e)
{
	int V = s->m->cfg.vocab_size, rc = mlm_logits(s, pos, e);

	if (rc < 0)
		return rc;
	memcpy(out, s->logits, sizeof(float) * (size_t)V);
	enc_log_softmax(out, V);
	return HEED_OK;
}

int
enc_mlm_topk(enc_state *s, int pos, int k, int *ids, float *probs, heed_err *e)
{
	int V = s->m->cfg.vocab_size, got = 0;
	int rc = mlm_distribution(s, pos, e);

	if (rc < 0)
		return rc;
	if (k <= 0)
		return 0;
	if (k > V)
		k = V;
	/* insertion into a sorted top-k: k is a handful, V tens of thousands;
	 * ties keep the lower id first */
	for (int v = 0; v < V; v++) {
		float p = s->logits[v];
		if (got == k && p <= probs[k - 1])
			continue;
		int j = got < k ? got++ : k - 1;
		while (j > 0 && probs[j - 1] < p) {
			probs[j] = probs[j - 1];
			ids[j] = ids[j - 1];
			j--;
		}
		probs[j] = p;
		ids[j] = v;
	}
	return got;
}

int
enc_mlm_prob(enc_state *s, int pos, int id, float *prob, heed_err *e)
{
	int rc;

	if (id < 0 || id >= s->m->cfg.vocab_size)
		return err_set(e, HEED_EINVAL, "token id %d outside the vocabulary", id);
	if ((rc = mlm_distribution(s, pos, e)) < 0)
		return rc;
	*prob = s->logits[id];
	return HEED_OK;
}

/* ELECTRA's discriminator: per token, logit = w · act(x Wᵀ + b) + b',
 * the probability of "replaced" its sigmoid.  All n rows in one multiply,
 * in the layers' scratch (free between runs). */
int
enc_replaced(enc_state *s, float *p, heed_err *e)
{
	const model *m = s->m;
	const model_config *c = &m->cfg;
	int H = c->hidden, n = s->n;

	if (!m->has_rtd)
		return err_set(e, HEED_EINVAL, "%s has no replaced-token detection head",
			       m->name ? m->name : "the model");
	if (s->valid != c->layers || s->part_n > 0)
		return err_set(e, HEED_EINVAL, "no complete encoder run to predict from");
	enc_linear_act(s, &m->rtd_w, enc_hidden(s, c->layers), n, m->rtd_b, c->act, s->mid);
	for (int t = 0; t < n; t++) {
		const float *r = s->mid + (size_t)t * H;
		float logit = m->rtd_out_b[0];
		for (int k = 0; k < H; k++)
			logit += r[k] * m->rtd_out[k];
		p[t] = 1.0f / (1.0f + enc_expf(-logit));
	}
	return HEED_OK;
}
