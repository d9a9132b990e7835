/* test_tok_golden.c — heed's tokenizers against Hugging Face's own:
 * every case of every fixture made by tools/tok/make_fixtures.js with the
 * npm `tokenizers` package must give exactly the same ids, pieces, byte
 * offsets and type ids.  The two BERT fixtures are also run through the
 * vocab.txt reader and the RoBERTa one through vocab.json + merges.txt,
 * which must agree with their tokenizer.json.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "heed/tok.h"

#define DIR HEED_TESTDIR "/fixtures/tok/"
#define VOCAB HEED_TESTDIR "/../assets/models/heed-mini/vocab.txt"

/* Hugging Face's Unigram names an unknown token by the text it stands
 * for, and an added token is named by the text it matched (spaces that
 * lstrip took included); heed names both by the vocabulary's piece. */
static bool
same_piece(const tok_vocab *v, int id, const char *heed, const char *hf)
{
	size_t n;

	if (strcmp(heed, hf) == 0 || id == tok_vocab_specials(v).unk)
		return true;
	while (*hf == ' ')
		hf++;
	n = strlen(hf);
	while (n > 0 && hf[n - 1] == ' ')
		n--;
	return n == strlen(heed) && memcmp(heed, hf, n) == 0;
}

/* Which offsets a fixture's cases are held to. */
enum offs { OFFS_ALL, OFFS_NONE, OFFS_PLAIN };

/* Printable ASCII, words one space apart, none at the ends: text where
 * SentencePiece's offsets and Hugging Face's rules agree. */
static bool
plain_text(const char *s)
{
	if (s == NULL)
		return true;
	if (*s == ' ')
		return false;
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7E || (s[0] == ' ' && (s[1] == ' ' || s[1] == '\0')))
			return false;
	return true;
}

/* Compare one case; returns 0 if equal, else prints why.  *checked counts
 * the cases whose offsets were compared. */
static int
check_case(const tok_vocab *v, tok_ws *w, bool lower, enum offs mode, const char *name, size_t k,
	   json_t *c, size_t *checked)
{
	const char *a = json_string_value(json_object_get(c, "a"));
	const char *b = json_string_value(json_object_get(c, "b"));
	json_t *ids = json_object_get(c, "ids"), *toks = json_object_get(c, "tokens");
	json_t *offs = json_object_get(c, "offsets"), *types = json_object_get(c, "types");
	tok_result r;
	heed_err e;
	size_t i, n = json_array_size(ids);
	bool spm = mode == OFFS_NONE || (mode == OFFS_PLAIN && !(plain_text(a) && plain_text(b)));

	if (tok_encode_pair(v, w, a, strlen(a), b, b ? strlen(b) : 0, lower, 1 << 20, &r, &e) < 0) {
		fprintf(stderr, "%s case %zu: %s\n", name, k, e.msg);
		return 1;
	}
	for (i = 0; i < n && i < (size_t)r.n; i++) {
		json_t *o = json_array_get(offs, i);
		int id = (int)json_integer_value(json_array_get(ids, i));
		int ob = (int)json_integer_value(json_array_get(o, 0));
		int oe = (int)json_integer_value(json_array_get(o, 1));
		const char *p = tok_piece(v, r.tok[i].id);
		int type = types ? (int)json_integer_value(json_array_get(types, i)) : 0;

		/* Offsets of a .model's tokens follow Hugging Face's rules, as
		 * transformers' fast tokenizers report them; SentencePiece's
		 * own differ wherever normalization changes the text's length
		 * (its dummy-prefix ▁ is empty, a decomposed é one piece), so
		 * against SentencePiece only ids and pieces are compared. */
		if (r.tok[i].id != id || (!spm && (r.tok[i].begin != ob || r.tok[i].end != oe)) || p == NULL ||
		    !same_piece(v, id, p, json_string_value(json_array_get(toks, i))) ||
		    r.tok[i].type != type)
			break;
	}
	if (i == n && (size_t)r.n == n) {
		*checked += !spm;
		return 0;
	}
	fprintf(stderr, "%s case %zu \"%s\"%s%s%s: differs at token %zu of %zu (heed has %d)\n",
		name, k, a, b ? " / \"" : "", b ? b : "", b ? "\"" : "", i, n, r.n);
	for (size_t j = i > 2 ? i - 2 : 0; j < i + 3; j++) {
		json_t *o = json_array_get(offs, j);

		if (j < n)
			fprintf(stderr, "   hf   %zu: %lld %s [%lld,%lld)\n", j,
				json_integer_value(json_array_get(ids, j)),
				json_string_value(json_array_get(toks, j)),
				json_integer_value(json_array_get(o, 0)), json_integer_value(json_array_get(o, 1)));
		if (j < (size_t)r.n)
			fprintf(stderr, "   heed %zu: %d %s [%d,%d) type %d\n", j, r.tok[j].id,
				tok_piece(v, r.tok[j].id), r.tok[j].begin, r.tok[j].end, r.tok[j].type);
	}
	return 1;
}

/* A .model's golden from python3-sentencepiece is held to ids and pieces
 * (offsets OFFS_NONE); offsets: OFFS_ALL when the golden is Hugging
 * Face's, OFFS_PLAIN for SentencePiece's on plain text (at least 100
 * cases). */
static void
run_fixture_offs(const char *name, const char *tokpath, bool lower, enum offs offs)
{
	char path[512];
	json_error_t jerr;
	json_t *doc, *cases;
	tok_vocab *v;
	tok_ws *w;
	heed_err e;
	size_t i, bad = 0, checked = 0;

	snprintf(path, sizeof path, DIR "%s.golden.json", name);
	doc = json_load_file(path, 0, &jerr);
	if (doc == NULL)
		fail_msg("%s:%d: %s", path, jerr.line, jerr.text);
	if (tokpath == NULL) {
		snprintf(path, sizeof path, DIR "%s.json", name);
		tokpath = path;
	}
	if (tok_load(tokpath, &v, &e) != HEED_OK)
		fail_msg("%s", e.msg);
	cases = json_object_get(doc, "cases");
	assert_true(json_array_size(cases) >= 500);
	w = tok_ws_new();
	for (i = 0; i < json_array_size(cases); i++)
		if (check_case(v, w, lower, offs, name, i, json_array_get(cases, i), &checked) &&
		    ++bad >= 20)
			break;
	tok_ws_free(w);
	tok_vocab_free(v);
	json_decref(doc);
	if (bad > 0)
		fail_msg("%s (%s): %zu case(s) differ from Hugging Face", name, tokpath, bad);
	if (offs == OFFS_PLAIN && checked < 100)
		fail_msg("%s: only %zu plain-text cases had their offsets compared", name, checked);
}

static void
run_fixture(const char *name, const char *tokpath, bool lower)
{
	run_fixture_offs(name, tokpath, lower,
			 tokpath != NULL && strstr(tokpath, ".model") != NULL ? OFFS_NONE : OFFS_ALL);
}

static void test_bert_uncased(void **s) { (void)s; run_fixture("bert-uncased", NULL, false); }
static void test_bert_cased(void **s) { (void)s; run_fixture("bert-cased", NULL, false); }
static void test_vocab_txt_uncased(void **s) { (void)s; run_fixture("bert-uncased", VOCAB, true); }
static void test_vocab_txt_cased(void **s) { (void)s; run_fixture("bert-cased", VOCAB, false); }
static void test_roberta_bpe(void **s) { (void)s; run_fixture("roberta-bpe", NULL, false); }
static void test_roberta_slow(void **s) { (void)s; run_fixture("roberta-bpe", DIR "roberta-slow", false); }
static void test_gpt2_split(void **s) { (void)s; run_fixture("gpt2-split", NULL, false); }
static void test_unigram(void **s) { (void)s; run_fixture("unigram", NULL, false); }
/* The fuzz seeds: Whitespace, Digits, Punctuation, WhitespaceSplit,
 * Metaspace "first", NFKC/NFD/Lowercase/StripAccents/Strip/Prepend/Replace,
 * BPE with a prefix, a suffix and fuse_unk, Unigram with byte fallback,
 * single_word/lstrip/rstrip added tokens, TemplateProcessing. */
static void
test_seeds(void **s)
{
	static const char *const names[] = { "seed-bert", "seed-bpe", "seed-misc", "seed-unigram",
					     "seed-wordpiece-misc" };

	(void)s;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		run_fixture(names[i], NULL, false);
}

static void test_unigram_spm(void **s) { (void)s; run_fixture("unigram-spm", DIR "unigram.model", false); }
/* SentencePiece's other model types, trained by tools/tok/make_spm_fixtures.py
 * with python3-sentencepiece, against its own segmentation */
static void test_spm_bpe(void **s) { (void)s; run_fixture("spm-bpe", DIR "spm-bpe.model", false); }
static void test_spm_word(void **s) { (void)s; run_fixture("spm-word", DIR "spm-word.model", false); }
static void test_spm_char(void **s) { (void)s; run_fixture("spm-char", DIR "spm-char.model", false); }
/* Pieces SentencePiece's SetVocabulary marked UNUSED: BPE merges through
 * them and splits them back (bpe_model.cc's resegment), Unigram skips
 * them; against python3-sentencepiece (tools/tok/make_spm_fixtures.py) */
static void
test_spm_unused(void **s)
{
	(void)s;
	run_fixture("spm-unused-bpe", DIR "spm-unused-bpe.model", false);
	run_fixture("spm-unused-unigram", DIR "spm-unused-unigram.model", false);
}

/* Models trained with treat_whitespace_as_suffix ("hello▁" "world▁"):
 * the ▁ goes after each word, against python3-sentencepiece, offsets too
 * on plain text (the ▁ put at the end spans nothing, as there).  (transformers'
 * fast conversion ignores the option and puts ▁ in front, pieces such a
 * vocabulary lacks; heed follows SentencePiece, as the slow tokenizers do.) */
static void
test_spm_suffix(void **s)
{
	(void)s;
	run_fixture_offs("spm-suffix-unigram", DIR "spm-suffix-unigram.model", false, OFFS_PLAIN);
	run_fixture_offs("spm-suffix-bpe", DIR "spm-suffix-bpe.model", false, OFFS_PLAIN);
}

/* What transformers' classes add around a bare .model: XLM-R's fairseq ids
 * and <mask>; ALBERT's casing from the tokenizer_config.json beside it */
static void
test_xlmr_spm(void **s)
{
	(void)s;
	run_fixture("xlmr-spm", DIR "xlmr-spm/sentencepiece.bpe.model", false);
}

static void
test_albert_spm(void **s)
{
	(void)s;
	run_fixture("albert-spm", DIR "albert-spm/spiece.model", false);
}

/* ALBERT's pieces ending in a digit and a comma ("0,", "▁1,") lose 100
 * from their scores in transformers' AlbertConverter, so "1,000," is cut
 * "▁1" ",000" "," where SentencePiece alone keeps "0,".  The golden is
 * Hugging Face's Rust tokenizers (npm) running the tokenizer.json that
 * tools/tok/make_spm_fixtures.py builds by the converter's rules: the
 * bare spiece.model and that tokenizer.json must both give it, offsets
 * included. */
static void
test_albert_digits(void **s)
{
	(void)s;
	run_fixture_offs("albert-digits", DIR "albert-digits/spiece.model", false, OFFS_ALL);
	run_fixture("albert-digits", NULL, false);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bert_uncased),
		cmocka_unit_test(test_bert_cased),
		cmocka_unit_test(test_vocab_txt_uncased),
		cmocka_unit_test(test_vocab_txt_cased),
		cmocka_unit_test(test_roberta_bpe),
		cmocka_unit_test(test_roberta_slow),
		cmocka_unit_test(test_gpt2_split),
		cmocka_unit_test(test_unigram),
		cmocka_unit_test(test_unigram_spm),
		cmocka_unit_test(test_spm_bpe),
		cmocka_unit_test(test_spm_word),
		cmocka_unit_test(test_spm_char),
		cmocka_unit_test(test_spm_unused),
		cmocka_unit_test(test_spm_suffix),
		cmocka_unit_test(test_xlmr_spm),
		cmocka_unit_test(test_albert_spm),
		cmocka_unit_test(test_albert_digits),
		cmocka_unit_test(test_seeds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
