/* test_lesson.c — the lesson format: steps inherit, figures and claims
 * read the figures they are given, and every mistake is refused with its
 * line. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "heed/lesson.h"

static const char good[] =
    "# a comment\n"
    "title Two heads\n"
    "\n"
    "step First\n"
    "sentence the cat sat .\n"
    "view stats\n"
    "head L1H2\n"
    "caption {prev L1H2} of L1H2 is on the previous token;\n"
    "caption {prev_share 1,1} for L1H1 ({kind L1H1}), best {best prev}.\n"
    "claim prev L1H2 >= 0.5\n"
    "claim kind L1H2 = previous-token\n"
    "\n"
    "step Second\r\n"
    "modes L1H2=uniform\n"
    "token 3\n"
    "caption {prob sat} now, {base sat} before; top {top}, was {basetop}; {count sink} sinks: {heads sink}\n"
    "claim prob sat ~ {base sat} 0.1\n"
    "claim top = {basetop}\n"
    "claim prob dog > 50%\n";

/* two heads of one layer: H1 broad-ish, H2 a previous-token head */
static void
figs_of(lesson_figs *f, hstat *hs, float *prob, float *base)
{
	memset(hs, 0, 2 * sizeof *hs);
	hs[0].v[HSTAT_PREV] = 0.25;
	hs[0].v[HSTAT_CLS] = 0.3;
	hs[0].v[HSTAT_SEP] = 0.2;
	hs[0].v[HSTAT_PUNCT] = 0.1;
	hs[0].cat = HCAT_SINK;
	hs[1].v[HSTAT_PREV] = 0.8125;
	hs[1].cat = HCAT_PREV;
	prob[0] = 0.5f;   /* sat */
	prob[1] = 0.1f;   /* dog */
	base[0] = 0.55f;
	base[1] = 0.2f;
	*f = (lesson_figs){ 1, 2, 6, hs, true, "sat", "sat", prob, base };
}

static void
test_parse_and_inherit(void **state)
{
	lesson *l;
	heed_err e;

	assert_int_equal(lesson_parse(good, strlen(good), "good.lesson", &l, &e), HEED_OK);
	assert_string_equal(l->title, "Two heads");
	assert_int_equal(l->nsteps, 2);
	assert_string_equal(l->steps[0].title, "First");
	assert_int_equal(l->steps[0].line, 4);
	assert_string_equal(l->steps[0].modes, "input");
	assert_int_equal(l->steps[0].view, LESSON_STATS);
	assert_int_equal(l->steps[0].layer, 0);
	assert_int_equal(l->steps[0].head, 1);
	assert_int_equal(l->steps[0].token, -1);
	assert_int_equal(l->steps[0].nclaims, 2);
	/* the second inherits sentence, view and head, and has its own modes */
	assert_string_equal(l->steps[1].sentence, "the cat sat .");
	assert_string_equal(l->steps[1].modes, "L1H2=uniform");
	assert_int_equal(l->steps[1].view, LESSON_STATS);
	assert_int_equal(l->steps[1].head, 1);
	assert_int_equal(l->steps[1].token, 2);
	assert_int_equal(l->steps[1].nclaims, 3);
	/* the words of prob and base figures, once each */
	assert_int_equal(l->nwords, 2);
	assert_string_equal(l->words[0], "sat");
	assert_string_equal(l->words[1], "dog");
	{
		static const char vocab[] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\ncat\nsat\n.\n";
		tok_vocab *v;
		int ids[2];

		assert_int_equal(tok_vocab_parse(vocab, strlen(vocab), &v, &e), HEED_OK);
		assert_int_equal(lesson_bind(l, 1, 2, NULL, v, ids, &e), HEED_OK);
		assert_int_equal(ids[0], 7);    /* sat */
		assert_int_equal(ids[1], -1);   /* dog: not in this vocabulary */
		assert_int_equal(lesson_bind(l, 1, 1, NULL, v, ids, &e), HEED_EFORMAT);
		assert_non_null(strstr(e.msg, "good.lesson:4: "));
		/* a spec past the model, or one that needs a calibration */
		l->steps[1].modes[1] = '3';
		assert_int_equal(lesson_bind(l, 1, 2, NULL, v, ids, &e), HEED_EFORMAT);
		assert_non_null(strstr(e.msg, "good.lesson:13: "));
		free(l->steps[1].modes);
		l->steps[1].modes = xstrdup("papa-half");
		assert_int_equal(lesson_bind(l, 1, 2, NULL, v, ids, &e), HEED_EFORMAT);
		tok_vocab_free(v);
	}
	lesson_free(l);
}

static void
test_captions_and_claims(void **state)
{
	lesson *l;
	lesson_figs f;
	hstat hs[2];
	float prob[2], base[2];
	char out[512], why[256];
	heed_err e;

	assert_int_equal(lesson_parse(good, strlen(good), "good.lesson", &l, &e), HEED_OK);
	figs_of(&f, hs, prob, base);
	lesson_caption(l, &l->steps[0], &f, out, sizeof out);
	assert_string_equal(out, "0.81 of L1H2 is on the previous token; 0.25 for L1H1 (sink), "
	    "best L1H2.");
	lesson_caption(l, &l->steps[1], &f, out, sizeof out);
	assert_string_equal(out, "50.0% now, 55.0% before; top sat, was sat; 1 sinks: L1H1");
	assert_true(lesson_claim(l, &l->steps[0], 0, &f, why, sizeof why));
	assert_string_equal(why, "prev L1H2 >= 0.5: 0.81 >= 0.5");
	assert_true(lesson_claim(l, &l->steps[0], 1, &f, why, sizeof why));
	assert_true(lesson_claim(l, &l->steps[1], 0, &f, why, sizeof why));
	assert_true(lesson_claim(l, &l->steps[1], 1, &f, why, sizeof why));
	assert_false(lesson_claim(l, &l->steps[1], 2, &f, why, sizeof why));
	assert_string_equal(why, "prob dog > 50%: 10.0% > 50%");
	/* the figures move, and so do the claims */
	hs[1].v[HSTAT_PREV] = 0.4;
	hs[1].cat = HCAT_MIXED;
	assert_false(lesson_claim(l, &l->steps[0], 0, &f, why, sizeof why));
	assert_false(lesson_claim(l, &l->steps[0], 1, &f, why, sizeof why));
	assert_string_equal(why, "kind L1H2 = previous-token: mixed = previous-token");
	prob[0] = 0.3f;
	assert_false(lesson_claim(l, &l->steps[1], 0, &f, why, sizeof why));
	/* no [MASK]: probabilities are unknown, and claims on them fail */
	f.has_mask = false;
	lesson_caption(l, &l->steps[1], &f, out, sizeof out);
	assert_string_equal(out, "n/a now, n/a before; top n/a, was n/a; 1 sinks: L1H1");
	assert_false(lesson_claim(l, &l->steps[1], 1, &f, why, sizeof why));
	lesson_free(l);
}

static void
test_figure_values(void **state)
{
	lesson *l;
	lesson_figs f;
	hstat hs[2];
	float prob[2], base[2];
	char text[64];
	double v;
	heed_err e;

	assert_int_equal(lesson_parse(good, strlen(good), "good.lesson", &l, &e), HEED_OK);
	figs_of(&f, hs, prob, base);
	assert_int_equal(lesson_figure(l, &f, "sink L1H1", &v, text, sizeof text, &e), HEED_OK);
	assert_float_equal(v, 0.6, 1e-12);
	assert_int_equal(lesson_figure(l, &f, "least prev", &v, text, sizeof text, &e), HEED_OK);
	assert_string_equal(text, "L1H1");
	assert_int_equal(lesson_figure(l, &f, "highest sink", &v, text, sizeof text, &e), HEED_OK);
	assert_float_equal(v, 0.6, 1e-12);
	assert_string_equal(text, "0.60");
	assert_int_equal(lesson_figure(l, &f, "lowest prev", &v, text, sizeof text, &e), HEED_OK);
	assert_float_equal(v, 0.25, 0);
	assert_int_equal(lesson_figure(l, &f, "count previous-token", &v, text, sizeof text, &e),
	    HEED_OK);
	assert_float_equal(v, 1, 0);
	assert_int_equal(lesson_figure(l, &f, "dep L1H1", &v, text, sizeof text, &e), HEED_OK);
	assert_string_equal(text, "0.000");
	assert_int_equal(lesson_figure(l, &f, "tokens", &v, text, sizeof text, &e), HEED_OK);
	assert_float_equal(v, 6, 0);
	assert_int_equal(lesson_figure(l, &f, "bogus L1H1", &v, text, sizeof text, &e), HEED_EINVAL);
	lesson_free(l);
}

/* sort and words: the first step leaves them as they are, a step sets
 * them for itself and the steps after; a figure sorts largest first unless
 * told, layer and kind in their order. */
static void
test_sort_and_words(void **state)
{
	static const char text[] =
	    "step plain\nsentence a b\n"
	    "step sorted\nview stats\nsort sep\nwords on\n"
	    "step inherits\n"
	    "step up\nsort entropy  up\nwords off\n"
	    "step kind\nsort kind\n"
	    "step layer back\nsort layer down\n";
	lesson *l;
	heed_err e;
	char name[32];

	(void)state;
	assert_int_equal(lesson_parse(text, strlen(text), "s.lesson", &l, &e), HEED_OK);
	assert_int_equal(l->nsteps, 6);
	assert_int_equal(l->steps[0].sort, -1);
	assert_int_equal(l->steps[0].words, -1);
	assert_int_equal(l->steps[1].sort, 1 + HSTAT_SEP);
	assert_true(l->steps[1].sort_down);
	assert_int_equal(l->steps[1].words, 1);
	assert_int_equal(l->steps[2].sort, 1 + HSTAT_SEP);
	assert_true(l->steps[2].sort_down);
	assert_int_equal(l->steps[2].words, 1);
	assert_int_equal(l->steps[3].sort, 1 + HSTAT_ENTROPY);
	assert_false(l->steps[3].sort_down);
	assert_int_equal(l->steps[3].words, 0);
	assert_int_equal(l->steps[4].sort, LESSON_SORT_KIND);
	assert_false(l->steps[4].sort_down);
	assert_int_equal(l->steps[5].sort, LESSON_SORT_LAYER);
	assert_true(l->steps[5].sort_down);
	/* written back as the file says it */
	lesson_sort_name(&l->steps[1], name, sizeof name);
	assert_string_equal(name, "sep");
	lesson_sort_name(&l->steps[3], name, sizeof name);
	assert_string_equal(name, "entropy up");
	lesson_sort_name(&l->steps[4], name, sizeof name);
	assert_string_equal(name, "kind");
	lesson_sort_name(&l->steps[5], name, sizeof name);
	assert_string_equal(name, "layer down");
	lesson_free(l);
}

/* view importance [MODE] [ORDER]: view 6, its replacement and curve order
 * each kept by the steps after until one says otherwise; a lesson
 * without them reads as before; what a model cannot run is refused at
 * bind, with the step's line. */
static void
test_importance_view(void **state)
{
	static const char text[] =
	    "step scan\nsentence the cat sat .\nview importance\n"
	    "step uniform papa\nview importance uniform papa\n"
	    "step the grid\nview grid\n"
	    "step back\nview importance  importance\n"
	    "step average\nview importance papa average\n";
	static const char vocab[] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\ncat\nsat\n.\n";
	static const char avg[] = "step a\nsentence s\nview importance average\n";
	calib_head_stats st[2] = { 0 };
	calib cal = { .layers = 1, .heads = 2, .stats = st };
	tok_vocab *v;
	lesson *l;
	heed_err e;
	char name[64];
	int ids[1];

	(void)state;
	assert_int_equal(lesson_parse(text, strlen(text), "i.lesson", &l, &e), HEED_OK);
	assert_int_equal(l->nsteps, 5);
	assert_int_equal(l->steps[0].view, LESSON_IMPORTANCE);
	assert_int_equal(l->steps[0].imp_replace, -1);
	assert_int_equal(l->steps[0].imp_order, -1);
	assert_int_equal(l->steps[1].imp_replace, HEAD_UNIFORM);
	assert_int_equal(l->steps[1].imp_order, LESSON_ORDER_PAPA);
	assert_int_equal(l->steps[2].view, LESSON_GRID);
	assert_int_equal(l->steps[2].imp_replace, HEAD_UNIFORM);
	assert_int_equal(l->steps[3].view, LESSON_IMPORTANCE);
	assert_int_equal(l->steps[3].imp_replace, HEAD_UNIFORM);
	assert_int_equal(l->steps[3].imp_order, LESSON_ORDER_IMPORTANCE);
	assert_int_equal(l->steps[4].imp_replace, HEAD_AVERAGE);
	assert_int_equal(l->steps[4].imp_order, LESSON_ORDER_PAPA);
	/* written back as a file says it; other views without the words */
	lesson_view_text(&l->steps[0], name, sizeof name);
	assert_string_equal(name, "importance");
	lesson_view_text(&l->steps[1], name, sizeof name);
	assert_string_equal(name, "importance uniform papa");
	lesson_view_text(&l->steps[2], name, sizeof name);
	assert_string_equal(name, "grid");
	lesson_view_text(&l->steps[4], name, sizeof name);
	assert_string_equal(name, "importance average papa");
	assert_string_equal(lesson_view_name(LESSON_IMPORTANCE), "importance");
	/* papa (step 2) and average (step 5) need a calibration */
	assert_int_equal(tok_vocab_parse(vocab, strlen(vocab), &v, &e), HEED_OK);
	assert_int_equal(lesson_bind(l, 1, 2, NULL, v, ids, &e), HEED_EFORMAT);
	assert_non_null(strstr(e.msg, "i.lesson:4: view importance papa needs a calibration"));
	assert_int_equal(lesson_bind(l, 1, 2, &cal, v, ids, &e), HEED_OK);
	l->steps[4].imp_replace = HEAD_SYNTH_DENSE;
	assert_int_equal(lesson_bind(l, 1, 2, &cal, v, ids, &e), HEED_EFORMAT);
	assert_non_null(strstr(e.msg, "i.lesson:10: view importance dense needs a calibration "
	    "with dense synthesizers"));
	lesson_free(l);
	/* average alone needs one too */
	assert_int_equal(lesson_parse(avg, strlen(avg), "j.lesson", &l, &e), HEED_OK);
	assert_int_equal(lesson_bind(l, 1, 2, NULL, v, ids, &e), HEED_EFORMAT);
	assert_non_null(strstr(e.msg, "j.lesson:1: view importance average needs a calibration file"));
	lesson_free(l);
	tok_vocab_free(v);
}

static void
refused(const char *text, const char *msg)
{
	lesson *l = NULL;
	heed_err e;

	assert_int_equal(lesson_parse(text, strlen(text), "x.lesson", &l, &e), HEED_EFORMAT);
	assert_null(l);
	if (strstr(e.msg, msg) == NULL)
		fail_msg("'%s' not in '%s'", msg, e.msg);
}

static void
test_mistakes(void **state)
{
	refused("", "no steps");
	refused("# only a comment\n", "no steps");
	refused("step a\nview grid\n", "x.lesson:1: step 1 has no sentence");
	refused("sentence a b\n", "x.lesson:1: 'sentence' before the first step");
	refused("step a\nsentence s\nbogus 1\n", "x.lesson:3: unknown key 'bogus'");
	refused("step a\nsentence s\nview zoom\n", "x.lesson:3: unknown view 'zoom'");
	refused("step a\nsentence s\nhead 2\n", "x.lesson:3: head '2'");
	refused("step a\nsentence s\nhead L0H1\n", "x.lesson:3: head 'L0H1'");
	refused("step a\nsentence s\ntoken 0\n", "x.lesson:3: ");
	refused("step a\nsentence s\ncaption {prev}\n", "x.lesson:3: figure 'prev' needs an argument");
	refused("step a\nsentence s\ncaption {pref L1H1}\n", "x.lesson:3: unknown figure 'pref'");
	refused("step a\nsentence s\ncaption {prev L1H1\n", "x.lesson:3: '{' without '}'");
	refused("step a\nsentence s\ncaption {count loud}\n", "unknown kind 'loud'");
	refused("step a\nsentence s\ncaption {top 3}\n", "takes no argument");
	refused("step a\nsentence s\nclaim prev L1H1\n", "x.lesson:3: claim 'prev L1H1'");
	refused("step a\nsentence s\nclaim prev L1H1 >= \n", "x.lesson:3: ");
	refused("step a\nsentence s\nclaim prob x ~ 0.5\n", "~ needs a tolerance");
	refused("step a\nsentence s\nclaim prev L1H1 > 0.5 0.1\n", "after the value");
	refused("title t\nstep a\nsentence s\ntitle u\n", "x.lesson:4: title goes before the first step");
	refused("step a\nsentence \x1b[2Jboom\n", "x.lesson:2: not UTF-8 text");
	refused("step a\nsentence \xff\n", "x.lesson:2: not UTF-8 text");
	refused("step a\ncaption\n", "x.lesson:2: 'caption' needs a value");
	refused("step a\nsentence s\nsort sink\n", "x.lesson:3: sort 'sink': not a column");
	refused("step a\nsentence s\nsort sep sideways\n", "x.lesson:3: sort sep: 'sideways' is "
	    "not up or down");
	refused("step a\nsentence s\nsort\n", "x.lesson:3: 'sort' needs a value");
	refused("step a\nsentence s\nwords yes\n", "x.lesson:3: words 'yes': write on or off");
	refused("step a\nsentence s\nview importance input\n", "x.lesson:3: view importance: 'input' "
	    "is not a replacement");
	refused("step a\nsentence s\nview importance papa papa\n", "x.lesson:3: view importance: "
	    "'papa' is not");
	refused("step a\nsentence s\nview importance average dense\n", "'dense' is not");
	refused("step a\nsentence s\nview importance sideways\n", "'sideways' is not");
	refused("step a\nsentence s\nview stats average\n", "x.lesson:3: view stats: 'average' "
	    "after it (only the importance view");
	refused("step a\nsentence s\nview importances\n", "x.lesson:3: unknown view 'importances'");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_inherit),
		cmocka_unit_test(test_captions_and_claims),
		cmocka_unit_test(test_figure_values),
		cmocka_unit_test(test_sort_and_words),
		cmocka_unit_test(test_importance_view),
		cmocka_unit_test(test_mistakes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
