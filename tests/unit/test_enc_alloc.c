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
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "heed/enc.h"
#include "heed/model.h"
#include "heed/tok.h"

#define FIXDIR HEED_TESTDIR "/fixtures/enc"

static long allocs;

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n) { allocs++; return __real_malloc(n); }
void *__wrap_calloc(size_t k, size_t n) { allocs++; return __real_calloc(k, n); }
void *__wrap_realloc(void *p, size_t n) { allocs++; return __real_realloc(p, n); }

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serial),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_typing_tokenizes_without_allocating),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
