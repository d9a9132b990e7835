/* normalizer.c — Hugging Face's normalizers, each rewriting the text the
 * way its Rust counterpart does, spans included.
 *
 * Each step reads one array of characters and writes another; a Sequence
 * is just the steps in order.  Removing a character consumes its span;
 * inserting one lends it the span of the character before (see
 * tok_chars_emit), which is what NormalizedString does.
 */
#include "text.h"

#include <stdlib.h>
#include <string.h>

static void
swap(tok_chars *a, tok_chars *b)
{
	tok_chars t = *a;

	*a = *b;
	*b = t;
}

static void
keep(tok_chars *out, const tok_char *c)
{
	tok_chars_push(out, c->cp, c->begin, c->end);
}

/* BertNormalizer's clean_text: drop NUL, U+FFFD and controls (every C*
 * but tab, LF, CR), turn whitespace into spaces. */
static void
clean_text(const tok_chars *in, tok_chars *out)
{
	int i;
	int32_t cp;

	out->n = 0;
	for (i = 0; i < in->n; i++) {
		cp = in->c[i].cp;
		if (cp != '\t' && cp != '\n' && cp != '\r' &&
		    (cp == 0 || cp == 0xFFFD || (cp < 0x80 ? cp < 0x20 || cp == 0x7F : tok_uc_is_other(cp))))
			continue;
		tok_chars_push(out, tok_uc_is_space(cp) ? ' ' : cp, in->c[i].begin, in->c[i].end);
	}
}

/* Spaces around CJK ideographs, sharing the ideograph's span. */
static void
chinese(const tok_chars *in, tok_chars *out)
{
	int i;
	const tok_char *c;

	out->n = 0;
	for (i = 0; i < in->n; i++) {
		c = &in->c[i];
		if (c->cp >= 0x3400 && tok_uc_is_cjk(c->cp)) {
			tok_chars_push(out, ' ', c->begin, c->end);
			keep(out, c);
			tok_chars_push(out, ' ', c->begin, c->end);
		} else {
			keep(out, c);
		}
	}
}

/* BertNormalizer's strip_accents drops nonspacing marks (Mn); the
 * StripAccents normalizer every mark (Mn, Mc, Me: Rust's
 * is_combining_mark). */
static void
drop_marks(const tok_chars *in, tok_chars *out, bool all)
{
	int i;

	out->n = 0;
	for (i = 0; i < in->n; i++)
		if (!(all ? tok_uc_is_mark(in->c[i].cp) : tok_uc_is_mn(in->c[i].cp)))
			keep(out, &in->c[i]);
}

/* Rust's to_lowercase: a second code point (İ → i̇) is an insertion. */
static void
lower(const tok_chars *in, tok_chars *out)
{
	int32_t lc[2];
	int i, k, j;

	out->n = 0;
	for (i = 0; i < in->n; i++) {
		k = tok_uc_lower(in->c[i].cp, lc);
		for (j = 0; j < k; j++)
			tok_chars_push(out, lc[j], in->c[i].begin, in->c[i].end);
	}
}

static void
strip(const tok_chars *in, tok_chars *out, bool left, bool right)
{
	int a = 0, b = in->n, i;

	while (left && a < b && tok_uc_is_space(in->c[a].cp))
		a++;
	while (right && b > a && tok_uc_is_space(in->c[b - 1].cp))
		b--;
	out->n = 0;
	for (i = a; i < b; i++)
		keep(out, &in->c[i]);
}

/* Prepend: the new characters and the first one all take the first
 * character's span. */
static void
prepend(const tok_norm *n, const tok_chars *in, tok_chars *out)
{
	int i;

	out->n = 0;
	if (in->n == 0)
		return;
	for (i = 0; i < n->nwith; i++)
		tok_chars_push(out, n->with[i], in->c[0].begin, in->c[0].end);
	for (i = 0; i < in->n; i++)
		keep(out, &in->c[i]);
}

/* Replace each match: the replacement's characters take the span of the
 * last character they replace. */
typedef struct repl_ctx {
	const tok_norm *n;
	const tok_chars *in;
	tok_chars *out;
	int done;   /* chars of in already copied or replaced */
} repl_ctx;

static void
repl_match(void *arg, int a, int b)
{
	repl_ctx *r = arg;
	int i;

	if (b <= a)
		return;
	for (i = r->done; i < a; i++)
		keep(r->out, &r->in->c[i]);
	for (i = 0; i < r->n->nwith; i++)
		tok_chars_push(r->out, r->n->with[i], r->in->c[b - 1].begin, r->in->c[b - 1].end);
	r->done = b;
}

static void
replace(const tok_norm *n, const tok_chars *in, tok_chars *out, tok_rx *rx)
{
	repl_ctx r = { n, in, out, 0 };
	int i, j;

	out->n = 0;
	if (n->re != NULL) {
		tok_regex_each(n->re, rx, in->c, in->n, repl_match, &r);
	} else if (n->npat > 0) {
		for (i = 0; i + n->npat <= in->n;) {
			for (j = 0; j < n->npat && in->c[i + j].cp == n->pat[j]; j++)
				;
			if (j == n->npat) {
				repl_match(&r, i, i + n->npat);
				i += n->npat;
			} else {
				i++;
			}
		}
	}
	for (i = r.done; i < in->n; i++)
		keep(out, &in->c[i]);
}

static void
run_one(const tok_norm *n, bool lowercase, tok_chars *t, tok_chars *s, tok_chars *s2, tok_rx *rx)
{
	bool lc = n->legacy_case ? lowercase : n->lowercase;
	bool sa = n->legacy_case ? lowercase : n->strip_accents;

	switch (n->kind) {
	case TOK_NORM_BERT:
		if (n->clean_text) {
			clean_text(t, s);
			swap(t, s);
		}
		if (n->chinese) {
			chinese(t, s);
			swap(t, s);
		}
		if (sa) {
			tok_unicode_norm(t, s, false, false, s2);
			drop_marks(s, t, false);
		}
		if (lc) {
			lower(t, s);
			swap(t, s);
		}
		return;
	case TOK_NORM_LOWER:
		lower(t, s);
		break;
	case TOK_NORM_NFC:
	case TOK_NORM_NFD:
	case TOK_NORM_NFKC:
	case TOK_NORM_NFKD:
		tok_unicode_norm(t, s, n->kind == TOK_NORM_NFKC || n->kind == TOK_NORM_NFKD,
				 n->kind == TOK_NORM_NFC || n->kind == TOK_NORM_NFKC, s2);
		break;
	case TOK_NORM_STRIP_ACCENTS:
		drop_marks(t, s, true);
		break;
	case TOK_NORM_STRIP:
		strip(t, s, n->left, n->right);
		break;
	case TOK_NORM_REPLACE:
		replace(n, t, s, rx);
		break;
	case TOK_NORM_PREPEND:
		prepend(n, t, s);
		break;
	case TOK_NORM_PRECOMPILED:
		tok_precompiled_run(n->pc, t, s);
		break;
	}
	swap(t, s);
}

void
tok_norm_run(const tok_norm *n, int count, bool lowercase, tok_chars *text, tok_chars *s,
	     tok_chars *s2, tok_rx *rx)
{
	int i;

	for (i = 0; i < count; i++)
		run_one(&n[i], lowercase, text, s, s2, rx);
}

void
tok_norm_free(tok_norm *n, int count)
{
	int i;

	for (i = 0; i < count; i++) {
		free(n[i].pat);
		free(n[i].with);
		tok_regex_free(n[i].re);
		tok_precompiled_free(n[i].pc);
	}
	free(n);
}
