/* test_enc_alloc.c — a keystroke allocates nothing: the encoder's buffers
 * are sized once for max_tokens in enc_new (and the thread pool once in
 * enc_set_threads), and the tokenizer's workspace keeps its buffers from
 * key to key, so typing causes no allocation churn.  malloc, calloc
 * and realloc are wrapped at link time (-Wl,--wrap) to count heed's own
 * calls; OpenBLAS's internal buffers are its business and not counted. */
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "heed/enc.h"
#include "heed/model.h"
#include "heed/tok.h"
#include "../../src/encoder/encoder_int.h"

#define FIXDIR HEED_TESTDIR "/fixtures/enc"

static long allocs;
static size_t alloc_bytes;   /* bytes asked for, malloc, calloc and realloc */

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n) { allocs++; alloc_bytes += n; return __real_malloc(n); }
void *__wrap_calloc(size_t k, size_t n) { allocs++; alloc_bytes += k * n; return __real_calloc(k, n); }
void *__wrap_realloc(void *p, size_t n) { allocs++; alloc_bytes += n; return __real_realloc(p, n); }

static void
runs_allocate_nothing(int threads)
{
	model *m;
	heed_err e;
	int ids[40];

	assert_int_equal(model_load(FIXDIR "/bert-f32", &m, &e), HEED_OK);
	int LH = m->cfg.layers * m->cfg.heads;
	uint8_t *modes = calloc((size_t)LH, 1);
	long at_new = allocs;
	enc_state *s = enc_new(m, 40);
	/* the counting works: enc_new is where the buffers come from */
	assert_true(allocs > at_new);
	if (threads > 0)
		enc_set_threads(s, threads);
	for (int t = 0; t < 40; t++)
		ids[t] = 1000 + t;
	assert_int_equal(enc_run(s, ids, 40, modes, NULL, NULL, NULL, &e), HEED_OK);

	long before = allocs;
	for (int k = 0; k < 30; k++) {
		int n = 3 + k % 37;      /* every length up to the maximum */
		ids[k % n] = 2000 + k;   /* a keystroke: new ids, from the embeddings */
		assert_int_equal(enc_run(s, ids, n, modes, NULL, NULL, NULL, &e), HEED_OK);
		/* a toggle: incremental recompute, in a mode without calibration */
		modes[k % LH] = modes[k % LH] == HEAD_INPUT ? HEAD_UNIFORM : HEAD_INPUT;
		if (k % 3 == 0)
			modes[(k + 1) % LH] = HEAD_SYNTH_RANDOM;
		assert_int_equal(enc_run(s, ids, n, modes, NULL, NULL, NULL, &e), HEED_OK);
	}
	assert_int_equal(allocs - before, 0);
	enc_free(s);
	free(modes);
	model_free(m);
}

static void test_serial(void **st) { (void)st; runs_allocate_nothing(0); }
static void test_threads(void **st) { (void)st; runs_allocate_nothing(2); }

/* A sentence typed key by key and edited back, as the explorer tokenizes
 * it: after the first pass has grown the workspace, nothing is allocated,
 * and every result is the one a fresh tok_encode gives. */
static void
test_typing_tokenizes_without_allocating(void **st)
{
	static const char text[] = "Call me Ishmael. Some years ago, never mind how long "
	    "precisely, the caf\xc3\xa9's [MASK] na\xc3\xafve \xe4\xb8\xad\xe6\x96\x87 whale!";
	size_t len = sizeof text - 1;
	tok_vocab *v;
	heed_err e;
	tok_result r, fresh;

	(void)st;
	assert_int_equal(tok_vocab_load(FIXDIR "/bert-f32/vocab.txt", &v, &e), HEED_OK);
	tok_ws *w = tok_ws_new();
	for (int pass = 0; pass < 2; pass++) {
		long before = allocs;
		/* type it, then delete it again, one byte at a time */
		for (size_t k = 1; k <= 2 * len; k++) {
			size_t n = k <= len ? k : 2 * len - k;
			assert_int_equal(tok_encode_ws(v, w, text, n, true, 40, &r, &e), HEED_OK);
			if (pass == 1) {
				long at = allocs;
				assert_int_equal(tok_encode(v, text, n, true, 40, &fresh, &e), HEED_OK);
				assert_int_equal(r.n, fresh.n);
				assert_int_equal(r.truncated, fresh.truncated);
				assert_memory_equal(r.tok, fresh.tok, sizeof *r.tok * (size_t)r.n);
				tok_result_free(&fresh);
				allocs = at;   /* the comparison's own allocations */
			}
		}
		if (pass == 1)
			assert_int_equal(allocs - before, 0);
	}
	tok_ws_free(w);
	tok_vocab_free(v);
}

/* enc_bytes, the estimate heed refuses a long input by, is exactly what
 * enc_new asks malloc for, for every family's layout (ModernBERT's rotary
 * tables and bands, DeBERTa's relative scratch and its mask decoder) and
 * lengths short, long and past the model's positions; and the same for a
 * batch encoder.  A buffer added to enc_new and not to the estimate (or
 * the other way) fails here. */
static void
test_enc_bytes_is_what_enc_new_allocates(void **st)
{
	static const char *const dirs[] = {
		"bert-f32", "albert-f32", "distil-f32", "electra-disc-f32", "roberta-f32",
		"modernbert-f32", "deberta2-f32", "deberta3-f32",
	};
	bool saw_emd = false;

	(void)st;
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		char path[512];
		model *m;
		heed_err e;

		snprintf(path, sizeof path, FIXDIR "/%s", dirs[i]);
		assert_int_equal(model_load(path, &m, &e), HEED_OK);
		saw_emd |= m->emd_ok;
		const int lens[] = { 0, 1, 7, 40, m->cfg.max_tokens, m->cfg.max_tokens + 9 };
		for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
			size_t before = alloc_bytes;
			enc_state *s = enc_new(m, lens[k]);
			size_t got = alloc_bytes - before;
			if (got != enc_bytes(m, lens[k]))
				fail_msg("%s, %d tokens: enc_new allocates %zu bytes, enc_bytes says %zu",
				    dirs[i], lens[k], got, enc_bytes(m, lens[k]));
			/* the threads heed runs on by default need no more scratch */
			float *scratch = s->rel_scratch;
			enc_set_threads(s, enc_default_threads());
			assert_ptr_equal(s->rel_scratch, scratch);
			enc_free(s);

			before = alloc_bytes;
			s = enc_new_batch(m, lens[k], 3 * lens[k] + 5);
			got = alloc_bytes - before;
			if (got != enc_state_bytes(m, lens[k], 3 * lens[k] + 5, true))
				fail_msg("%s, batch of %d: enc_new_batch allocates %zu bytes, the plan "
				    "says %zu", dirs[i], lens[k], got,
				    enc_state_bytes(m, lens[k], 3 * lens[k] + 5, true));
			enc_free(s);
		}
		/* the n² term dominates: 40 tokens need more than 7; past the
		 * model's positions nothing more */
		assert_true(enc_bytes(m, 40) > enc_bytes(m, 7));
		assert_int_equal(enc_bytes(m, m->cfg.max_tokens + 9), enc_bytes(m, m->cfg.max_tokens));
		model_free(m);
	}
	assert_true(saw_emd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serial),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_typing_tokenizes_without_allocating),
		cmocka_unit_test(test_enc_bytes_is_what_enc_new_allocates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
