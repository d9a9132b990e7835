/* test_words.c — pieces merged into words: grouping by the tokenizer's
 * word ids (a pair's sentences and the specials apart), attention to a
 * word summed and from a word averaged, local windows, and word texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "heed/words.h"

/* A token: id, byte span, sentence (-1 for an added special), word. */
#define TOK(i, b, e, s, w) { .id = (i), .begin = (b), .end = (e), .seq = (s), .word = (w) }

/* [CLS] un ##aff ##able cat [SEP] | dog ##s [SEP] as tokens of a pair:
 * "cat" is word 1 of sentence 0, "dogs" word 0 of sentence 1. */
static const tok_token pair[] = {
	TOK(2, -1, -1, -1, -1),
	TOK(5, 0, 2, 0, 0), TOK(6, 2, 5, 0, 0), TOK(7, 5, 9, 0, 0),
	TOK(8, 10, 13, 0, 1),
	TOK(3, -1, -1, -1, -1),
	TOK(9, 0, 3, 1, 0), TOK(10, 3, 4, 1, 0),
	TOK(3, -1, -1, -1, -1),
};

static void
test_group(void **state)
{
	int first[10], nw = words_group(pair, 9, first);
	static const int want[] = { 0, 1, 4, 5, 6, 8, 9 };

	assert_int_equal(nw, 6);
	assert_memory_equal(first, want, sizeof want);
	/* the same word id in the other sentence is another word */
	tok_token t[2] = { TOK(1, 0, 1, 0, 0), TOK(1, 0, 1, 1, 0) };
	assert_int_equal(words_group(t, 2, first), 2);
	assert_int_equal(words_group(t, 0, first), 0);
	assert_int_equal(first[0], 0);
}

static void
test_attention(void **state)
{
	/* 4 tokens, words {0} {1,2} {3} */
	static const float a[16] = {
		0.1f, 0.2f, 0.3f, 0.4f,
		0.5f, 0.25f, 0.25f, 0.0f,
		0.0f, 0.0f, 0.5f, 0.5f,
		1.0f, 0.0f, 0.0f, 0.0f,
	};
	static const int first[] = { 0, 1, 3, 4 };
	float w[9];

	words_attention(a, 4, first, 3, w);
	/* to a word: summed over its pieces */
	assert_float_equal(w[0], 0.1, 1e-6);
	assert_float_equal(w[1], 0.5, 1e-6);
	assert_float_equal(w[2], 0.4, 1e-6);
	/* from a word: the mean of its pieces' rows */
	assert_float_equal(w[3], 0.25, 1e-6);
	assert_float_equal(w[4], 0.5, 1e-6);
	assert_float_equal(w[5], 0.25, 1e-6);
	assert_float_equal(w[6], 1.0, 1e-6);
	for (int r = 0; r < 3; r++)
		assert_float_equal(w[3 * r] + w[3 * r + 1] + w[3 * r + 2], 1.0, 1e-6);
}

static void
test_attended(void **state)
{
	/* words of 1, 3, 1, 1 tokens: tokens 0 | 1 2 3 | 4 | 5 */
	static const int first[] = { 0, 1, 4, 5, 6 };

	assert_true(words_attended(first, 0, 3, -1));
	assert_true(words_attended(first, 1, 1, 0));
	/* word 1's last token (3) is 1 from word 2 (4), 2 from word 3 (5) */
	assert_true(words_attended(first, 1, 2, 1));
	assert_false(words_attended(first, 1, 3, 1));
	assert_true(words_attended(first, 3, 1, 2));
	assert_true(words_attended(first, 0, 1, 1));
	assert_false(words_attended(first, 0, 2, 3));
	assert_true(words_attended(first, 2, 0, 4));
}

static void
test_text(void **state)
{
	static const char vocab[] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nun\n##aff\n##able\ncat\ndog\n##s\n";
	const char *const texts[2] = { "Unaffable cat", "Dogs" };
	int first[10], nw;
	tok_vocab *v;
	heed_err e;
	char buf[64], small[8];

	assert_int_equal(tok_vocab_parse(vocab, sizeof vocab - 1, &v, &e), HEED_OK);
	nw = words_group(pair, 9, first);
	assert_string_equal(words_text(v, pair, 9, first, 0, texts, buf, sizeof buf), "[CLS]");
	assert_string_equal(words_text(v, pair, 9, first, 1, texts, buf, sizeof buf), "Unaffable");
	assert_string_equal(words_text(v, pair, 9, first, 2, texts, buf, sizeof buf), "cat");
	/* sentence B's spans point into B */
	assert_string_equal(words_text(v, pair, 9, first, 4, texts, buf, sizeof buf), "Dogs");
	assert_string_equal(words_text(v, pair, 9, first, nw - 1, texts, buf, sizeof buf), "[SEP]");
	/* cut to fit, with an ellipsis, never inside a character */
	assert_string_equal(words_text(v, pair, 9, first, 1, texts, small, sizeof small), "Unaf\xe2\x80\xa6");
	{
		/* 8 bytes: in 8, 4 of them and the ellipsis would split the é */
		const char *const cafe[2] = { "caf\xc3\xa9s!!", NULL };
		tok_token t[1] = { TOK(1, 0, 8, 0, 0) };
		int f1[2];

		words_group(t, 1, f1);
		assert_string_equal(words_text(v, t, 1, f1, 0, cafe, small, 8), "caf\xe2\x80\xa6");
		t[0].end = 6;
		assert_string_equal(words_text(v, t, 1, f1, 0, cafe, small, 7), "caf\xc3\xa9s");
	}
	tok_vocab_free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group),
		cmocka_unit_test(test_attention),
		cmocka_unit_test(test_attended),
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
