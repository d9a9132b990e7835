/* test_tok.c — the vocab.txt tokenizer on a cased vocabulary, marks,
 * duplicate lines, invalid UTF-8, truncation, vocabulary errors and random
 * bytes.  Agreement with Hugging Face on real text is test_tok_golden's. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700  /* mkdtemp */
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "heed/tok.h"

#define VOCAB HEED_TESTDIR "/../assets/models/heed-mini/vocab.txt"

static tok_vocab *uncased;

static int
setup(void **state)
{
	heed_err e;

	if (tok_vocab_load(VOCAB, &uncased, &e) != HEED_OK) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	tok_vocab_free(uncased);
	return 0;
}

static tok_result
encode(const tok_vocab *v, const char *s, size_t len, bool lower, int max)
{
	tok_result r;
	heed_err e;

	if (tok_encode(v, s, len, lower, max, &r, &e) != HEED_OK)
		fail_msg("tok_encode: %s", e.msg);
	return r;
}

/* The tokens between [CLS] and [SEP], as pieces joined by spaces. */
static void
pieces(const tok_vocab *v, const tok_result *r, char *out, size_t cap)
{
	size_t n = 0;
	int i;

	out[0] = '\0';
	for (i = 1; i + 1 < r->n; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s%s", i > 1 ? " " : "",
				      tok_piece(v, r->tok[i].id));
}

static void
expect(const tok_vocab *v, const char *s, bool lower, const char *want)
{
	char got[512];
	tok_result r = encode(v, s, strlen(s), lower, 128);

	pieces(v, &r, got, sizeof got);
	if (strcmp(got, want) != 0)
		fail_msg("\"%s\" (%s): got \"%s\", expected \"%s\"", s,
			 lower ? "uncased" : "cased", got, want);
	tok_result_free(&r);
}

static const char cased_vocab[] =
	"[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\n[MASK]\r\nCafé\r\nHello\r\nhello\r\n,\r\n!\r\n"
	"##s\r\nWorld\r\nworld\r\nnaïve\r\nΟΔΟΣ\r\nοδος\r\nοδοσ\r\n.\r\nthe\r\nZürich";

static void
test_cased(void **state)
{
	tok_vocab *v;
	heed_err e;
	tok_result r;

	assert_int_equal(tok_vocab_parse(cased_vocab, strlen(cased_vocab), &v, &e), HEED_OK);
	assert_int_equal(tok_vocab_size(v), 20);
	assert_string_equal(tok_piece(v, 5), "Café");   /* CR stripped */
	assert_string_equal(tok_piece(v, 19), "Zürich"); /* no final newline */
	expect(v, "Hello, World!", false, "Hello , World !");
	expect(v, "Hello, World!", true, "hello , world !");
	expect(v, "Worlds the", false, "World ##s the");
	expect(v, "Café naïve", false, "Café naïve");
	/* Hugging Face's BertNormalizer does not compose (the slow Python
	 * tokenizer did): a decomposed é is not the vocabulary's é. */
	expect(v, "Cafe\xcc\x81", false, "[UNK]");
	/* Uncased strips accents, and this vocabulary has no "naive". */
	expect(v, "naïve", true, "[UNK]");
	expect(v, "ΟΔΟΣ.", false, "ΟΔΟΣ .");
	/* Lowercased character by character, as Hugging Face does: σ, not
	 * the word-final ς that Python's str.lower() of the word would give. */
	expect(v, "ΟΔΟΣ.", true, "οδοσ .");
	expect(v, "Zürich", false, "Zürich");
	expect(v, "ZÜRICH", false, "[UNK]");

	/* The unknown word spans both code points of its é. */
	r = encode(v, "Cafe\xcc\x81!", 7, false, 16);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.tok[1].id, 1);
	assert_int_equal(r.tok[1].begin, 0);
	assert_int_equal(r.tok[1].end, 6);
	assert_int_equal(r.tok[2].begin, 6);
	assert_int_equal(r.tok[2].end, 7);
	tok_result_free(&r);
	tok_vocab_free(v);
}

/* Cased BERT leaves marks where they are; uncased decomposes, strips them
 * and keeps the letter's span, as Hugging Face does. */
static void
test_marks(void **state)
{
	static const char text[] = "[UNK]\n[CLS]\n[SEP]\nx\n##\xcc\x81\n##\xcc\xa3\n";
	static const char in[] = "x\xcc\x81\xcc\xa3";
	tok_vocab *v;
	heed_err e;
	tok_result r;

	assert_int_equal(tok_vocab_parse(text, strlen(text), &v, &e), HEED_OK);
	r = encode(v, in, strlen(in), false, 8);
	assert_int_equal(r.n, 5);
	assert_int_equal(r.tok[1].id, 3);
	assert_int_equal(r.tok[1].begin, 0);
	assert_int_equal(r.tok[1].end, 1);
	assert_int_equal(r.tok[2].id, 4);   /* ##U+0301, in input order */
	assert_int_equal(r.tok[2].begin, 1);
	assert_int_equal(r.tok[2].end, 3);
	assert_int_equal(r.tok[3].id, 5);
	assert_int_equal(r.tok[3].begin, 3);
	assert_int_equal(r.tok[3].end, 5);
	tok_result_free(&r);
	r = encode(v, in, strlen(in), true, 8);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.tok[1].id, 3);
	assert_int_equal(r.tok[1].begin, 0);
	assert_int_equal(r.tok[1].end, 1);
	tok_result_free(&r);
	tok_vocab_free(v);
}

static void
test_vocab_lookup(void **state)
{
	static const char text[] = "[UNK]\nab\n\nab\n[CLS]\n[SEP]\n##b\na";
	tok_vocab *v;
	tok_specials sp;
	heed_err e;

	assert_int_equal(tok_vocab_parse(text, strlen(text), &v, &e), HEED_OK);
	assert_int_equal(tok_vocab_size(v), 8);
	/* #22 item 11: a piece on two lines has the later line's id, as in
	 * Hugging Face's tokenizers and transformers */
	assert_int_equal(tok_id(v, "ab"), 3);
	assert_string_equal(tok_piece(v, 1), "ab");
	assert_string_equal(tok_piece(v, 3), "ab");
	assert_int_equal(tok_id(v, ""), 2);
	assert_int_equal(tok_id(v, "abc"), -1);
	assert_null(tok_piece(v, 8));
	assert_null(tok_piece(v, -1));
	sp = tok_vocab_specials(v);
	assert_int_equal(sp.unk, 0);
	assert_int_equal(sp.cls, 4);
	assert_int_equal(sp.sep, 5);
	assert_int_equal(sp.mask, -1);
	assert_int_equal(sp.pad, -1);
	/* Without [MASK] in the vocabulary, "[MASK]" is ordinary text. */
	expect(v, "ab [MASK]", true, "ab [UNK] [UNK] [UNK]");
	expect(v, "abb a", true, "ab ##b a");
	tok_vocab_free(v);

	assert_int_equal(tok_vocab_size(uncased), 30522);
	assert_int_equal(tok_vocab_specials(uncased).mask, 103);
	assert_int_equal(tok_id(uncased, "the"), 1996);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_vocab_errors(void **state)
{
	char dir[] = "/tmp/heed-tok-XXXXXX", path[64];
	tok_vocab *v = (tok_vocab *)1;
	heed_err e;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/vocab.txt", dir);

	assert_int_equal(tok_vocab_load(path, &v, &e), HEED_EIO);
	assert_null(v);
	assert_non_null(strstr(e.msg, path));

	write_file(path, "");
	assert_int_equal(tok_vocab_load(path, &v, &e), HEED_EFORMAT);
	assert_non_null(strstr(e.msg, "empty"));
	assert_non_null(strstr(e.msg, path));

	write_file(path, "[CLS]\n[SEP]\nhello\n[unk]\n");
	assert_int_equal(tok_vocab_load(path, &v, &e), HEED_EFORMAT);
	assert_non_null(strstr(e.msg, "[UNK]"));
	assert_null(v);

	write_file(path, "[UNK]\nhello\n");
	assert_int_equal(tok_vocab_load(path, &v, &e), HEED_OK);
	assert_int_equal(tok_vocab_size(v), 2);
	{
		/* Loads, but cannot frame a sequence without [CLS]/[SEP]. */
		tok_result r;

		assert_int_equal(tok_encode(v, "hello", 5, true, 8, &r, &e), HEED_EFORMAT);
		assert_non_null(strstr(e.msg, "[CLS]"));
	}
	tok_vocab_free(v);
	unlink(path);
	rmdir(dir);
}

/* Invalid UTF-8 is dropped byte by byte: the tokens are those of the text
 * without the bad bytes, and every span stays inside the input. */
static void
test_invalid_utf8(void **state)
{
	static const struct {
		const char *bad;
		size_t len;
		const char *good;
		int invalid;
	} cases[] = {
		{ "ab\xff" "cd", 5, "abcd", 1 },
		{ "\x80\x81hello\xbf", 8, "hello", 3 },
		{ "caf\xc3", 4, "caf", 1 },                 /* truncated at the end */
		{ "x\xe2\x82 y", 5, "x y", 2 },             /* truncated 3-byte */
		{ "\xf0\x9f\x98 z", 5, " z", 3 },           /* truncated 4-byte */
		{ "\xc0\xaf\xc1\xbf ok", 7, " ok", 4 },     /* overlong 2-byte */
		{ "\xe0\x80\xaf ok", 6, " ok", 3 },         /* overlong 3-byte */
		{ "\xed\xa0\x80\xed\xbf\xbf ok", 9, " ok", 6 }, /* surrogates */
		{ "\xf4\x90\x80\x80 ok", 7, " ok", 4 },     /* above U+10FFFF */
		{ "\xfe\xff ok", 5, " ok", 2 },
		{ "\xff", 1, "", 1 },
	};
	size_t i;
	int j;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		tok_result a = encode(uncased, cases[i].bad, cases[i].len, true, 64);
		tok_result b = encode(uncased, cases[i].good, strlen(cases[i].good), true, 64);

		assert_int_equal(a.invalid_bytes, cases[i].invalid);
		assert_int_equal(b.invalid_bytes, 0);
		assert_int_equal(a.n, b.n);
		for (j = 0; j < a.n; j++) {
			assert_int_equal(a.tok[j].id, b.tok[j].id);
			if (j > 0 && j < a.n - 1) {
				assert_true(a.tok[j].begin >= 0);
				assert_true(a.tok[j].end <= (int)cases[i].len);
			}
		}
		tok_result_free(&a);
		tok_result_free(&b);
	}
}

static void
test_truncation(void **state)
{
	static const char s[] = "one two three four five six seven";
	tok_result full = encode(uncased, s, strlen(s), true, 128), r;
	tok_specials sp = tok_vocab_specials(uncased);
	heed_err e;
	int max, i;

	assert_int_equal(full.n, 9);
	assert_false(full.truncated);
	assert_int_equal(full.n_full, 9);
	for (max = 2; max <= 10; max++) {
		r = encode(uncased, s, strlen(s), true, max);
		assert_int_equal(r.n, max < 9 ? max : 9);
		assert_int_equal(r.n_full, 9);
		assert_int_equal(r.truncated, max < 9);
		assert_int_equal(r.tok[0].id, sp.cls);
		assert_int_equal(r.tok[r.n - 1].id, sp.sep);
		assert_int_equal(r.tok[r.n - 1].begin, -1);
		for (i = 1; i < r.n - 1; i++) {
			assert_int_equal(r.tok[i].id, full.tok[i].id);
			assert_int_equal(r.tok[i].begin, full.tok[i].begin);
		}
		tok_result_free(&r);
	}
	tok_result_free(&full);
	assert_int_equal(tok_encode(uncased, s, strlen(s), true, 1, &r, &e), HEED_EINVAL);
}

/* A small fixed-seed generator: the same bytes on every machine. */
static uint64_t
next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void
check_sane(size_t len, const tok_result *r)
{
	int i, size = tok_vocab_size(uncased);

	assert_true(r->n >= 2);
	assert_int_equal(r->tok[0].id, tok_vocab_specials(uncased).cls);
	assert_int_equal(r->tok[r->n - 1].id, tok_vocab_specials(uncased).sep);
	for (i = 1; i < r->n - 1; i++) {
		assert_true(r->tok[i].id >= 0 && r->tok[i].id < size);
		assert_true(r->tok[i].begin >= 0);
		assert_true(r->tok[i].begin < r->tok[i].end);
		assert_true(r->tok[i].end <= (int)len);
		/* Pieces start in input order, even where marks were reordered. */
		assert_true(r->tok[i].begin >= r->tok[i - 1].begin);
	}
}

static void
test_random_bytes(void **state)
{
	enum { N = 10000 };
	char *s = malloc(N);
	uint64_t x = 0x243f6a8885a308d3ULL;
	tok_result r;
	size_t i;

	for (i = 0; i < N; i++)
		s[i] = (char)(next_rand(&x) >> 24);
	r = encode(uncased, s, N, true, 1 << 20);
	check_sane(N, &r);
	assert_true(r.invalid_bytes > 0);
	tok_result_free(&r);
	r = encode(uncased, s, N, false, 1 << 20);
	check_sane(N, &r);
	tok_result_free(&r);
	free(s);
}

/* Random valid code points from every plane: every path through the
 * normalizer (Hangul, marks, CJK, unassigned) without a crash. */
static void
test_random_code_points(void **state)
{
	enum { N = 10000 };
	char *s = malloc(4 * N);
	uint64_t x = 0x13198a2e03707344ULL;
	size_t len = 0, i;
	tok_result r;

	for (i = 0; i < N; i++) {
		uint32_t cp = (uint32_t)(next_rand(&x) % 0x110000);
		uint32_t small = (uint32_t)(next_rand(&x) % 0x3400);

		if (i % 2)
			cp = small;   /* denser in the scripts with marks */
		if (cp >= 0xD800 && cp <= 0xDFFF)
			cp = 'a';
		if (cp < 0x80) {
			s[len++] = (char)cp;
		} else if (cp < 0x800) {
			s[len++] = (char)(0xC0 | cp >> 6);
			s[len++] = (char)(0x80 | (cp & 0x3F));
		} else if (cp < 0x10000) {
			s[len++] = (char)(0xE0 | cp >> 12);
			s[len++] = (char)(0x80 | (cp >> 6 & 0x3F));
			s[len++] = (char)(0x80 | (cp & 0x3F));
		} else {
			s[len++] = (char)(0xF0 | cp >> 18);
			s[len++] = (char)(0x80 | (cp >> 12 & 0x3F));
			s[len++] = (char)(0x80 | (cp >> 6 & 0x3F));
			s[len++] = (char)(0x80 | (cp & 0x3F));
		}
	}
	r = encode(uncased, s, len, true, 1 << 20);
	check_sane(len, &r);
	assert_int_equal(r.invalid_bytes, 0);
	tok_result_free(&r);
	r = encode(uncased, s, len, false, 1 << 20);
	check_sane(len, &r);
	tok_result_free(&r);
	free(s);
}

/* Inputs that a quadratic step would turn into minutes: a megabyte of
 * mixed-class marks on one letter, one megabyte-long word, and a
 * megabyte of one-letter words. */
static void
test_long_inputs(void **state)
{
	enum { N = 1 << 20 };
	static const char marks[] = "\xcc\x81\xcc\xa3\xcc\xb4";   /* classes 230, 220, 1 */
	char *s = malloc(N);
	tok_result r;
	size_t i;

	s[0] = 'e';
	for (i = 1; i + 6 <= N; i += 6)
		memcpy(s + i, marks, 6);
	r = encode(uncased, s, i, false, 512);
	check_sane(i, &r);
	assert_int_equal(r.n_full, 3);   /* one word, far over 100 characters */
	assert_int_equal(r.tok[1].id, tok_vocab_specials(uncased).unk);
	tok_result_free(&r);

	memset(s, 'a', N);
	r = encode(uncased, s, N, true, 512);
	assert_int_equal(r.n_full, 3);
	assert_int_equal(r.tok[1].end, N);
	tok_result_free(&r);

	for (i = 0; i < N; i++)
		s[i] = i % 2 ? ' ' : 'a';
	r = encode(uncased, s, N, true, 512);
	assert_int_equal(r.n_full, N / 2 + 2);
	assert_int_equal(r.n, 512);
	assert_true(r.truncated);
	tok_result_free(&r);
	free(s);
}

/* A TAB splits a pair, else " ||| " does; "|||" without its spaces is
 * text.  Segments: [CLS] A [SEP] are 0, B [SEP] 1; spans of B point into
 * the line; truncation shortens the longer segment first. */
static void
test_pair_lines(void **state)
{
	static const struct { const char *s; bool pair; size_t alen, boff; } cut[] = {
		{ "a b\tc", true, 3, 4 }, { "a ||| b", true, 1, 6 }, { "a ||| b\tc", true, 7, 8 },
		{ "a|||b", false, 5, 5 }, { "plain", false, 5, 5 }, { "a\t", true, 1, 2 },
	};
	tok_ws *w = tok_ws_new();
	const char *line = "the cat ||| a dog sat";
	size_t alen, boff;
	tok_result r;
	heed_err e;

	(void)state;
	for (size_t k = 0; k < sizeof cut / sizeof cut[0]; k++) {
		assert_int_equal(tok_pair_split(cut[k].s, strlen(cut[k].s), &alen, &boff), cut[k].pair);
		assert_int_equal(alen, cut[k].alen);
		assert_int_equal(boff, cut[k].boff);
	}
	assert_int_equal(tok_encode_line(uncased, w, line, strlen(line), true, 64, &r, &e), 0);
	assert_true(r.pair);
	/* [CLS] the cat [SEP] a dog sat [SEP] */
	assert_int_equal(r.n, 8);
	for (int i = 0; i < r.n; i++) {
		assert_int_equal(r.tok[i].seg, i >= 4);
		assert_int_equal(r.tok[i].type, i >= 4);
	}
	assert_int_equal(r.tok[4].begin, 12);
	assert_int_equal(r.tok[6].end, 21);
	assert_string_equal(tok_piece(uncased, r.tok[6].id), "sat");
	/* 7 tokens allowed: B (3) loses one before A (2) does */
	assert_int_equal(tok_encode_line(uncased, w, line, strlen(line), true, 7, &r, &e), 0);
	assert_int_equal(r.n, 7);
	assert_true(r.truncated);
	assert_int_equal(r.tok[6].seg, 1);
	assert_string_equal(tok_piece(uncased, r.tok[5].id), "dog");
	/* a single sentence is all segment 0 */
	assert_int_equal(tok_encode_line(uncased, w, "the cat", 7, true, 64, &r, &e), 0);
	assert_false(r.pair);
	for (int i = 0; i < r.n; i++)
		assert_int_equal(r.tok[i].seg, 0);
	tok_ws_free(w);
}

/* A bare vocab.txt takes its casing from the tokenizer_config.json
 * beside it, named directly or through its folder: do_lower_case false
 * keeps "Hello" cased whatever the caller asks; strip_accents false keeps
 * the accent of a lowercased word. */
static void
test_vocab_txt_config(void **state)
{
	static const char *const vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nHello\ncafe\ncafé\n";
	char dir[] = "/tmp/heed-tok-cfg-XXXXXX", path[256], cfg[256];
	tok_vocab *v;
	tok_result r;
	heed_err e;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/vocab.txt", dir);
	snprintf(cfg, sizeof cfg, "%s/tokenizer_config.json", dir);
	write_file(path, vocab);
	/* no config: the caller's lowercase, BERT's accent stripping */
	assert_int_equal(tok_load(path, &v, &e), 0);
	assert_int_equal(tok_encode(v, "Hello café", 11, true, 16, &r, &e), 0);
	assert_int_equal(r.tok[1].id, 5);
	assert_int_equal(r.tok[2].id, 7);
	tok_result_free(&r);
	tok_vocab_free(v);
	write_file(cfg, "{\"do_lower_case\": false}");
	for (int k = 0; k < 2; k++) {
		assert_int_equal(tok_load(k == 0 ? path : dir, &v, &e), 0);
		assert_int_equal(tok_encode(v, "Hello café", 11, true, 16, &r, &e), 0);
		assert_int_equal(r.tok[1].id, 6);
		assert_int_equal(r.tok[2].id, 8);
		tok_result_free(&r);
		tok_vocab_free(v);
	}
	write_file(cfg, "{\"do_lower_case\": true, \"strip_accents\": false}");
	assert_int_equal(tok_load(path, &v, &e), 0);
	assert_int_equal(tok_encode(v, "Hello café", 11, false, 16, &r, &e), 0);
	assert_int_equal(r.tok[1].id, 5);
	assert_int_equal(r.tok[2].id, 8);
	tok_result_free(&r);
	tok_vocab_free(v);
	unlink(cfg);
	unlink(path);
	rmdir(dir);
}

/* The ids of text between the specials, as a string "a b c". */
static void
ids_of(const tok_vocab *v, const char *text, char *out, size_t cap)
{
	tok_result r = encode(v, text, strlen(text), false, 256);
	size_t n = 0;

	out[0] = '\0';
	for (int i = 1; i + 1 < r.n; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s%d", i > 1 ? " " : "", r.tok[i].id);
	tok_result_free(&r);
}

/* A fresh folder (or dir, made before) holding the SentencePiece model src
 * under name; path gets the model's path. */
static void
spm_folder_of(const char *src, char *dir, const char *name, char *path, size_t cap)
{
	char *buf;
	size_t len;
	heed_err e;
	FILE *f;

	if (strstr(dir, "XXXXXX") != NULL)   /* else a folder made before */
		assert_non_null(mkdtemp(dir));
	snprintf(path, cap, "%s/%s", dir, name);
	assert_int_equal(util_read_file(src, &buf, &len, &e), 0);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
	free(buf);
}

/* The same with the ALBERT fixture's model. */
static void
spm_folder(char *dir, const char *name, char *path, size_t cap)
{
	spm_folder_of(HEED_TESTDIR "/fixtures/tok/albert-spm/spiece.model", dir, name, path, cap);
}

/* A .model folder without tokenizer_config.json takes its tokenizer class
 * from config.json's model_type, as AutoTokenizer does: ALBERT's casing and
 * digit-comma scores from "albert"; XLNet's and CamemBERT's are refused. */
static void
test_spm_model_type(void **state)
{
	char dir[] = "/tmp/heed-tok-mt-XXXXXX", path[256], cfg[256], a[512], b[512], c[512];
	const char *text = "PAID 1,000, men";
	tok_vocab *v;
	heed_err e;

	(void)state;
	spm_folder_of(HEED_TESTDIR "/fixtures/tok/albert-digits/spiece.model", dir, "spiece.model", path,
		      sizeof path);
	snprintf(cfg, sizeof cfg, "%s/config.json", dir);
	assert_int_equal(tok_load(dir, &v, &e), 0);
	ids_of(v, text, a, sizeof a);
	tok_vocab_free(v);
	write_file(cfg, "{\"model_type\": \"albert\"}");
	assert_int_equal(tok_load(dir, &v, &e), 0);
	ids_of(v, text, b, sizeof b);
	tok_vocab_free(v);
	assert_int_equal(tok_load(HEED_TESTDIR "/fixtures/tok/albert-digits", &v, &e), 0);
	ids_of(v, text, c, sizeof c);
	tok_vocab_free(v);
	assert_string_not_equal(a, b);
	assert_string_equal(b, c);
	write_file(cfg, "{\"model_type\": \"xlnet\"}");
	v = NULL;
	assert_int_equal(tok_load(dir, &v, &e), HEED_EFORMAT);
	assert_null(v);
	assert_non_null(strstr(e.msg, "XLNet"));
	assert_non_null(strstr(e.msg, "tokenizer.json"));
	unlink(path);
	spm_folder_of(HEED_TESTDIR "/fixtures/tok/albert-digits/spiece.model", dir, "sentencepiece.bpe.model",
		      path, sizeof path);
	write_file(cfg, "{\"model_type\": \"camembert\"}");
	assert_int_equal(tok_load(dir, &v, &e), HEED_EFORMAT);
	assert_non_null(strstr(e.msg, "CamemBERT"));
	unlink(cfg);
	unlink(path);
	rmdir(dir);
}

/* Tokens a .model folder's tokenizer_config.json adds past the pieces
 * (added_tokens_decoder), or a legacy added_tokens.json, as
 * PreTrainedTokenizerFast adds them: each one token, lstrip honoured; one
 * whose id is not the one transformers would give is refused. */
static void
test_spm_added_tokens(void **state)
{
	char dir[] = "/tmp/heed-tok-add-XXXXXX", path[256], cfg[256], legacy[256], json[1024];
	char a[512], b[512];
	tok_vocab *v;
	heed_err e;
	int n;

	(void)state;
	spm_folder(dir, "spiece.model", path, sizeof path);
	assert_int_equal(tok_load(dir, &v, &e), 0);
	n = tok_vocab_size(v);
	tok_vocab_free(v);
	snprintf(cfg, sizeof cfg, "%s/tokenizer_config.json", dir);
	snprintf(json, sizeof json,
		 "{\"tokenizer_class\": \"AlbertTokenizer\", \"added_tokens_decoder\": {"
		 "\"%d\": {\"content\": \"<ent2>\", \"special\": true, \"lstrip\": true, \"normalized\": false},"
		 "\"%d\": {\"content\": \"<ent>\", \"special\": false, \"normalized\": false},"
		 "\"2\": {\"content\": \"[CLS]\", \"special\": true}}}", n + 1, n);
	write_file(cfg, json);
	assert_int_equal(tok_load(dir, &v, &e), 0);
	assert_int_equal(tok_id(v, "<ent>"), n);
	assert_int_equal(tok_id(v, "<ent2>"), n + 1);
	ids_of(v, "whale<ent>ship", a, sizeof a);
	assert_non_null(strstr(a, " "));
	snprintf(b, sizeof b, " %d ", n);
	assert_non_null(strstr(a, b));
	/* lstrip: the spaces before <ent2> go with it */
	ids_of(v, "whale   <ent2>", a, sizeof a);
	ids_of(v, "whale<ent2>", b, sizeof b);
	assert_string_equal(a, b);
	tok_vocab_free(v);
	/* an id out of step with the vocabulary: refused, saying so */
	snprintf(json, sizeof json, "{\"added_tokens_decoder\": {\"%d\": {\"content\": \"<ent>\"}}}", n + 5);
	write_file(cfg, json);
	v = NULL;
	assert_int_equal(tok_load(dir, &v, &e), HEED_EFORMAT);
	assert_null(v);
	assert_non_null(strstr(e.msg, "<ent>"));
	/* a piece given another id */
	write_file(cfg, "{\"added_tokens_decoder\": {\"7\": {\"content\": \"[CLS]\"}}}");
	assert_int_equal(tok_load(dir, &v, &e), HEED_EFORMAT);
	assert_non_null(strstr(e.msg, "[CLS]"));
	/* the legacy added_tokens.json */
	unlink(cfg);
	snprintf(legacy, sizeof legacy, "%s/added_tokens.json", dir);
	snprintf(json, sizeof json, "{\"<ent>\": %d}", n);
	write_file(legacy, json);
	assert_int_equal(tok_load(dir, &v, &e), 0);
	assert_int_equal(tok_id(v, "<ent>"), n);
	ids_of(v, "<ent>", a, sizeof a);
	snprintf(b, sizeof b, "%d", n);
	assert_string_equal(a, b);
	tok_vocab_free(v);
	unlink(legacy);
	unlink(path);
	rmdir(dir);
}

/* CamemBERT's sentencepiece.bpe.model alone is refused with a message,
 * never read with ids transformers would not give. */
static void
test_camembert_spm_refused(void **state)
{
	char dir[] = "/tmp/heed-tok-cam-XXXXXX", path[256], cfg[256];
	tok_vocab *v = NULL;
	heed_err e;

	(void)state;
	spm_folder(dir, "sentencepiece.bpe.model", path, sizeof path);
	snprintf(cfg, sizeof cfg, "%s/tokenizer_config.json", dir);
	write_file(cfg, "{\"tokenizer_class\": \"CamembertTokenizer\"}");
	assert_int_equal(tok_load(dir, &v, &e), HEED_EFORMAT);
	assert_null(v);
	assert_non_null(strstr(e.msg, "tokenizer.json"));
	/* the same file as XLM-R's loads */
	write_file(cfg, "{\"tokenizer_class\": \"XLMRobertaTokenizer\"}");
	assert_int_equal(tok_load(dir, &v, &e), 0);
	tok_vocab_free(v);
	unlink(cfg);
	unlink(path);
	rmdir(dir);
}

/* DeBERTa's spm.model: do_lower_case and split_by_punct from the
 * tokenizer_config.json beside it (DebertaV2Converter), and nothing of
 * ALBERT's accent stripping. */
static void
test_deberta_spm_config(void **state)
{
	char dir[] = "/tmp/heed-tok-deb-XXXXXX", path[256], cfg[256], a[512], b[512];
	tok_vocab *v;
	heed_err e;

	(void)state;
	spm_folder(dir, "spm.model", path, sizeof path);
	snprintf(cfg, sizeof cfg, "%s/tokenizer_config.json", dir);
	/* no config: cased */
	assert_int_equal(tok_load(dir, &v, &e), 0);
	ids_of(v, "HELLO whale", a, sizeof a);
	ids_of(v, "hello whale", b, sizeof b);
	assert_string_not_equal(a, b);
	tok_vocab_free(v);
	write_file(cfg, "{\"tokenizer_class\": \"DebertaV2Tokenizer\", \"do_lower_case\": true, "
		   "\"split_by_punct\": true}");
	assert_int_equal(tok_load(dir, &v, &e), 0);
	ids_of(v, "HELLO whale", a, sizeof a);
	ids_of(v, "hello whale", b, sizeof b);
	assert_string_equal(a, b);
	/* punctuation isolated: each part is a word of its own, with its ▁ */
	{
		char w[3][64];

		ids_of(v, "whale", w[0], sizeof w[0]);
		ids_of(v, ",", w[1], sizeof w[1]);
		ids_of(v, "ship", w[2], sizeof w[2]);
		snprintf(b, sizeof b, "%s %s %s", w[0], w[1], w[2]);
		ids_of(v, "whale,ship", a, sizeof a);
		assert_string_equal(a, b);
	}
	/* accents kept: DeBERTa is not ALBERT */
	ids_of(v, "caf\xc3\xa9", a, sizeof a);
	ids_of(v, "cafe", b, sizeof b);
	assert_string_not_equal(a, b);
	tok_vocab_free(v);
	unlink(cfg);
	unlink(path);
	rmdir(dir);
}

/* BPE's word cache lives in the workspace: a word seen before gives the
 * same tokens with its own spans, and a workspace moved to another
 * tokenizer never returns the first one's tokens. */
static void
test_bpe_word_cache(void **state)
{
	static const char *const files[2] = { HEED_TESTDIR "/fixtures/tok/roberta-bpe.json",
					      HEED_TESTDIR "/fixtures/tok/gpt2-split.json" };
	const char *text = "whale whale, the whale";
	tok_vocab *v[2];
	tok_result fresh[2], r;
	tok_ws *w = tok_ws_new();
	heed_err e;

	(void)state;
	for (int k = 0; k < 2; k++) {
		assert_int_equal(tok_load(files[k], &v[k], &e), 0);
		assert_int_equal(tok_encode(v[k], text, strlen(text), false, 64, &fresh[k], &e), 0);
	}
	for (int round = 0; round < 3; round++)
		for (int k = 0; k < 2; k++) {
			assert_int_equal(tok_encode_ws(v[k], w, text, strlen(text), false, 64, &r, &e), 0);
			assert_int_equal(r.n, fresh[k].n);
			for (int i = 0; i < r.n; i++) {
				assert_int_equal(r.tok[i].id, fresh[k].tok[i].id);
				assert_int_equal(r.tok[i].begin, fresh[k].tok[i].begin);
				assert_int_equal(r.tok[i].end, fresh[k].tok[i].end);
			}
		}
	/* the repeated word: same ids, its own place */
	assert_int_equal(fresh[0].tok[2].id, fresh[0].tok[fresh[0].n - 2].id);
	assert_int_equal(fresh[0].tok[fresh[0].n - 2].end, (int)strlen(text));
	for (int k = 0; k < 2; k++) {
		tok_result_free(&fresh[k]);
		tok_vocab_free(v[k]);
	}
	tok_ws_free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cased),
		cmocka_unit_test(test_marks),
		cmocka_unit_test(test_vocab_lookup),
		cmocka_unit_test(test_vocab_errors),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_random_code_points),
		cmocka_unit_test(test_long_inputs),
		cmocka_unit_test(test_pair_lines),
		cmocka_unit_test(test_vocab_txt_config),
		cmocka_unit_test(test_deberta_spm_config),
		cmocka_unit_test(test_camembert_spm_refused),
		cmocka_unit_test(test_spm_model_type),
		cmocka_unit_test(test_spm_added_tokens),
		cmocka_unit_test(test_bpe_word_cache),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
