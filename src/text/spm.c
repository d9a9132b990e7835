/* spm.c — SentencePiece model files (spiece.model, spm.model,
 * sentencepiece.bpe.model), decoded with protobuf-c from the published
 * sentencepiece_model.proto, turned into the pipeline SentencePiece runs:
 * its precompiled charsmap, extra whitespace removed (leading, trailing,
 * repeated), a ▁ in front and for every space, then the Unigram lattice
 * over the pieces.  Control pieces (<s>, </s>) and user-defined symbols are
 * matched as added tokens; the template is BERT's when the model has [CLS]
 * and [SEP] (ALBERT, DeBERTa), RoBERTa's <s> A </s> when it has those.
 * SentencePiece's BPE models are refused: heed reads their tokenizer.json.
 */
#include "heed/tok.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

#include "src/text/sentencepiece_model.pb-c.h"

static int32_t *
one_cp(int32_t cp, int *n)
{
	int32_t *p = xmalloc(sizeof *p);

	*p = cp;
	*n = 1;
	return p;
}

static int
normalizer(tok_vocab *v, const Sentencepiece__NormalizerSpec *ns, heed_err *e)
{
	bool extra = ns == NULL || !ns->has_remove_extra_whitespaces || ns->remove_extra_whitespaces;
	bool dummy = ns == NULL || !ns->has_add_dummy_prefix || ns->add_dummy_prefix;
	tok_norm *n;
	tok_pretok *p;
	int rc;

	if (ns != NULL && ns->has_precompiled_charsmap && ns->precompiled_charsmap.len > 0) {
		n = tok_norm_add(v, TOK_NORM_PRECOMPILED);
		rc = tok_precompiled_parse(ns->precompiled_charsmap.data, ns->precompiled_charsmap.len,
					   &n->pc, e);
		if (rc < 0)
			return rc;
	}
	if (extra) {
		n = tok_norm_add(v, TOK_NORM_STRIP);
		n->left = n->right = true;
		n = tok_norm_add(v, TOK_NORM_REPLACE);
		n->pat = NULL;
		if ((n->re = tok_regex_compile(" {2,}", 5, false, e)) == NULL)
			return HEED_EFORMAT;
		n->with = one_cp(' ', &n->nwith);
	}
	v->pre = xcalloc(1, sizeof *v->pre);
	v->npre = 1;
	p = v->pre;
	p->kind = TOK_PRE_METASPACE;
	p->replacement = 0x2581;
	p->prepend = dummy ? 2 : 0;
	p->split = true;
	v->metaspace = true;
	v->meta_char = 0x2581;
	return HEED_OK;
}

static void
template(tok_vocab *v)
{
	int cls = tok_table_find(v->model.vocab, "[CLS]", 5);
	int sep = tok_table_find(v->model.vocab, "[SEP]", 5);
	tok_post *p = &v->post;
	int ids[5];

	if (cls < 0 || sep < 0) {
		cls = tok_table_find(v->model.vocab, "<s>", 3);
		sep = tok_table_find(v->model.vocab, "</s>", 4);
		if (cls >= 0 && sep >= 0) {
			tok_roberta_post(v, cls, sep, true);
			p->trim_offsets = false;
		}
		return;
	}
	/* [CLS] A [SEP] and [CLS] A [SEP] B:1 [SEP]:1 */
	ids[0] = cls;
	ids[1] = sep;
	p->present = true;
	p->single.it = xcalloc(3, sizeof *p->single.it);
	p->single.n = 3;
	p->pair.it = xcalloc(5, sizeof *p->pair.it);
	p->pair.n = 5;
	for (int k = 0; k < 5; k++) {
		tok_tpl_item *it = &p->pair.it[k];

		if (k == 1 || k == 3) {
			it->seq = k == 1 ? 0 : 1;
			it->type = k == 3;
		} else {
			it->seq = -1;
			it->ids = xmalloc(sizeof(int));
			it->ids[0] = ids[k == 0 ? 0 : 1];
			it->nids = 1;
			it->type = k == 4;
		}
		if (k < 3) {
			p->single.it[k] = *it;
			p->single.it[k].type = 0;
			if (it->ids != NULL) {
				p->single.it[k].ids = xmalloc(sizeof(int));
				p->single.it[k].ids[0] = it->ids[0];
			}
		}
	}
}

int
tok_spm_parse(const unsigned char *buf, size_t len, tok_vocab **out, heed_err *e)
{
	Sentencepiece__ModelProto *m;
	tok_vocab *v;
	size_t i;
	int rc = HEED_OK;

	*out = NULL;
	m = sentencepiece__model_proto__unpack(NULL, len, buf);
	if (m == NULL)
		return err_set(e, HEED_EFORMAT, "not a SentencePiece model (the protobuf does not decode)");
	if (m->n_pieces == 0 || m->n_pieces > (1u << 24)) {
		size_t n = m->n_pieces;

		sentencepiece__model_proto__free_unpacked(m, NULL);
		return err_set(e, HEED_EFORMAT, "a SentencePiece model with %zu pieces", n);
	}
	if (m->trainer_spec != NULL && m->trainer_spec->has_model_type &&
	    m->trainer_spec->model_type != SENTENCEPIECE__TRAINER_SPEC__MODEL_TYPE__UNIGRAM) {
		sentencepiece__model_proto__free_unpacked(m, NULL);
		return err_set(e, HEED_EFORMAT,
			       "a SentencePiece BPE, word or char model: heed reads those from tokenizer.json");
	}
	v = tok_new();
	v->model.kind = TOK_UNIGRAM;
	v->kind = "Unigram";
	v->model.score = xmalloc(m->n_pieces * sizeof *v->model.score);
	v->model.min_score = 1e300;
	v->model.fuse_unk = true;
	v->model.byte_fallback = m->trainer_spec != NULL && m->trainer_spec->byte_fallback;
	for (i = 0; i < m->n_pieces; i++) {
		const Sentencepiece__ModelProto__SentencePiece *p = m->pieces[i];
		const char *s = p->piece != NULL ? p->piece : "";

		tok_table_set(v->model.vocab, (int)i, s, strlen(s));
		v->model.score[i] = p->score;
		if (p->score < v->model.min_score)
			v->model.min_score = p->score;
		switch (p->type) {
		case SENTENCEPIECE__MODEL_PROTO__SENTENCE_PIECE__TYPE__UNKNOWN:
			v->model.unk = (int)i;
			tok_add_token(v, (int)i, s, strlen(s), true, false, false, false, false);
			break;
		case SENTENCEPIECE__MODEL_PROTO__SENTENCE_PIECE__TYPE__CONTROL:
			tok_add_token(v, (int)i, s, strlen(s), true, false, false, false, false);
			break;
		case SENTENCEPIECE__MODEL_PROTO__SENTENCE_PIECE__TYPE__USER_DEFINED:
			tok_add_token(v, (int)i, s, strlen(s), false, false, false, false, true);
			break;
		default:
			break;
		}
	}
	tok_table_index(v->model.vocab);
	if (v->model.unk < 0)
		rc = err_set(e, HEED_EFORMAT, "the SentencePiece model has no unknown piece");
	if (rc == HEED_OK)
		rc = normalizer(v, m->normalizer_spec, e);
	sentencepiece__model_proto__free_unpacked(m, NULL);
	if (rc == HEED_OK) {
		template(v);
		rc = tok_finish(v, e);
	}
	if (rc < 0) {
		tok_vocab_free(v);
		return rc;
	}
	*out = v;
	return HEED_OK;
}
