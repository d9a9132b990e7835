/* load.c — building a tokenizer: what every loader shares (the id table,
 * the special tokens, the [MASK] alias), the vocab.txt reader, the choice
 * of files in a model folder, and the checks against the model's config.
 */
#include "heed/tok.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <utf8proc.h>

tok_vocab *
tok_new(void)
{
	tok_vocab *v = xcalloc(1, sizeof *v);

	v->model.vocab = tok_table_new();
	v->model.unk = -1;
	v->model.max_chars = 100;
	memset(v->model.byte_id, 0xff, sizeof v->model.byte_id);
	v->sp = (tok_specials){ -1, -1, -1, -1, -1 };
	return v;
}

void
tok_tpl_free(tok_tpl *t)
{
	int i;

	for (i = 0; i < t->n; i++)
		free(t->it[i].ids);
	free(t->it);
	memset(t, 0, sizeof *t);
}

void
tok_model_free(tok_model *m)
{
	tok_table_free(m->vocab);
	free(m->prefix);
	free(m->suffix);
	free(m->merge);
	free(m->score);
	free(m->unused);
	memset(m, 0, sizeof *m);
}

void
tok_vocab_free(tok_vocab *v)
{
	int i;

	if (v == NULL)
		return;
	tok_model_free(&v->model);
	tok_norm_free(v->norm, v->nnorm);
	tok_pretok_free(v->pre, v->npre);
	tok_tpl_free(&v->post.single);
	tok_tpl_free(&v->post.pair);
	for (i = 0; i < v->nadded; i++) {
		free(v->added[i].cp);
		free(v->added[i].content);
	}
	free(v->added);
	tok_table_free(v->names);
	free(v->source);
	free(v);
}

static int32_t *
to_cps(const char *s, size_t n, int *count)
{
	int32_t *cp = xmalloc((n + 1) * sizeof *cp);
	utf8proc_int32_t c;
	utf8proc_ssize_t k;
	size_t i = 0;
	int m = 0;

	while (i < n) {
		k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &c);
		if (k < 1) {
			c = 0xFFFD;
			k = 1;
		}
		cp[m++] = c;
		i += (size_t)k;
	}
	*count = m;
	return cp;
}

static void
add_token(tok_vocab *v, int id, const char *s, size_t n, bool special, bool single_word,
	  bool lstrip, bool rstrip, bool normalized, bool alias)
{
	tok_added *a;
	int i = v->nadded;

	/* a token given again replaces the earlier entry */
	if (!alias)
		for (i = 0; i < v->nadded; i++)
			if (v->added[i].id == id && !v->added[i].nocase)
				break;
	if (i == v->nadded) {
		v->added = xrealloc(v->added, (size_t)(v->nadded + 1) * sizeof *v->added);
		v->nadded++;
	} else {
		free(v->added[i].cp);
		free(v->added[i].content);
	}
	a = &v->added[i];
	memset(a, 0, sizeof *a);
	a->id = id;
	a->content = xmalloc(n + 1);
	memcpy(a->content, s, n);
	a->content[n] = '\0';
	a->ncontent = n;
	a->cp = to_cps(s, n, &a->ncp);
	a->special = special;
	a->single_word = single_word;
	a->lstrip = lstrip;
	a->rstrip = rstrip;
	a->normalized = normalized;
	a->nocase = alias;
}

void
tok_add_token(tok_vocab *v, int id, const char *s, size_t n, bool special, bool single_word,
	      bool lstrip, bool rstrip, bool normalized)
{
	add_token(v, id, s, n, special, single_word, lstrip, rstrip, normalized, false);
}

/* "[mask]" in any ASCII case, for the mask token. */
void
tok_add_mask_alias(tok_vocab *v, int id)
{
	add_token(v, id, "[mask]", 6, true, false, false, false, false, true);
}

/* Normalized added tokens are matched in their normalized form. */
static void
normalize_added(tok_vocab *v)
{
	tok_chars t = { 0 }, s = { 0 }, s2 = { 0 };
	tok_rx rx = { 0 };
	int i, j;

	for (i = 0; i < v->nadded; i++) {
		tok_added *a = &v->added[i];

		if (!a->normalized || v->nnorm == 0)
			continue;
		t.n = 0;
		for (j = 0; j < a->ncp; j++)
			tok_chars_push(&t, a->cp[j], j, j + 1);
		tok_norm_run(v->norm, v->nnorm, false, &t, &s, &s2, &rx);
		free(a->cp);
		a->cp = xmalloc(((size_t)t.n + 1) * sizeof *a->cp);
		for (j = 0; j < t.n; j++)
			a->cp[j] = t.c[j].cp;
		a->ncp = t.n;
	}
	tok_chars_free(&t);
	tok_chars_free(&s);
	tok_chars_free(&s2);
	tok_rx_free(&rx);
}

static int
first_of(const tok_vocab *v, const char *const *names)
{
	int id;

	for (; *names != NULL; names++)
		if ((id = tok_table_find(v->names, *names, strlen(*names))) >= 0)
			return id;
	return -1;
}

/* Every id a post-processor template adds must be one the vocabulary
 * names: tokens are shown and dumped by their piece.  (Hugging Face would
 * emit the template's string for an id its vocabulary lacks; such a file
 * disagrees with itself, so it is refused, naming the id.) */
static int
check_template(const tok_vocab *v, const tok_tpl *t, const char *which, heed_err *e)
{
	for (int i = 0; i < t->n; i++)
		for (int k = 0; t->it[i].seq < 0 && k < t->it[i].nids; k++)
			if (tok_table_piece(v->names, t->it[i].ids[k], NULL) == NULL)
				return err_set(e, HEED_EFORMAT, "post_processor: the %s template's "
				    "special token id %d is not in the vocabulary", which,
				    t->it[i].ids[k]);
	return HEED_OK;
}

/* cls and sep: the first and the last special token of the single
 * template ([CLS] $A [SEP], <s> $A </s>). */
static void
template_specials(tok_vocab *v)
{
	const tok_tpl *t = &v->post.single;
	int i;

	for (i = 0; i < t->n; i++)
		if (t->it[i].seq < 0 && t->it[i].nids > 0) {
			if (v->sp.cls < 0)
				v->sp.cls = t->it[i].ids[0];
			break;
		}
	for (i = t->n - 1; i >= 0; i--)
		if (t->it[i].seq < 0 && t->it[i].nids > 0) {
			if (v->sp.sep < 0)
				v->sp.sep = t->it[i].ids[t->it[i].nids - 1];
			break;
		}
}

void
tok_added_index(tok_vocab *v)
{
	memset(v->added_first, 0, sizeof v->added_first);
	for (int i = 0; i < v->nadded; i++) {
		int32_t c = v->added[i].ncp > 0 ? v->added[i].cp[0] : 0;

		v->added_first[(c & 255) >> 6] |= 1ULL << (c & 63);
		if (v->added[i].nocase && c >= 'a' && c <= 'z')
			v->added_first[((c - 32) & 255) >> 6] |= 1ULL << ((c - 32) & 63);
	}
}

int
tok_finish(tok_vocab *v, heed_err *e)
{
	static const char *const masks[] = { "[MASK]", "<mask>", "<MASK>", "[mask]", NULL };
	static const char *const pads[] = { "[PAD]", "<pad>", "<PAD>", NULL };
	int i, n = tok_table_size(v->model.vocab);
	size_t len;
	const char *p;

	v->names = tok_table_new();
	for (i = 0; i < n; i++)
		if ((p = tok_table_piece(v->model.vocab, i, &len)) != NULL)
			tok_table_set(v->names, i, p, len);
	for (i = 0; i < v->nadded; i++) {
		/* ids are dense in every real tokenizer: a huge one is a
		 * broken file, not a reason to allocate gigabytes */
		if (v->added[i].id < 0 || v->added[i].id > 4 * (n + v->nadded) + 1024)
			return err_set(e, HEED_EFORMAT, "added token id %d is out of range", v->added[i].id);
		tok_table_set(v->names, v->added[i].id, v->added[i].content, v->added[i].ncontent);
	}
	if (tok_table_count(v->names) == 0)
		return err_set(e, HEED_EFORMAT, "vocabulary is empty");
	/* an id the vocabulary skips (two pieces given one id leave a hole)
	 * still gets a printable name, as tok_check_size gives ids past it */
	n = tok_table_size(v->names);
	for (i = 0; i < n; i++)
		if (tok_table_piece(v->names, i, NULL) == NULL) {
			char name[32];

			snprintf(name, sizeof name, "<unused %d>", i);
			tok_table_set(v->names, i, name, strlen(name));
		}
	if ((i = check_template(v, &v->post.single, "single", e)) < 0 ||
	    (i = check_template(v, &v->post.pair, "pair", e)) < 0)
		return i;
	tok_table_index(v->names);
	tok_table_index(v->model.vocab);
	normalize_added(v);
	for (i = 0; i < 256; i++) {
		char b[8];

		snprintf(b, sizeof b, "<0x%02X>", i);
		v->model.byte_id[i] = tok_table_find(v->model.vocab, b, strlen(b));
	}
	v->sp.unk = v->model.unk;
	template_specials(v);
	if (v->sp.mask < 0)
		v->sp.mask = first_of(v, masks);
	if (v->sp.pad < 0)
		v->sp.pad = first_of(v, pads);
	if (v->sp.mask >= 0) {
		/* "[MASK]" in any case always means the mask token */
		tok_add_mask_alias(v, v->sp.mask);
	}
	tok_added_index(v);
	return HEED_OK;
}

/* BERT's pipeline around a WordPiece vocabulary: BertNormalizer,
 * BertPreTokenizer, [CLS] $A [SEP] (and $B [SEP] of type 1). */
void
tok_bert_pipeline(tok_vocab *v, bool legacy, bool lowercase, bool strip, bool chinese)
{
	static const char *const sp[] = { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" };
	int cls, sep, i;
	tok_tpl_item *it;

	v->norm = xcalloc(1, sizeof *v->norm);
	v->nnorm = 1;
	v->norm->kind = TOK_NORM_BERT;
	v->norm->clean_text = true;
	v->norm->chinese = chinese;
	v->norm->lowercase = lowercase;
	v->norm->strip_accents = strip;
	v->norm->legacy_case = legacy;
	v->pre = xcalloc(1, sizeof *v->pre);
	v->npre = 1;
	v->pre->kind = TOK_PRE_BERT;
	for (i = 0; i < 5; i++) {
		int id = tok_table_find(v->model.vocab, sp[i], strlen(sp[i]));

		if (id >= 0)
			tok_add_token(v, id, sp[i], strlen(sp[i]), true, false, false, false, false);
	}
	cls = tok_table_find(v->model.vocab, "[CLS]", 5);
	sep = tok_table_find(v->model.vocab, "[SEP]", 5);
	if (cls < 0 || sep < 0)
		return;
	v->post.present = true;
	it = xcalloc(3, sizeof *it);
	it[0] = (tok_tpl_item){ .seq = -1, .ids = xmalloc(sizeof(int)), .nids = 1 };
	it[0].ids[0] = cls;
	it[1] = (tok_tpl_item){ .seq = 0 };
	it[2] = (tok_tpl_item){ .seq = -1, .ids = xmalloc(sizeof(int)), .nids = 1 };
	it[2].ids[0] = sep;
	v->post.single.it = it;
	v->post.single.n = 3;
	it = xcalloc(5, sizeof *it);
	it[0] = (tok_tpl_item){ .seq = -1, .ids = xmalloc(sizeof(int)), .nids = 1 };
	it[0].ids[0] = cls;
	it[1] = (tok_tpl_item){ .seq = 0 };
	it[2] = (tok_tpl_item){ .seq = -1, .ids = xmalloc(sizeof(int)), .nids = 1 };
	it[2].ids[0] = sep;
	it[3] = (tok_tpl_item){ .seq = 1, .type = 1 };
	it[4] = (tok_tpl_item){ .seq = -1, .ids = xmalloc(sizeof(int)), .nids = 1, .type = 1 };
	it[4].ids[0] = sep;
	v->post.pair.it = it;
	v->post.pair.n = 5;
}

void
tok_bert_config(tok_vocab *v, const json_t *cfg)
{
	const json_t *lc = json_object_get(cfg, "do_lower_case");
	const json_t *sa = json_object_get(cfg, "strip_accents");
	const json_t *cj = json_object_get(cfg, "tokenize_chinese_chars");

	if (!v->from_vocab_txt || v->nnorm != 1 || v->norm->kind != TOK_NORM_BERT)
		return;
	if (json_is_boolean(cj))
		v->norm->chinese = json_is_true(cj);
	if (!json_is_boolean(lc))
		return;
	v->norm->legacy_case = false;
	v->norm->lowercase = json_is_true(lc);
	v->norm->strip_accents = json_is_boolean(sa) ? json_is_true(sa) : v->norm->lowercase;
}

/* vocab.txt: one piece per line, id = line number, CR before LF dropped;
 * a piece on several lines keeps the last line's id. */
int
tok_wordpiece_from_lines(const char *buf, size_t len, tok_vocab **out, heed_err *e)
{
	tok_vocab *v;
	const char *p = buf, *end = buf + len, *nl;
	size_t n;
	int id = 0, rc;

	*out = NULL;
	if (len == 0)
		return err_set(e, HEED_EFORMAT, "vocabulary is empty");
	v = tok_new();
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		tok_table_set(v->model.vocab, id++, p, n);
		p = nl + 1;
	}
	tok_table_index(v->model.vocab);
	v->model.kind = TOK_WORDPIECE;
	v->model.prefix = xstrdup("##");
	v->model.unk = tok_table_find(v->model.vocab, "[UNK]", 5);
	v->kind = "WordPiece";
	v->from_vocab_txt = true;
	if (v->model.unk < 0) {
		tok_vocab_free(v);
		return err_set(e, HEED_EFORMAT, "vocabulary has no [UNK] line");
	}
	tok_bert_pipeline(v, true, true, true, true);
	rc = tok_finish(v, e);
	if (rc < 0) {
		tok_vocab_free(v);
		return rc;
	}
	*out = v;
	return HEED_OK;
}

int
tok_vocab_parse(const char *buf, size_t len, tok_vocab **out, heed_err *e)
{
	return tok_wordpiece_from_lines(buf, len, out, e);
}

int
tok_check_size(tok_vocab *v, int vocab_size, heed_err *e)
{
	int n = tok_table_size(v->names), i;
	bool padded = false;
	char name[32];

	if (n > vocab_size)
		return err_set(e, HEED_EFORMAT,
			       "%s: ids go up to %d but config.json's vocab_size is %d",
			       tok_source(v), n - 1, vocab_size);
	if (n < vocab_size && v->from_vocab_txt)
		return err_set(e, HEED_EFORMAT, "%s: %d lines but config.json's vocab_size is %d",
			       tok_source(v), n, vocab_size);
	for (i = 0; i < vocab_size; i++) {
		if (tok_table_piece(v->names, i, NULL) != NULL)
			continue;
		snprintf(name, sizeof name, "<unused %d>", i);
		tok_table_set(v->names, i, name, strlen(name));
		padded = true;
	}
	if (padded)
		tok_table_index(v->names);
	return HEED_OK;
}
