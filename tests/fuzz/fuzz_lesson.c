/* fuzz_lesson.c — the lesson file parser (lesson_parse), then lesson_bind
 * against a 3 x 4 model with a small vocabulary, then every caption and
 * claim of an accepted lesson evaluated on figures taken from the input.
 *
 * Invariants: an accepted lesson has steps, each with a sentence, a known
 * view and heads inside the 1000 x 1000 the parser allows; its words are
 * distinct and at most LESSON_MAX_WORDS; a caption always comes back
 * NUL-terminated within its buffer, whatever the figures (NaN included);
 * a refused one sets a message and returns nothing. */
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "heed/enc.h"
#include "heed/lesson.h"

#define LAYERS 3
#define HEADS 4
#define NH (LAYERS * HEADS)

static tok_vocab *vocab;

static void
cleanup(void)
{
	tok_vocab_free(vocab);
}

static void
setup(void)
{
	static const char text[] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\ncat\nsat\n.\nstates\n";
	heed_err e;

	if (tok_vocab_parse(text, strlen(text), &vocab, &e) < 0)
		fuzz_fail("vocabulary: %s", e.msg);
	atexit(cleanup);
}

/* Figures from the input's bytes: shares in [0, 1], a NaN now and then. */
static void
figures(const uint8_t *data, size_t size, hstat *hs, float *prob, float *base)
{
	for (int k = 0; k < NH; k++) {
		for (int c = 0; c < HSTAT_COUNT; c++) {
			uint8_t b = size > 0 ? data[(size_t)(k * HSTAT_COUNT + c) % size] : 0;

			hs[k].v[c] = b == 255 ? NAN : b / 254.0;
		}
		hs[k].cat = hstat_category(&hs[k], 8);
	}
	for (int k = 0; k < LESSON_MAX_WORDS; k++) {
		prob[k] = size > 0 ? data[k % size] / 255.0f : 0.0f;
		base[k] = k % 3 == 0 ? NAN : 1.0f - prob[k];
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lesson *l = NULL;
	lesson_figs f;
	hstat hs[NH];
	float prob[LESSON_MAX_WORDS], base[LESSON_MAX_WORDS];
	int ids[LESSON_MAX_WORDS];
	char out[300], why[200];
	heed_err e;

	if (vocab == NULL)
		setup();
	e.msg[0] = '\0';
	if (lesson_parse((const char *)data, size, "fuzz.lesson", &l, &e) < 0) {
		fuzz_check(l == NULL && e.msg[0] != '\0');
		return 0;
	}
	fuzz_check(l != NULL && l->nsteps > 0 && l->nsteps <= LESSON_MAX_STEPS && l->title != NULL);
	fuzz_check(l->nwords >= 0 && l->nwords <= LESSON_MAX_WORDS);
	for (int i = 0; i < l->nwords; i++)
		for (int j = 0; j < i; j++)
			fuzz_check(strcmp(l->words[i], l->words[j]) != 0);
	for (int i = 0; i < l->nsteps; i++) {
		const lesson_step *s = &l->steps[i];

		fuzz_check(s->sentence != NULL && s->modes != NULL && s->caption != NULL);
		fuzz_check(s->view >= 0 && s->view < LESSON_VIEW_COUNT);
		fuzz_check(s->imp_replace == -1 || (s->imp_replace > HEAD_INPUT &&
		    s->imp_replace < HEAD_MODE_COUNT));
		fuzz_check(s->imp_order >= -1 && s->imp_order <= LESSON_ORDER_PAPA);
		fuzz_check((s->layer < 0) == (s->head < 0) && s->layer < 1000 && s->head < 1000);
	}
	e.msg[0] = '\0';
	if (lesson_bind(l, LAYERS, HEADS, NULL, vocab, ids, &e) < 0)
		fuzz_check(e.msg[0] != '\0');
	figures(data, size, hs, prob, base);
	f = (lesson_figs){ LAYERS, HEADS, 8, hs, size % 2 == 0, "the", NULL, prob, base };
	for (int i = 0; i < l->nsteps; i++) {
		const lesson_step *s = &l->steps[i];

		memset(out, 'x', sizeof out);
		lesson_caption(l, s, &f, out, sizeof out);
		fuzz_check(memchr(out, '\0', sizeof out) != NULL);
		for (int k = 0; k < s->nclaims; k++) {
			memset(why, 'x', sizeof why);
			(void)lesson_claim(l, s, k, &f, why, sizeof why);
			fuzz_check(memchr(why, '\0', sizeof why) != NULL);
		}
	}
	lesson_free(l);
	return 0;
}
