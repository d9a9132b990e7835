/* fuzz_tok.c — the tokenizer on arbitrary bytes (tok_encode), with the
 * vocabulary of the test checkpoint.  The first byte picks casing and the
 * token limit; the rest is the text.  Whatever the bytes, the result is
 * [CLS] ... [SEP], within the limit, with in-range ids and spans that lie
 * inside the text and start in order. */
#include <string.h>

#include "fuzz.h"
#include "heed/tok.h"

static tok_vocab *vocab;

static void
load_vocab(void)
{
	heed_err e;

	if (tok_vocab_load(HEED_SRCDIR "/tests/fixtures/enc/bert-f32/vocab.txt", &vocab, &e) < 0)
		fuzz_fail("cannot load the fuzzing vocabulary: %s", e.msg);
}

static void
check_result(const tok_result *r, size_t len, int max_tokens)
{
	tok_specials sp = tok_vocab_specials(vocab);
	int last_begin = 0;

	fuzz_check(r->n >= 2 && r->n <= max_tokens && r->n <= r->n_full);
	fuzz_check(r->truncated == (r->n_full > max_tokens));
	fuzz_check(r->invalid_bytes >= 0 && (size_t)r->invalid_bytes <= len);
	fuzz_check(r->tok[0].id == sp.cls && r->tok[r->n - 1].id == sp.sep);
	for (int i = 1; i < r->n - 1; i++) {
		const tok_token *t = &r->tok[i];

		fuzz_check(t->id >= 0 && t->id < tok_vocab_size(vocab));
		fuzz_check(t->begin >= last_begin && t->begin <= t->end && (size_t)t->end <= len);
		last_begin = t->begin;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int limits[] = { 2, 3, 8, 128, 512 };
	tok_result r;
	heed_err e;
	char *text;
	int max_tokens;

	if (vocab == NULL)
		load_vocab();
	if (size == 0)
		return 0;
	max_tokens = limits[(data[0] >> 1) % 5];
	text = malloc(size - 1 ? size - 1 : 1);
	memcpy(text, data + 1, size - 1);
	if (tok_encode(vocab, text, size - 1, data[0] & 1, max_tokens, &r, &e) == HEED_OK) {
		check_result(&r, size - 1, max_tokens);
		tok_result_free(&r);
	} else {
		fuzz_check(e.msg[0] != '\0');
	}
	free(text);
	return 0;
}
