/* spm.c — SentencePiece model files (spiece.model, spm.model,
 * sentencepiece.bpe.model), decoded with protobuf-c from the published
 * sentencepiece_model.proto, turned into the pipeline SentencePiece runs:
 * its precompiled charsmap, extra whitespace removed (leading, trailing,
 * repeated), a ▁ in front and for every space (or, for a model trained
 * with treat_whitespace_as_suffix, at the end: "hello▁" "world▁"), then
 * the model over the pieces: the Unigram lattice; BPE, merging the
 * adjacent pair whose piece scores highest, leftmost first (bpe_model.cc),
 * which is heed's BPE with each pair ranked by its piece's score; whole
 * words; or characters (BPE without merges).  UNUSED pieces are merged
 * through and split back by BPE, never used by Unigram.  A run of unknown
 * pieces becomes one unknown token, as SentencePiece reports it.  Control pieces (<s>, </s>) and user-defined
 * symbols are matched as added tokens; the template is BERT's when the
 * model has [CLS] and [SEP] (ALBERT, DeBERTa), RoBERTa's <s> A </s> when
 * it has those.
 *
 * What transformers adds around the file, from tokenizer_config.json:
 * XLM-R's sentencepiece.bpe.model takes fairseq's ids (<s> <pad> </s>
 * <unk> first, the pieces one place up, <mask> last); do_lower_case
 * lowercases first (ALBERT also replaces `` and '' by " and strips accents
 * unless keep_accents, and lowers by 100 the score of each piece ending in
 * a digit and a comma, as AlbertConverter does); DeBERTa's split_by_punct
 * isolates punctuation, and its mask_token, not a piece, is added past them.
 */
#include "heed/tok.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <utf8proc.h>

#include "src/text/sentencepiece_model.pb-c.h"

static int32_t *
one_cp(int32_t cp, int *n)
{
	int32_t *p = xmalloc(sizeof *p);

	*p = cp;
	*n = 1;
	return p;
}

/* An ASCII string as code points. */
static int32_t *
ascii_cps(const char *s, int *n)
{
	int k = (int)strlen(s);
	int32_t *p = xmalloc(((size_t)k + 1) * sizeof *p);

	for (int i = 0; i < k; i++)
		p[i] = (unsigned char)s[i];
	*n = k;
	return p;
}

static void
replace_text(tok_vocab *v, const char *pat, const char *with)
{
	tok_norm *n = tok_norm_add(v, TOK_NORM_REPLACE);

	n->pat = ascii_cps(pat, &n->npat);
	n->with = ascii_cps(with, &n->nwith);
}

static bool
cfg_bool(const json_t *cfg, const char *key, bool dflt)
{
	const json_t *j = json_object_get(cfg, key);

	return json_is_boolean(j) ? json_is_true(j) : dflt;
}

static bool
class_is(const json_t *cfg, const char *stem)
{
	const char *c = json_string_value(json_object_get(cfg, "tokenizer_class"));

	return c != NULL && strncmp(c, stem, strlen(stem)) == 0;
}

/* A piece ending in a digit and a comma ("1,", "▁000,"): the pieces
 * AlbertConverter pushes down by 100 (check_number_comma false), so the
 * fast tokenizer cuts "1,000," as "1,000" ","; the slow AlbertTokenizer
 * re-splits such pieces after the fact to the same end. */
static bool
number_comma(const char *s)
{
	size_t n = strlen(s), k;
	utf8proc_int32_t cp;

	if (n < 2 || s[n - 1] != ',')
		return false;
	for (k = n - 2; k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80; k--)
		;
	if (utf8proc_iterate((const utf8proc_uint8_t *)s + k, (utf8proc_ssize_t)(n - 1 - k), &cp) !=
	    (utf8proc_ssize_t)(n - 1 - k))
		return false;
	return tok_uc_is_py_digit(cp);
}

/* The casing transformers' tokenizer class applies before SentencePiece
 * (AlbertConverter, DebertaV2Converter): ALBERT lowercases and strips
 * accents by default, DeBERTa and the others only when do_lower_case. */
static void
config_normalizers(tok_vocab *v, const json_t *cfg)
{
	bool albert = class_is(cfg, "Albert");

	if (albert) {
		replace_text(v, "``", "\"");
		replace_text(v, "''", "\"");
		if (!cfg_bool(cfg, "keep_accents", false)) {
			tok_norm_add(v, TOK_NORM_NFKD);
			tok_norm_add(v, TOK_NORM_STRIP_ACCENTS);
		}
	}
	if (cfg_bool(cfg, "do_lower_case", albert))
		tok_norm_add(v, TOK_NORM_LOWER);
}

static int
normalizer(tok_vocab *v, const Sentencepiece__NormalizerSpec *ns, bool split, bool suffix,
	   heed_err *e)
{
	bool extra = ns == NULL || !ns->has_remove_extra_whitespaces || ns->remove_extra_whitespaces;
	bool dummy = ns == NULL || !ns->has_add_dummy_prefix || ns->add_dummy_prefix;
	tok_norm *n;
	tok_pretok *p;
	int rc;

	if (ns != NULL && ns->has_precompiled_charsmap && ns->precompiled_charsmap.len > 0) {
		n = tok_norm_add(v, TOK_NORM_PRECOMPILED);
		rc = tok_precompiled_parse(ns->precompiled_charsmap.data, ns->precompiled_charsmap.len, true,
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
	v->pre = xrealloc(v->pre, (size_t)(v->npre + 1) * sizeof *v->pre);
	p = &v->pre[v->npre++];
	memset(p, 0, sizeof *p);
	p->kind = TOK_PRE_METASPACE;
	p->replacement = 0x2581;
	p->prepend = dummy ? 2 : 0;
	p->split = split;
	p->suffix = suffix;
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

/* The id heed already gives text s (a piece or an added token), or -1. */
static int
known_id(const tok_vocab *v, const char *s)
{
	size_t n = strlen(s);
	int id = tok_table_find(v->model.vocab, s, n);

	for (int i = 0; id < 0 && i < v->nadded; i++)
		if (!v->added[i].nocase && v->added[i].ncontent == n && memcmp(v->added[i].content, s, n) == 0)
			id = v->added[i].id;
	return id;
}

static int
by_id(const void *a, const void *b)
{
	long x = strtol(json_object_iter_key(*(void *const *)a), NULL, 10);
	long y = strtol(json_object_iter_key(*(void *const *)b), NULL, 10);

	return (x > y) - (x < y);
}

/* Tokens transformers adds past the pieces: tokenizer_config.json's
 * added_tokens_decoder (files.c folds a legacy added_tokens.json into it),
 * as PreTrainedTokenizerFast adds them, in id order.  One heed already
 * has (the control pieces, XLM-R's <mask>) must have the same id; a new
 * one takes the next id, as Hugging Face's AddedVocabulary gives it, which
 * must be the id the file says — else heed would show other ids than
 * transformers' and refuses instead. */
static int
config_added(tok_vocab *v, const json_t *cfg, heed_err *e)
{
	json_t *dec = json_object_get(cfg, "added_tokens_decoder");
	size_t n = json_object_size(dec), k = 0;
	void **it, *i;
	int rc = HEED_OK;

	if (!json_is_object(dec) || n == 0)
		return HEED_OK;
	it = xmalloc(n * sizeof *it);
	for (i = json_object_iter(dec); i != NULL; i = json_object_iter_next(dec, i))
		it[k++] = i;
	qsort(it, n, sizeof *it, by_id);
	for (k = 0; k < n && rc == HEED_OK; k++) {
		const char *key = json_object_iter_key(it[k]), *s;
		json_t *t = json_object_iter_value(it[k]), *norm;
		bool special;
		char *end;
		long id = strtol(key, &end, 10);
		int have, next;

		s = json_string_value(json_object_get(t, "content"));
		if (*end != '\0' || id < 0 || id > (1L << 24) || s == NULL || *s == '\0') {
			rc = err_set(e, HEED_EFORMAT, "tokenizer_config.json: added token \"%s\" is not "
				     "an id with a content", key);
			break;
		}
		if ((have = known_id(v, s)) >= 0) {
			if (have != id)
				rc = err_set(e, HEED_EFORMAT, "tokenizer_config.json gives \"%s\" id %ld, "
					     "the model %d", s, id, have);
			continue;
		}
		next = tok_table_size(v->model.vocab);
		for (int a = 0; a < v->nadded; a++)
			if (v->added[a].id >= next)
				next = v->added[a].id + 1;
		if (id != next) {
			rc = err_set(e, HEED_EFORMAT, "tokenizer_config.json gives the added token \"%s\" "
				     "id %ld, but the next free id is %d", s, id, next);
			break;
		}
		tok_table_set(v->model.vocab, (int)id, s, strlen(s));
		special = json_is_true(json_object_get(t, "special"));
		norm = json_object_get(t, "normalized");
		/* AddedToken: normalized unless special, when not given */
		tok_add_token(v, (int)id, s, strlen(s), special,
			      json_is_true(json_object_get(t, "single_word")),
			      json_is_true(json_object_get(t, "lstrip")),
			      json_is_true(json_object_get(t, "rstrip")),
			      json_is_boolean(norm) ? json_is_true(norm) : !special);
		tok_table_index(v->model.vocab);
	}
	free(it);
	return rc;
}

/* Where piece i of the file goes: itself, or under fairseq's layout
 * (XLMRobertaConverter) one place up past <s> <pad> </s> <unk>, the file's
 * own first three (<unk> <s> </s>) taking those names' ids. */
static int
piece_id(bool fairseq, size_t i)
{
	static const int first[3] = { 3, 0, 2 };

	if (!fairseq)
		return (int)i;
	return i < 3 ? first[i] : (int)i + 1;
}

/* SentencePiece's BPE as heed's: every way to cut a normal piece into two
 * normal pieces is a merge to it, ranked by its score, highest first, equal
 * scores sharing a rank (the leftmost pair then wins, as in bpe_model.cc). */
static void
spm_merges(tok_vocab *v, const Sentencepiece__ModelProto *m, const double *score, bool fairseq)
{
	size_t n = m->n_pieces, i, k, nr = 0;
	double *sc = xmalloc(n * sizeof *sc);

	for (i = 0; i < n; i++)
		sc[i] = score[i];
	/* distinct scores, descending: a piece's rank is its score's place */
	for (i = 1; i < n; i++)
		for (k = i; k > 0 && sc[k - 1] < sc[k]; k--) {
			double t = sc[k];

			sc[k] = sc[k - 1];
			sc[k - 1] = t;
		}
	for (i = 0; i < n; i++)
		if (nr == 0 || sc[i] != sc[nr - 1])
			sc[nr++] = sc[i];
	for (i = 0; i < n; i++) {
		const Sentencepiece__ModelProto__SentencePiece *p = m->pieces[i];
		const char *s = p->piece != NULL ? p->piece : "";
		size_t len = strlen(s), lo = 0, hi = nr, cut;

		if (p->type != SENTENCEPIECE__MODEL_PROTO__SENTENCE_PIECE__TYPE__NORMAL &&
		    p->type != SENTENCEPIECE__MODEL_PROTO__SENTENCE_PIECE__TYPE__USER_DEFINED &&
		    p->type != SENTENCEPIECE__MODEL_PROTO__SENTENCE_PIECE__TYPE__UNUSED)
			continue;
		while (lo < hi) {   /* sc is descending */
			size_t mid = (lo + hi) / 2;

			if (sc[mid] > score[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		for (cut = 1; cut < len; cut++) {
			int a, b;

			if (((unsigned char)s[cut] & 0xC0) == 0x80)
				continue;
			a = tok_table_find(v->model.vocab, s, cut);
			b = tok_table_find(v->model.vocab, s + cut, len - cut);
			if (a >= 0 && b >= 0 && v->model.score[a] > -1e300 && v->model.score[b] > -1e300)
				tok_bpe_add_merge(&v->model, a, b, (int)lo, piece_id(fairseq, i));
		}
	}
	free(sc);
}

int
tok_spm_parse(const unsigned char *buf, size_t len, tok_vocab **out, heed_err *e)
{
	return tok_spm_build(buf, len, NULL, NULL, out, e);
}

int
tok_spm_build(const unsigned char *buf, size_t len, const json_t *cfg, const char *file,
	      tok_vocab **out, heed_err *e)
{
	Sentencepiece__ModelProto *m;
	const Sentencepiece__TrainerSpec *ts;
	tok_vocab *v;
	size_t i, n;
	int rc = HEED_OK, type;
	bool fairseq, split, albert = class_is(cfg, "Albert");
	const char *mask;
	double *score;

	*out = NULL;
	m = sentencepiece__model_proto__unpack(NULL, len, buf);
	if (m == NULL)
		return err_set(e, HEED_EFORMAT, "not a SentencePiece model (the protobuf does not decode)");
	n = m->n_pieces;
	if (n == 0 || n > (1u << 24)) {
		sentencepiece__model_proto__free_unpacked(m, NULL);
		return err_set(e, HEED_EFORMAT, "a SentencePiece model with %zu pieces", n);
	}
	ts = m->trainer_spec;
	type = ts != NULL && ts->has_model_type ? (int)ts->model_type :
	    SENTENCEPIECE__TRAINER_SPEC__MODEL_TYPE__UNIGRAM;
	split = ts == NULL || !ts->has_split_by_whitespace || ts->split_by_whitespace;
	/* CamembertConverter numbers the file's pieces its own way (five
	 * fairseq specials, the file's <unk> dropped): ids heed would get
	 * wrong without a word, so it asks for the tokenizer.json instead. */
	if (file != NULL && strcmp(file, "sentencepiece.bpe.model") == 0 && class_is(cfg, "Camembert")) {
		sentencepiece__model_proto__free_unpacked(m, NULL);
		return err_set(e, HEED_EFORMAT, "CamemBERT renumbers this file's pieces; heed reads a "
			       "CamemBERT tokenizer from its tokenizer.json, which this folder lacks");
	}
	/* XLNet's template puts <sep> <cls> last, with <cls> of type 2 and
	 * padding on the left: its tokenizer.json says so, a bare .model not */
	if (class_is(cfg, "XLNet")) {
		sentencepiece__model_proto__free_unpacked(m, NULL);
		return err_set(e, HEED_EFORMAT, "an XLNet tokenizer is read from its tokenizer.json, "
			       "which this folder lacks (its .model alone does not say XLNet's template)");
	}
	/* transformers' XLMRobertaTokenizer: fairseq's ids around the file's */
	fairseq = file != NULL && strcmp(file, "sentencepiece.bpe.model") == 0 &&
	    (json_object_get(cfg, "tokenizer_class") == NULL || class_is(cfg, "XLMRoberta")) && n >= 3;
	v = tok_new();
	switch (type) {
	case SENTENCEPIECE__TRAINER_SPEC__MODEL_TYPE__UNIGRAM:
		v->model.kind = TOK_UNIGRAM;
		v->kind = "Unigram";
		break;
	case SENTENCEPIECE__TRAINER_SPEC__MODEL_TYPE__BPE:
		v->model.kind = TOK_BPE;
		v->kind = "BPE";
		break;
	case SENTENCEPIECE__TRAINER_SPEC__MODEL_TYPE__WORD:
		v->model.kind = TOK_WORDLEVEL;
		v->kind = "WordLevel";
		break;
	case SENTENCEPIECE__TRAINER_SPEC__MODEL_TYPE__CHAR:
		/* characters: BPE without a merge */
		v->model.kind = TOK_BPE;
		v->kind = "Char";
		break;
	default:
		sentencepiece__model_proto__free_unpacked(m, NULL);
		tok_vocab_free(v);
		return err_set(e, HEED_EFORMAT, "SentencePiece model type %d is unknown", type);
	}
	/* the pieces' scores as the converter hands them to the fast model */
	score = xmalloc(n * sizeof *score);
	for (i = 0; i < n; i++) {
		const char *s = m->pieces[i]->piece != NULL ? m->pieces[i]->piece : "";

		score[i] = (double)m->pieces[i]->score - (albert && number_comma(s) ? 100.0 : 0.0);
	}
	v->model.score = xmalloc((n + 2) * sizeof *v->model.score);
	for (i = 0; i < n + 2; i++)
		v->model.score[i] = -1e301;   /* not a piece merges may use */
	v->model.min_score = 1e300;
	v->model.fuse_unk = true;
	v->fuse_unk_run = true;
	v->model.byte_fallback = ts != NULL && ts->byte_fallback;
	if (fairseq) {
		tok_table_set(v->model.vocab, 1, "<pad>", 5);
		tok_add_token(v, 1, "<pad>", 5, true, false, false, false, false);
	}
	for (i = 0; i < n; i++) {
		const Sentencepiece__ModelProto__SentencePiece *p = m->pieces[i];
		const char *s = p->piece != NULL ? p->piece : "";
		int id = piece_id(fairseq, i);

		if (fairseq && i < 3)
			s = i == 0 ? "<unk>" : i == 1 ? "<s>" : "</s>";
		tok_table_set(v->model.vocab, id, s, strlen(s));
		if (score[i] < v->model.min_score)
			v->model.min_score = score[i];
		switch (p->type) {
		case SENTENCEPIECE__MODEL_PROTO__SENTENCE_PIECE__TYPE__UNKNOWN:
			v->model.unk = id;
			tok_add_token(v, id, s, strlen(s), true, false, false, false, false);
			break;
		case SENTENCEPIECE__MODEL_PROTO__SENTENCE_PIECE__TYPE__CONTROL:
			tok_add_token(v, id, s, strlen(s), true, false, false, false, false);
			break;
		case SENTENCEPIECE__MODEL_PROTO__SENTENCE_PIECE__TYPE__USER_DEFINED:
			tok_add_token(v, id, s, strlen(s), false, false, false, false, true);
			v->model.score[id] = score[i];
			break;
		case SENTENCEPIECE__MODEL_PROTO__SENTENCE_PIECE__TYPE__NORMAL:
			v->model.score[id] = score[i];
			break;
		case SENTENCEPIECE__MODEL_PROTO__SENTENCE_PIECE__TYPE__UNUSED:
			/* a piece BPE merges through but never shows (bpe.c);
			 * not in Unigram's lattice (unigram.c) */
			v->model.score[id] = score[i];
			if (v->model.unused == NULL)
				v->model.unused = xcalloc(n + 2, 1);
			v->model.unused[id] = 1;
			break;
		default:
			break;
		}
		if (v->model.kind == TOK_UNIGRAM)
			v->model.score[id] = score[i];
	}
	tok_table_index(v->model.vocab);
	if (fairseq) {
		/* XLM-R's <mask> takes the spaces before it (lstrip) */
		tok_table_set(v->model.vocab, (int)n + 1, "<mask>", 6);
		tok_add_token(v, (int)n + 1, "<mask>", 6, true, false, true, false, false);
		v->sp.mask = (int)n + 1;
		tok_table_index(v->model.vocab);
	} else if ((mask = tok_config_token(cfg, NULL, "mask_token", NULL)) != NULL &&
		   tok_table_find(v->model.vocab, mask, strlen(mask)) < 0) {
		/* DeBERTa-v3's [MASK] is not a piece: the tokenizer adds it
		 * past them, as DebertaV2Tokenizer does */
		tok_table_set(v->model.vocab, (int)n, mask, strlen(mask));
		tok_add_token(v, (int)n, mask, strlen(mask), true, false, false, false, false);
		v->sp.mask = (int)n;
		tok_table_index(v->model.vocab);
	}
	if (v->model.unk < 0)
		rc = err_set(e, HEED_EFORMAT, "the SentencePiece model has no unknown piece");
	if (rc == HEED_OK && type == SENTENCEPIECE__TRAINER_SPEC__MODEL_TYPE__BPE)
		spm_merges(v, m, score, fairseq);
	if (rc == HEED_OK)
		rc = config_added(v, cfg, e);
	if (rc == HEED_OK && cfg != NULL && cfg_bool(cfg, "split_by_punct", false)) {
		/* DeBERTa: punctuation isolated before the Metaspace split */
		v->pre = xcalloc(1, sizeof *v->pre);
		v->npre = 1;
		v->pre->kind = TOK_PRE_PUNCT;
		v->pre->behavior = TOK_ISOLATED;
	}
	if (rc == HEED_OK) {
		config_normalizers(v, cfg);
		rc = normalizer(v, m->normalizer_spec, split,
				ts != NULL && ts->has_treat_whitespace_as_suffix && ts->treat_whitespace_as_suffix,
				e);
	}
	sentencepiece__model_proto__free_unpacked(m, NULL);
	free(score);
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
