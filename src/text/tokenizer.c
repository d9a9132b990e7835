/* tokenizer.c — tok_encode: text → [CLS] word pieces [SEP] with byte spans.
 *
 * The order of the steps is Hugging Face's BertTokenizer: literal special
 * tokens are split out of the raw text; each stretch between them is
 * cleaned (controls dropped, whitespace separating words), CJK ideographs
 * become words of their own, each word is NFC-normalized and, for uncased
 * vocabularies, lowercased and stripped of accents; punctuation is split
 * off; WordPiece cuts what is left.
 */
#include "heed/tok.h"
#include "text.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

typedef struct run {
	const tok_vocab *v;
	bool lowercase;
	tok_ws *w;
} run;

/* Each invalid byte becomes a U+FFFD of its own, which cleaning drops:
 * like Python's errors="replace", it still stops "[MA\xffSK]" from being
 * read as [MASK]. */
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

/* Split punctuation off the normalized word and WordPiece every part. */
static void
split_punct(run *r)
{
	const tok_char *c = r->w->word.c;
	int n = r->w->word.n, i, from = 0;

	for (i = 0; i < n; i++) {
		if (!tok_uc_is_punct(c[i].cp))
			continue;
		tok_wordpiece(r->v, c + from, i - from, &r->w->out);
		tok_wordpiece(r->v, c + i, 1, &r->w->out);
		from = i + 1;
	}
	tok_wordpiece(r->v, c + from, n - from, &r->w->out);
}

static void
flush_word(run *r)
{
	if (r->w->word.n == 0)
		return;
	tok_norm_nfc(&r->w->word, &r->w->scratch);
	if (r->lowercase)
		tok_norm_uncase(&r->w->word, &r->w->scratch);
	split_punct(r);
	r->w->word.n = 0;
}

/* Text between special tokens: clean, split on whitespace and around CJK
 * ideographs, and tokenize word by word. */
static void
basic_chunk(run *r, const tok_char *c, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (tok_uc_is_dropped(c[i].cp))
			continue;
		if (tok_uc_is_space(c[i].cp)) {
			flush_word(r);
			continue;
		}
		if (tok_uc_is_cjk(c[i].cp)) {
			flush_word(r);
			tok_chars_push(&r->w->word, c[i].cp, c[i].begin, c[i].end);
			flush_word(r);
			continue;
		}
		tok_chars_push(&r->w->word, c[i].cp, c[i].begin, c[i].end);
	}
	flush_word(r);
}

/* Length in code points of the special token typed at c[i], or 0. */
static int
match_special(const tok_vocab *v, const tok_char *c, int n, int i, int *id)
{
	static const char *const names[] = { "[CLS]", "[SEP]", "[MASK]", "[UNK]", "[PAD]" };
	tok_specials sp = tok_vocab_specials(v);
	const int ids[] = { sp.cls, sp.sep, sp.mask, sp.unk, sp.pad };
	size_t k, j, len;

	for (k = 0; k < sizeof names / sizeof names[0]; k++) {
		len = strlen(names[k]);
		if (ids[k] < 0 || (size_t)(n - i) < len)
			continue;
		for (j = 0; j < len && c[i + (int)j].cp == (unsigned char)names[k][j]; j++)
			;
		if (j == len) {
			*id = ids[k];
			return (int)len;
		}
	}
	return 0;
}

static void
tokenize(run *r, const tok_chars *cps)
{
	const tok_char *c = cps->c;
	int n = cps->n, i = 0, from = 0, k, id;

	while (i < n) {
		if (c[i].cp != '[' || (k = match_special(r->v, c, n, i, &id)) == 0) {
			i++;
			continue;
		}
		basic_chunk(r, c + from, i - from);
		tok_out_push(&r->w->out, id, c[i].begin, c[i + k - 1].end);
		i += k;
		from = i;
	}
	/* c is NULL for empty text, and NULL + 0 is undefined behaviour. */
	if (from < n)
		basic_chunk(r, c + from, n - from);
}

static int
check_args(const tok_vocab *v, size_t len, int max_tokens, heed_err *e)
{
	tok_specials sp = tok_vocab_specials(v);

	if (sp.cls < 0 || sp.sep < 0)
		return err_set(e, HEED_EINVAL, "vocabulary has no [CLS] or no [SEP]");
	if (max_tokens < 2)
		return err_set(e, HEED_EINVAL, "max_tokens %d leaves no room for [CLS] and [SEP]",
			       max_tokens);
	if (len > INT_MAX)
		return err_set(e, HEED_EINVAL, "input of %zu bytes is too long", len);
	return HEED_OK;
}

tok_ws *
tok_ws_new(void)
{
	return xcalloc(1, sizeof(tok_ws));
}

void
tok_ws_free(tok_ws *w)
{
	if (w == NULL)
		return;
	tok_chars_free(&w->cps);
	tok_chars_free(&w->word);
	tok_chars_free(&w->scratch);
	free(w->out.t);
	free(w);
}

int
tok_encode_ws(const tok_vocab *v, tok_ws *w, const char *text, size_t len, bool lowercase,
	      int max_tokens, tok_result *out, heed_err *e)
{
	tok_specials sp = tok_vocab_specials(v);
	run r = { .v = v, .lowercase = lowercase, .w = w };
	int rc;

	memset(out, 0, sizeof *out);
	rc = check_args(v, len, max_tokens, e);
	if (rc < 0)
		return rc;
	w->cps.n = w->word.n = w->scratch.n = w->out.n = 0;
	out->invalid_bytes = decode(text, len, &w->cps);
	tok_out_push(&w->out, sp.cls, -1, -1);
	tokenize(&r, &w->cps);
	tok_out_push(&w->out, sp.sep, -1, -1);

	out->n_full = w->out.n;
	out->n = w->out.n;
	if (out->n > max_tokens) {
		/* Keep the head of the text and a closing [SEP], as BERT's
		 * truncation does. */
		out->n = max_tokens;
		out->truncated = true;
		w->out.t[max_tokens - 1] = w->out.t[w->out.n - 1];
	}
	out->tok = w->out.t;
	return HEED_OK;
}

/* One tokenization with buffers of its own; the result keeps the pieces. */
int
tok_encode(const tok_vocab *v, const char *text, size_t len, bool lowercase,
	   int max_tokens, tok_result *out, heed_err *e)
{
	tok_ws *w = tok_ws_new();
	int rc = tok_encode_ws(v, w, text, len, lowercase, max_tokens, out, e);

	/* the pieces now belong to out */
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
