/* lesson.c — `heed lesson FILE`: a lesson in the explorer, or, with
 * --print, every step on standard output with its caption's live figures
 * (each also at full precision, for scripts and for checking a lesson at
 * home) and whether its claims hold on the model; --check exits 2 when one
 * does not.  The figures are hstat.h's, as in `heed stats SENTENCE` and
 * the explorer's view 5.
 */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heed/enc.h"
#include "heed/hstat.h"
#include "heed/lesson.h"
#include "heed/open.h"
#include "heed/tui.h"
#include "cli.h"

typedef struct lesson_opts {
	const char *model, *file, *threads;
	bool print, check;
} lesson_opts;

static void
lesson_usage(FILE *f)
{
	fprintf(f,
	    "Usage: heed lesson [-m MODEL] [--threads N] FILE\n"
	    "       heed lesson [-m MODEL] --print|--check FILE\n"
	    "Step through a lesson in the explorer (n next, p back), or print it.\n"
	    "\n"
	    "  -m, --model MODEL   model folder or hub name (default: heed-mini)\n"
	    "      --threads N     the explorer's encoder threads\n"
	    "  -p, --print         print every step: its caption with the live figures,\n"
	    "                      each figure's value, and whether each claim holds\n"
	    "  -c, --check         the same, and exit 2 unless every claim holds\n"
	    "  -h, --help          this help\n"
	    "\n"
	    "The lesson format is in heed(1), LESSONS; lessons for heed-mini ship in\n"
	    "the lessons folder beside the model (assets/lessons in the source).\n");
}

static int
lesson_parse_args(int argc, char **argv, lesson_opts *o)
{
	static const struct option opts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "threads", required_argument, NULL, 't' },
		{ "print", no_argument, NULL, 'p' },
		{ "check", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (lesson_opts){ 0 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:pch", opts, NULL)) != -1) {
		switch (c) {
		case 'm': o->model = optarg; break;
		case 't': o->threads = optarg; break;
		case 'p': o->print = true; break;
		case 'c': o->check = o->print = true; break;
		case 'h': lesson_usage(stdout); return 1;
		default:
			fprintf(stderr, "heed: lesson: see heed lesson --help\n");
			return -1;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "heed: lesson: %s\n", optind == argc ? "which lesson? heed lesson FILE"
		    : "one lesson FILE at a time");
		return -1;
	}
	o->file = argv[optind];
	return 0;
}

/* ---- --print ------------------------------------------------------------- */

typedef struct run {
	heed_session h;
	lesson *l;
	int watch[LESSON_MAX_WORDS];
	enc_state *st;
	uint8_t *modes, *kind;
	int *ids;
	float *buf;
	hstat *hs;
	float prob[LESSON_MAX_WORDS], base[LESSON_MAX_WORDS];
	char top[128], base_top[128];
	int claims, failed;
} run;

/* P(word) for the lesson's words and the best prediction at position pos,
 * from the encoder's last run. */
static int
predictions(run *r, int pos, float *prob, char *top, heed_err *e)
{
	int id, rc;
	float p;

	for (int k = 0; k < r->l->nwords; k++) {
		prob[k] = NAN;
		if (r->watch[k] >= 0 && (rc = enc_mlm_prob(r->st, pos, r->watch[k], &prob[k], e)) < 0)
			return rc;
	}
	if ((rc = enc_mlm_topk(r->st, pos, 1, &id, &p, e)) < 0)
		return rc;
	snprintf(top, 128, "%s", rc > 0 && tok_piece(r->h.vocab, id) ? tok_piece(r->h.vocab, id) : "");
	return HEED_OK;
}

/* Run step s: every head input first (the baseline), then its modes. */
static int
run_step(run *r, const lesson_step *s, lesson_figs *f, heed_err *e)
{
	const model_config *c = &r->h.m->cfg;
	int lh = c->layers * c->heads, mask = -1, rc;
	tok_result t;

	if ((rc = tok_encode(r->h.vocab, s->sentence, strlen(s->sentence), c->lowercase,
	    r->h.max_tokens, &t, e)) < 0)
		return rc;
	for (int i = 0; i < t.n; i++) {
		r->ids[i] = t.tok[i].id;
		if (mask < 0 && t.tok[i].id == tok_vocab_specials(r->h.vocab).mask)
			mask = i;
	}
	*f = (lesson_figs){ c->layers, c->heads, t.n, r->hs, mask >= 0 && r->h.m->has_mlm,
	    r->top, r->base_top, r->prob, r->base };
	memset(r->modes, HEAD_INPUT, (size_t)lh);
	r->buf = xrealloc(r->buf, sizeof *r->buf * (size_t)(lh + 1) * t.n * t.n);
	r->kind = xrealloc(r->kind, (size_t)t.n);
	if ((rc = heed_enc_reserve(r->h.m, &r->st, t.n, 0, e)) < 0 ||
	    (rc = enc_run(r->st, r->ids, t.n, NULL, r->h.cal, NULL, NULL, e)) < 0 ||
	    (f->has_mask && (rc = predictions(r, mask, r->base, r->base_top, e)) < 0) ||
	    (rc = enc_modes_parse(s->modes, c->layers, c->heads, r->h.cal, r->modes, e)) < 0 ||
	    (rc = enc_run(r->st, r->ids, t.n, r->modes, r->h.cal, NULL, NULL, e)) < 0 ||
	    (f->has_mask && (rc = predictions(r, mask, r->prob, r->top, e)) < 0)) {
		tok_result_free(&t);
		return rc;
	}
	hstat_token_kinds(r->h.vocab, r->ids, t.n, r->kind);
	hstat_run(r->st, c->layers, c->heads, r->kind, r->h.cal, r->buf, r->hs);
	tok_result_free(&t);
	return HEED_OK;
}

/* Each {figure} of the caption once, at full precision. */
static void
print_figures(const run *r, const lesson_step *s, const lesson_figs *f)
{
	for (const char *p = strchr(s->caption, '{'); p != NULL; p = strchr(p + 1, '{')) {
		const char *q = strchr(p, '}');
		char expr[128], text[256];
		double v;
		heed_err e;

		if (q == NULL || (size_t)(q - p - 1) >= sizeof expr)
			break;
		memcpy(expr, p + 1, (size_t)(q - p - 1));
		expr[q - p - 1] = '\0';
		if (lesson_figure(r->l, f, expr, &v, text, sizeof text, &e) < 0)
			continue;
		printf("  {%s} = ", expr);
		if (isnan(v))
			cli_tsv_field(stdout, text);
		else
			printf("%.6f", v);
		putchar('\n');
	}
}

static int
print_step(run *r, int k, heed_err *e)
{
	const lesson_step *s = &r->l->steps[k];
	char caption[2048], why[256], view[64];
	lesson_figs f;
	int rc;

	if ((rc = run_step(r, s, &f, e)) < 0)
		return rc;
	printf("step %d/%d: %s\n", k + 1, r->l->nsteps, s->title);
	lesson_view_text(s, view, sizeof view);
	printf("  sentence: %s\n  modes: %s\n  view: %s\n", s->sentence, s->modes, view);
	if (s->layer >= 0)
		printf("  head: L%dH%d\n", s->layer + 1, s->head + 1);
	if (s->token >= 0)
		printf("  token: %d\n", s->token + 1);
	if (s->sort >= 0) {
		char sort[64];

		lesson_sort_name(s, sort, sizeof sort);
		printf("  sort: %s\n", sort);
	}
	if (s->words >= 0)
		printf("  words: %s\n", s->words ? "on" : "off");
	lesson_caption(r->l, s, &f, caption, sizeof caption);
	printf("  caption: %s\n", caption);
	print_figures(r, s, &f);
	for (int c = 0; c < s->nclaims; c++) {
		bool ok = lesson_claim(r->l, s, c, &f, why, sizeof why);

		printf("  claim %s: %s\n", ok ? "holds" : "FAILS", why);
		r->claims++;
		r->failed += !ok;
	}
	return HEED_OK;
}

static int
lesson_print(const lesson_opts *o, heed_err *e)
{
	heed_open_opts oo = { o->model, NULL, NULL, HEED_OPEN_WEIGHTS | HEED_OPEN_VOCAB |
	    HEED_OPEN_CALIB, NULL };
	run r = { 0 };
	int rc, lh;

	if ((rc = heed_open(&oo, &r.h, e)) < 0)
		return rc;
	lh = r.h.m->cfg.layers * r.h.m->cfg.heads;
	rc = lesson_load(o->file, &r.l, e);
	if (rc >= 0)
		rc = lesson_bind(r.l, r.h.m->cfg.layers, r.h.m->cfg.heads, r.h.cal, r.h.vocab, r.watch, e);
	if (rc >= 0) {
		r.modes = xmalloc((size_t)lh);
		r.hs = xmalloc(sizeof *r.hs * (size_t)lh);
		r.ids = xmalloc(sizeof *r.ids * (size_t)r.h.max_tokens);
		printf("# %s on %s\n", r.l->title, r.h.m->name ? r.h.m->name : r.h.dir);
		for (int k = 0; rc >= 0 && k < r.l->nsteps; k++)
			rc = print_step(&r, k, e);
	}
	if (rc >= 0)
		printf("# %d of %d claims hold\n", r.claims - r.failed, r.claims);
	if (rc >= 0)
		rc = cli_finish_stdout("lesson");
	if (rc >= 0 && o->check && r.failed > 0)
		rc = err_set(e, HEED_EFORMAT, "%s: %d of %d claims do not hold on %s", o->file,
		    r.failed, r.claims, r.h.m->name ? r.h.m->name : r.h.dir);
	free(r.modes);
	free(r.kind);
	free(r.ids);
	free(r.buf);
	free(r.hs);
	enc_free(r.st);
	lesson_free(r.l);
	heed_close(&r.h);
	return rc;
}

int
cmd_lesson(int argc, char **argv)
{
	lesson_opts o;
	heed_err e;
	int rc = lesson_parse_args(argc, argv, &o);

	if (rc != 0)
		return rc > 0 ? 0 : EXIT_USAGE;
	if (!o.print) {
		/* the explorer, on the lesson */
		char *args[8];
		int n = 0;

		args[n++] = argv[0];
		if (o.model != NULL) {
			args[n++] = "-m";
			args[n++] = (char *)o.model;
		}
		if (o.threads != NULL) {
			args[n++] = "--threads";
			args[n++] = (char *)o.threads;
		}
		args[n++] = "--lesson";
		args[n++] = (char *)o.file;
		args[n] = NULL;
		return cli_exit_code(tui_main(n, args));
	}
	rc = lesson_print(&o, &e);
	if (rc < 0 && rc != HEED_EWRITE)
		cli_error("lesson", "%s", e.msg);
	return cli_exit_code(rc);
}
