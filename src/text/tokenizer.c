/* tokenizer.c — the pipeline: text → added tokens, normalizer,
 * pre-tokenizer, model, post-processor, as Hugging Face's
 * Tokenizer::encode runs it; and the tokenizer's public accessors.
 *
 * Added tokens are cut out of the raw text first (those matched before
 * normalization), then each stretch between them is normalized and cut
 * again by the added tokens matched on normalized text; what is left goes
 * through the pre-tokenizers and the model.  Every token keeps the byte
 * span of the input it came from.
 */
#include "heed/tok.h"
#include "text.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

/* Each invalid byte becomes a U+FFFD of its own, which BERT's cleaning
 * drops: like Python's errors="replace", it still stops "[MA\xffSK]" from
 * being read as [MASK]. */
static int
decode(const char *text, size_t len, tok_chars *cps)
{
	const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)text;
	utf8proc_int32_t cp;
	utf8proc_ssize_t k;
	size_t i = 0;
	int invalid = 0;

	while (i < len) {
		if (s[i] < 0x80) {
			tok_chars_push(cps, s[i], (int)i, (int)i + 1);
			i++;
			continue;
		}
		k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &cp);
		if (k < 1) {
			tok_chars_push(cps, 0xFFFD, (int)i, (int)i + 1);
			invalid++;
			i++;
			continue;
		}
		tok_chars_push(cps, cp, (int)i, (int)(i + (size_t)k));
		i += (size_t)k;
	}
	return invalid;
}

/* ---- added tokens --------------------------------------------------------- */

/* Rust regex's \w: Alphabetic, marks, decimal digits, connectors. */
static bool
is_word(int32_t cp)
{
	utf8proc_category_t c;

	if (cp < 0x80)
		return (cp >= '0' && cp <= '9') || ((cp | 32) >= 'a' && (cp | 32) <= 'z') || cp == '_';
	if (cp == 0x200C || cp == 0x200D)
		return true;
	c = utf8proc_category(cp);
	return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ||
	       (c >= UTF8PROC_CATEGORY_MN && c <= UTF8PROC_CATEGORY_ME) ||
	       c == UTF8PROC_CATEGORY_ND || c == UTF8PROC_CATEGORY_NL || c == UTF8PROC_CATEGORY_PC;
}

static int32_t
ascii_lower(int32_t cp)
{
	return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
}

/* The longest added token of the phase matching at c[i], or NULL. */
static const tok_added *
match_at(const tok_vocab *v, const tok_char *c, int n, int i, bool normalized)
{
	const tok_added *best = NULL;
	int k, j;

	/* most characters start no added token: one bit says so */
	if (!(v->added_first[(c[i].cp & 255) >> 6] >> (c[i].cp & 63) & 1))
		return NULL;
	for (k = 0; k < v->nadded; k++) {
		const tok_added *a = &v->added[k];

		if (a->normalized != normalized || a->ncp == 0 || a->ncp > n - i ||
		    (best != NULL && a->ncp <= best->ncp))
			continue;
		if (a->nocase) {
			for (j = 0; j < a->ncp && ascii_lower(c[i + j].cp) == a->cp[j]; j++)
				;
		} else {
			for (j = 0; j < a->ncp && c[i + j].cp == a->cp[j]; j++)
				;
		}
		if (j == a->ncp)
			best = a;
	}
	return best;
}

/* Cut c[0..n) by the added tokens of one phase, as Rust's find_matches:
 * leftmost-longest matches; single_word ones need non-word neighbours;
 * lstrip/rstrip take the spaces around.  Appends pieces to sp: text pieces
 * (id -1) copied into text, token pieces with their byte span. */
static void
cut_added(const tok_vocab *v, const tok_char *c, int n, bool normalized, int origin,
	  tok_chars *text, tok_splits *sp)
{
	int i = 0, from = 0, start, stop, k;
	const tok_added *a;
	tok_split *s;

	while (i < n) {
		if (v->nadded == 0 || (a = match_at(v, c, n, i, normalized)) == NULL) {
			i++;
			continue;
		}
		start = i;
		stop = i + a->ncp;
		i = stop;
		if (a->single_word && ((start > 0 && is_word(c[start - 1].cp)) ||
				       (stop < n && is_word(c[stop].cp))))
			continue;
		if (a->lstrip) {
			while (start > from && tok_uc_is_space(c[start - 1].cp))
				start--;
		}
		if (a->rstrip) {
			while (stop < n && tok_uc_is_space(c[stop].cp))
				stop++;
			i = stop;
		}
		if (from < start) {
			k = text->n;
			for (int j = from; j < start; j++)
				tok_chars_push(text, c[j].cp, c[j].begin, c[j].end);
			tok_splits_push(sp, k, text->n, -1);
			sp->s[sp->n - 1].begin = from == 0 ? origin : c[from].begin;
		}
		tok_splits_push(sp, text->n, text->n, a->id);
		s = &sp->s[sp->n - 1];
		s->begin = c[start].begin;
		s->end = c[stop - 1].end;
		from = stop;
	}
	if (from < n) {
		k = text->n;
		for (int j = from; j < n; j++)
			tok_chars_push(text, c[j].cp, c[j].begin, c[j].end);
		tok_splits_push(sp, k, text->n, -1);
		sp->s[sp->n - 1].begin = from == 0 ? origin : c[from].begin;
	}
}

/* ---- one sequence ------------------------------------------------------- */

static void
run_model(const tok_vocab *v, const tok_char *c, int n, tok_out *out, tok_mws *ws)
{
	switch (v->model.kind) {
	case TOK_WORDPIECE:
		tok_wordpiece(&v->model, c, n, out, ws);
		break;
	case TOK_BPE:
		tok_bpe(&v->model, c, n, out, ws);
		break;
	case TOK_UNIGRAM:
		tok_unigram(&v->model, c, n, out, ws);
		break;
	case TOK_WORDLEVEL:
		tok_wordlevel(&v->model, c, n, out, ws);
		break;
	}
}

/* Tokens of added-token pieces are marked in their type until the
 * template sets the real one. */
#define ADDED 2

/* Byte position k characters after (k > 0) or before (k < 0) pos. */
static int
step_chars(const char *text, int len, int pos, int k)
{
	for (; k > 0 && pos < len; k--)
		for (pos++; pos < len && ((unsigned char)text[pos] & 0xC0) == 0x80; pos++)
			;
	for (; k < 0 && pos > 0; k++)
		for (pos--; pos > 0 && ((unsigned char)text[pos] & 0xC0) == 0x80; pos--)
			;
	return pos;
}

/* ByteLevel's trim_offsets: a token's span loses its leading and trailing
 * spaces (Ġ or whitespace), except the one space add_prefix_space put in
 * front of the first token.  Hugging Face's bindings (Python's, Node's)
 * trim character offsets, so the spans move by characters here too. */
static void
trim_offsets(const tok_vocab *v, tok_out *o, const char *text, int tlen)
{
	int i, lead, trail, k, m, b;
	size_t len;
	const char *p;
	int32_t cps[256];

	for (i = 0; i < o->n; i++) {
		tok_token *t = &o->t[i];

		p = tok_table_piece(v->names, t->id, &len);
		if (t->type == ADDED) {
			/* an added token's string is the text it matched,
			 * spaces that lstrip/rstrip took included */
			p = text + t->begin;
			len = (size_t)(t->end - t->begin);
		}
		if (p == NULL)
			continue;
		m = 0;
		for (size_t q = 0; q < len && m < 256;) {
			utf8proc_int32_t cp;
			utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)p + q,
							      (utf8proc_ssize_t)(len - q), &cp);

			if (n < 1)
				break;
			cps[m++] = cp;
			q += (size_t)n;
		}
		for (lead = 0; lead < m && (cps[lead] == 0x120 || tok_uc_is_space(cps[lead])); lead++)
			;
		for (trail = 0, k = m - 1; k >= 0 && (cps[k] == 0x120 || tok_uc_is_space(cps[k])); k--)
			trail++;
		if (lead > 0) {
			if ((i == 0 || t->begin == 0) && v->post.prefix_space && lead == 1)
				lead = 0;
			b = step_chars(text, tlen, t->begin, lead);
			t->begin = b < t->end ? b : t->end;
		}
		if (trail > 0) {
			b = step_chars(text, tlen, t->end, -trail);
			t->end = b > t->begin ? b : t->begin;
		}
	}
}

/* SentencePiece turns a run of unknown pieces into one unknown token
 * (PopulateSentencePieceText), even across words: "▁foo▁bar" of a word
 * model is one <unk> when neither word is known. */
static void
fuse_unknown(const tok_vocab *v, tok_out *o)
{
	int i, k = 0, unk = v->model.unk;

	for (i = 0; i < o->n; i++) {
		tok_token *t = &o->t[i];

		if (k > 0 && t->id == unk && t->type != ADDED && o->t[k - 1].id == unk &&
		    o->t[k - 1].type != ADDED) {
			o->t[k - 1].end = t->end;
			continue;
		}
		o->t[k++] = *t;
	}
	o->n = k;
}

/* Tokenize one sequence into seg (no special tokens); returns the number
 * of invalid bytes. */
static int
encode_seq(const tok_vocab *v, tok_ws *w, const char *text, size_t len, bool lowercase,
	   tok_out *seg)
{
	int invalid, i, k, n0, word;

	w->cps.n = w->t1.n = w->sp.n = w->sp2.n = 0;
	seg->n = 0;
	invalid = decode(text, len, &w->cps);
	/* 1. added tokens on the raw text: pieces in t2/sp2 */
	w->t2.n = 0;
	cut_added(v, w->cps.c, w->cps.n, false, 0, &w->t2, &w->sp2);
	/* 2. normalize each text piece, cut by the normalized added tokens */
	for (i = 0; i < w->sp2.n; i++) {
		tok_split *s = &w->sp2.s[i];

		if (s->id >= 0) {
			tok_splits_push(&w->sp, w->t1.n, w->t1.n, s->id);
			w->sp.s[w->sp.n - 1].begin = s->begin;
			w->sp.s[w->sp.n - 1].end = s->end;
			continue;
		}
		w->t3.n = 0;
		for (k = s->a; k < s->b; k++)
			tok_chars_push(&w->t3, w->t2.c[k].cp, w->t2.c[k].begin, w->t2.c[k].end);
		tok_norm_run(v->norm, v->nnorm, lowercase, &w->t3, &w->t4, &w->cps, &w->rx);
		n0 = w->sp.n;
		cut_added(v, w->t3.c, w->t3.n, true, s->begin, &w->t1, &w->sp);
		for (k = n0; k < w->sp.n; k++)
			if (w->sp.s[k].id < 0)
				w->sp.s[k].first = w->sp.s[k].begin == 0;
	}
	/* 3. pre-tokenize */
	tok_pretok_run(v->pre, v->npre, w);
	/* 4. the model; each split that yields tokens is a word (Hugging
	 * Face numbers its non-empty splits, and every one yields a token) */
	for (i = 0, word = 0; i < w->sp.n; i++) {
		tok_split *s = &w->sp.s[i];
		int n1 = seg->n;

		if (s->id >= 0) {
			tok_out_push(seg, s->id, s->begin, s->end);
			seg->t[seg->n - 1].type = ADDED;
		} else
			run_model(v, w->t1.c + s->a, s->b - s->a, seg, &w->mws);
		for (k = n1; k < seg->n; k++)
			seg->t[k].word = word;
		word += seg->n > n1;
	}
	if (v->fuse_unk_run)
		fuse_unknown(v, seg);
	if (v->post.trim_offsets)
		trim_offsets(v, seg, text, (int)len);
	return invalid;
}

/* ---- the post-processor --------------------------------------------------- */

static int
added_count(const tok_tpl *t)
{
	int i, n = 0;

	for (i = 0; i < t->n; i++)
		if (t->it[i].seq < 0)
			n += t->it[i].nids;
	return n;
}

/* Hugging Face's longest_first truncation of a pair to max tokens. */
static void
truncate_pair(int *na, int *nb, int max)
{
	int n1 = *na, n2 = *nb;
	bool swap = n1 > n2;

	if (n1 + n2 <= max)
		return;
	if (swap) {
		int t = n1;

		n1 = n2;
		n2 = t;
	}
	if (n1 > max)
		n2 = n1;
	else
		n2 = n1 > max - n1 ? n1 : max - n1;
	if (n1 + n2 > max) {
		n1 = max / 2;
		n2 = n1 + max % 2;
	}
	if (swap) {
		int t = n1;

		n1 = n2;
		n2 = t;
	}
	if (n1 < *na)
		*na = n1;
	if (n2 < *nb)
		*nb = n2;
}

/* The segment a template's special token belongs to: the sentence
 * before it, or for leading ones the first sentence after it.  Type ids
 * cannot say it: RoBERTa's pair template gives every token type 0. */
static int
item_segment(const tok_tpl *t, int i)
{
	int k;

	for (k = i; k >= 0; k--)
		if (t->it[k].seq >= 0)
			return t->it[k].seq;
	for (k = i; k < t->n; k++)
		if (t->it[k].seq >= 0)
			return t->it[k].seq;
	return 0;
}

static void
apply_template(const tok_tpl *t, tok_out *seg, const int *keep, tok_out *out)
{
	int i, j;

	for (i = 0; i < t->n; i++) {
		const tok_tpl_item *it = &t->it[i];

		if (it->seq < 0) {
			int sg = item_segment(t, i);

			for (j = 0; j < it->nids; j++) {
				tok_out_push(out, it->ids[j], -1, -1);
				out->t[out->n - 1].type = it->type;
				out->t[out->n - 1].seq = -1;
				out->t[out->n - 1].seg = sg;
				out->t[out->n - 1].word = -1;
			}
			continue;
		}
		for (j = 0; j < keep[it->seq]; j++) {
			tok_token *s = &seg[it->seq].t[j];

			tok_out_push(out, s->id, s->begin, s->end);
			out->t[out->n - 1].type = it->type;
			out->t[out->n - 1].seq = it->seq;
			out->t[out->n - 1].seg = it->seq;
			out->t[out->n - 1].word = s->word;
		}
	}
}

/* ---- the public API -------------------------------------------------------- */

tok_ws *
tok_ws_new(void)
{
	return xcalloc(1, sizeof(tok_ws));
}

void
tok_mws_free(tok_mws *w)
{
	free(w->heap);
	free(w->s.s);
	free(w->s2.s);
	free(w->sym);
	free(w->best);
	free(w->from);
	free(w->bid);
	free(w->rev);
	tok_bcache_free(&w->cache);
}

void
tok_ws_free(tok_ws *w)
{
	if (w == NULL)
		return;
	tok_chars_free(&w->cps);
	tok_chars_free(&w->t1);
	tok_chars_free(&w->t2);
	tok_chars_free(&w->t3);
	tok_chars_free(&w->t4);
	free(w->sp.s);
	free(w->sp2.s);
	tok_rx_free(&w->rx);
	for (int i = 0; i < 3; i++)
		free(w->cut[i].p);
	free(w->seg[0].t);
	free(w->seg[1].t);
	free(w->out.t);
	free(w->str.s);
	tok_mws_free(&w->mws);
	free(w);
}

int
tok_encode_pair(const tok_vocab *v, tok_ws *w, const char *a, size_t alen, const char *b,
		size_t blen, bool lowercase, int max_tokens, tok_result *out, heed_err *e)
{
	const tok_tpl *t = b != NULL ? &v->post.pair : &v->post.single;
	tok_tpl plain = { 0 };
	tok_tpl_item items[2] = { { .seq = 0 }, { .seq = 1, .type = 1 } };
	int added, keep[2], budget;

	memset(out, 0, sizeof *out);
	if (alen > INT_MAX || blen > INT_MAX)
		return err_set(e, HEED_EINVAL, "input of %zu bytes is too long", alen > blen ? alen : blen);
	if (!v->post.present) {
		/* no post-processor: the sequences as they are */
		plain.it = items;
		plain.n = b != NULL ? 2 : 1;
		t = &plain;
	}
	if (v->from_vocab_txt && !v->post.present)
		return err_set(e, HEED_EFORMAT, "vocabulary has no [CLS] or no [SEP]");
	added = added_count(t);
	if (max_tokens < added || max_tokens < 1)
		return err_set(e, HEED_EINVAL, "max_tokens %d leaves no room for the %d special tokens",
			       max_tokens, added);
	out->invalid_bytes = encode_seq(v, w, a, alen, lowercase, &w->seg[0]);
	w->seg[1].n = 0;
	if (b != NULL) {
		/* the pipeline's buffers are reused: keep sequence A's tokens */
		tok_out tmp = w->seg[0];

		w->seg[0] = w->seg[1];
		out->invalid_bytes += encode_seq(v, w, b, blen, lowercase, &w->seg[0]);
		w->seg[1] = w->seg[0];
		w->seg[0] = tmp;
	}
	keep[0] = w->seg[0].n;
	keep[1] = w->seg[1].n;
	out->n_full = keep[0] + keep[1] + added;
	budget = max_tokens - added;
	if (b != NULL)
		truncate_pair(&keep[0], &keep[1], budget);
	else if (keep[0] > budget)
		keep[0] = budget;
	w->out.n = 0;
	apply_template(t, w->seg, keep, &w->out);
	out->n = w->out.n;
	out->truncated = out->n < out->n_full;
	out->tok = w->out.t;
	out->pair = b != NULL;
	return HEED_OK;
}

#define PAIR_MARK " ||| "

bool
tok_pair_split(const char *text, size_t len, size_t *alen, size_t *boff)
{
	const char *tab = memchr(text, '\t', len);
	size_t k, m = strlen(PAIR_MARK);

	*alen = len;
	*boff = len;
	if (tab != NULL) {
		*alen = (size_t)(tab - text);
		*boff = *alen + 1;
		return true;
	}
	for (k = 0; k + m <= len; k++)
		if (memcmp(text + k, PAIR_MARK, m) == 0) {
			*alen = k;
			*boff = k + m;
			return true;
		}
	return false;
}

int
tok_encode_line(const tok_vocab *v, tok_ws *w, const char *text, size_t len, bool lowercase,
		int max_tokens, tok_result *out, heed_err *e)
{
	size_t alen, boff;
	int rc;

	if (!tok_pair_split(text, len, &alen, &boff))
		return tok_encode_pair(v, w, text, len, NULL, 0, lowercase, max_tokens, out, e);
	rc = tok_encode_pair(v, w, text, alen, text + boff, len - boff, lowercase, max_tokens,
			     out, e);
	if (rc < 0)
		return rc;
	/* segment B's spans, into the whole line */
	for (int i = 0; i < out->n; i++)
		if (out->tok[i].seq == 1 && out->tok[i].begin >= 0) {
			out->tok[i].begin += (int)boff;
			out->tok[i].end += (int)boff;
		}
	return HEED_OK;
}

int
tok_encode_ws(const tok_vocab *v, tok_ws *w, const char *text, size_t len, bool lowercase,
	      int max_tokens, tok_result *out, heed_err *e)
{
	return tok_encode_pair(v, w, text, len, NULL, 0, lowercase, max_tokens, out, e);
}

/* One tokenization with buffers of its own; the result keeps the pieces. */
int
tok_encode(const tok_vocab *v, const char *text, size_t len, bool lowercase,
	   int max_tokens, tok_result *out, heed_err *e)
{
	tok_ws *w = tok_ws_new();
	int rc = tok_encode_ws(v, w, text, len, lowercase, max_tokens, out, e);

	/* the pieces now belong to out */
	if (rc == HEED_OK)
		w->out.t = NULL;
	tok_ws_free(w);
	return rc;
}

void
tok_result_free(tok_result *r)
{
	if (r == NULL)
		return;
	free(r->tok);
	memset(r, 0, sizeof *r);
}

int
tok_vocab_size(const tok_vocab *v)
{
	return tok_table_size(v->names);
}

int
tok_id(const tok_vocab *v, const char *piece)
{
	return tok_table_find(v->names, piece, strlen(piece));
}

const char *
tok_piece(const tok_vocab *v, int id)
{
	return tok_table_piece(v->names, id, NULL);
}

tok_specials
tok_vocab_specials(const tok_vocab *v)
{
	return v->sp;
}

const char *
tok_kind(const tok_vocab *v)
{
	return v->kind;
}

const char *
tok_source(const tok_vocab *v)
{
	return v->source ? v->source : "";
}
