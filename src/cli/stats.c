/* stats.c — `heed stats`: the per-head table a calibration learned, so
 * people can see which heads are positional, which sit on [CLS] or [SEP],
 * and which can be frozen to their average (low jsd) before trying it;
 * and, given a sentence, every head's figures and kind on it (hstat.h),
 * the very numbers of the explorer's statistics view and of lessons.
 */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heed/calib.h"
#include "heed/enc.h"
#include "heed/hstat.h"
#include "heed/model.h"
#include "heed/open.h"
#include "heed/util.h"
#include "cli.h"

typedef struct stats_opts {
	const char *model, *calpath, *sort, *modes;
	char *sentence;      /* joined arguments; NULL: the calibration's table */
	bool tsv;
} stats_opts;

/* Columns after layer and head, in calib_head_stats order. */
static const char *const columns[] = {
	"entropy", "cls", "sep", "self", "prev", "next", "jsd", "synth", "uniform",
};
#define NCOLS (sizeof columns / sizeof columns[0])

static void
stats_usage(FILE *f)
{
	fprintf(f,
	    "Usage: heed stats [OPTIONS] [--] [SENTENCE]\n"
	    "Print what calibration learned about every head; with a SENTENCE, every\n"
	    "head's figures and kind on it (the explorer's view 5).\n"
	    "\n"
	    "  -m, --model MODEL   model folder or hub name (default: heed-mini)\n"
	    "  -c, --calib FILE    calibration file (default: MODEL/heed.calib)\n"
	    "  -M, --modes SPEC    head modes for the SENTENCE, e.g. papa-half, L2=uniform\n"
	    "  -f, --format F      text (default) or tsv\n"
	    "  -s, --sort COL      sort by COL, ascending; -COL for descending.  COL is\n"
	    "                      layer, head, entropy, cls, sep, self, prev, next, jsd,\n"
	    "                      synth or uniform (default: layer order)\n"
	    "  -h, --help          this help\n"
	    "\n"
	    "Columns: entropy = mean row entropy (nats); cls, sep, self, prev, next = mean\n"
	    "share of attention on [CLS], the final [SEP], the token itself and its\n"
	    "neighbours; jsd = input dependence, mean Jensen-Shannon divergence (nats)\n"
	    "from the head's average-mode rows; synth, uniform = cross-entropy (nats/row)\n"
	    "of the dense synthesizer and of uniform attention on held-out rows.\n"
	    "With a SENTENCE the columns are kind, entropy, prev, next, self, cls, sep,\n"
	    "punct (shares of attention on those tokens), dep (input dependence: mean\n"
	    "Jensen-Shannon divergence from the average-mode rows; - without a\n"
	    "calibration) and max (largest weight); --sort takes those names.\n"
	    "Layers and heads are 1-based.\n");
}

static int
stats_parse_args(int argc, char **argv, stats_opts *o)
{
	static const struct option opts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "calib", required_argument, NULL, 'c' },
		{ "modes", required_argument, NULL, 'M' },
		{ "format", required_argument, NULL, 'f' },
		{ "sort", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "text";
	int c;

	*o = (stats_opts){ 0 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:c:M:f:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm': o->model = optarg; break;
		case 'c': o->calpath = optarg; break;
		case 'M': o->modes = optarg; break;
		case 'f': format = optarg; break;
		case 's': o->sort = optarg; break;
		case 'h': stats_usage(stdout); return 1;
		default:
			fprintf(stderr, "heed: stats: see heed stats --help\n");
			return -1;
		}
	}
	o->tsv = strcmp(format, "tsv") == 0;
	if (!o->tsv && strcmp(format, "text") != 0) {
		fprintf(stderr, "heed: stats: --format takes text or tsv\n");
		return -1;
	}
	if (o->modes != NULL && optind == argc) {
		fprintf(stderr, "heed: stats: --modes needs a SENTENCE\n");
		return -1;
	}
	if (optind < argc)
		o->sentence = util_join_args(argc - optind, argv + optind);
	return 0;
}

/* ---- rows ------------------------------------------------------------- */

typedef struct row {
	int layer, head;
	double v[NCOLS];
	double key;   /* the sort column, negated for descending order */
} row;

static int
row_cmp(const void *a, const void *b)
{
	const row *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->layer != y->layer ? x->layer - y->layer : x->head - y->head;
}

static int
sort_rows(row *rows, size_t n, const char *spec, heed_err *e)
{
	const char *name = spec[0] == '-' ? spec + 1 : spec;
	double dir = spec[0] == '-' ? -1.0 : 1.0;
	int col = -1;

	for (size_t k = 0; k < NCOLS; k++)
		if (strcmp(name, columns[k]) == 0)
			col = (int)k;
	if (col < 0 && strcmp(name, "layer") != 0 && strcmp(name, "head") != 0)
		return err_set(e, HEED_EINVAL, "--sort: unknown column '%s'", name);
	for (size_t i = 0; i < n; i++) {
		double v = col >= 0 ? rows[i].v[col] : strcmp(name, "layer") == 0 ?
		    rows[i].layer : rows[i].head;
		rows[i].key = dir * v;
	}
	qsort(rows, n, sizeof(*rows), row_cmp);
	return HEED_OK;
}

static row *
make_rows(const calib *c)
{
	size_t nh = (size_t)c->layers * c->heads;
	row *rows = xmalloc(sizeof(*rows) * nh);

	for (size_t k = 0; k < nh; k++) {
		const calib_head_stats *s = &c->stats[k];
		rows[k] = (row){ (int)(k / c->heads) + 1, (int)(k % c->heads) + 1,
			{ s->entropy, s->cls, s->sep, s->self, s->prev, s->next, s->jsd,
			  s->synth_loss, s->uniform_loss }, 0.0 };
	}
	return rows;
}

static void
print_rows(const calib *c, const row *rows, size_t n, bool tsv)
{
	if (tsv) {
		printf("layer\thead");
		for (size_t k = 0; k < NCOLS; k++)
			printf("\t%s", columns[k]);
		putchar('\n');
	} else {
		printf("# %llu sentences, layout length %d, weights %016llx\n",
		    (unsigned long long)c->sentences, c->L, (unsigned long long)c->fingerprint);
		printf("%5s %4s", "layer", "head");
		for (size_t k = 0; k < NCOLS; k++)
			printf(" %7s", columns[k]);
		putchar('\n');
	}
	for (size_t i = 0; i < n; i++) {
		printf(tsv ? "%d\t%d" : "%5d %4d", rows[i].layer, rows[i].head);
		for (size_t k = 0; k < NCOLS; k++) {
			bool synth_col = k >= NCOLS - 2;
			if (synth_col && !c->has_synth)
				printf(tsv ? "\t-" : " %7s", "-");
			else
				printf(tsv ? "\t%.6f" : " %7.3f", rows[i].v[k]);
		}
		putchar('\n');
	}
}

/* ---- one sentence: every head's figures on it -------------------------- */

typedef struct live_row {
	int lh;
	double key;
} live_row;

static int
live_cmp(const void *a, const void *b)
{
	const live_row *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->lh - y->lh;
}

/* Order of the heads by spec (COL or -COL: layer, head, kind or an hstat
 * column; NaN sorts as 0). */
static int
live_sort(const hstat *hs, int layers, int heads, const char *spec, live_row *rows, heed_err *e)
{
	const char *name = spec != NULL && spec[0] == '-' ? spec + 1 : spec;
	double dir = spec != NULL && spec[0] == '-' ? -1.0 : 1.0;
	int col = name != NULL ? hstat_col_parse(name) : -1;

	if (name != NULL && col < 0 && strcmp(name, "layer") != 0 && strcmp(name, "head") != 0 &&
	    strcmp(name, "kind") != 0)
		return err_set(e, HEED_EINVAL, "--sort: unknown column '%s'", name);
	for (int lh = 0; lh < layers * heads; lh++) {
		double v = name == NULL || strcmp(name, "layer") == 0 ? lh
		    : strcmp(name, "head") == 0 ? (lh % heads) * layers + lh / heads
		    : strcmp(name, "kind") == 0 ? hs[lh].cat : hs[lh].v[col];

		rows[lh] = (live_row){ lh, isnan(v) ? 0 : dir * v };
	}
	qsort(rows, (size_t)layers * heads, sizeof *rows, live_cmp);
	return HEED_OK;
}

static void
live_print(const heed_session *h, const tok_result *r, const hstat *hs, const live_row *rows,
	   bool tsv)
{
	int heads = h->m->cfg.heads;

	if (!tsv) {
		printf("# %s, %d tokens:", h->m->name ? h->m->name : h->dir, r->n);
		for (int i = 0; i < r->n; i++) {
			const char *p = tok_piece(h->vocab, r->tok[i].id);

			putchar(' ');
			cli_tsv_field(stdout, p != NULL ? p : "?");
		}
		putchar('\n');
	}
	printf(tsv ? "layer\thead\tkind" : "%5s %4s %-14s", "layer", "head", "kind");
	for (int k = 0; k < HSTAT_COUNT; k++)
		printf(tsv ? "\t%s" : " %7s", hstat_col_name((hstat_col)k));
	putchar('\n');
	for (int k = 0; k < h->m->cfg.layers * heads; k++) {
		const hstat *s = &hs[rows[k].lh];

		printf(tsv ? "%d\t%d\t%s" : "%5d %4d %-14s", rows[k].lh / heads + 1,
		    rows[k].lh % heads + 1, hstat_cat_name(s->cat));
		for (int c = 0; c < HSTAT_COUNT; c++) {
			if (isnan(s->v[c]))
				printf(tsv ? "\t-" : " %7s", "-");
			else
				printf(tsv ? "\t%.6f" : " %7.3f", s->v[c]);
		}
		putchar('\n');
	}
}

static int
stats_sentence(const stats_opts *o, heed_err *e)
{
	heed_open_opts oo = { o->model, o->calpath, o->modes,
	    HEED_OPEN_WEIGHTS | HEED_OPEN_VOCAB | HEED_OPEN_CALIB, NULL };
	heed_session h;
	tok_result r = { 0 };
	enc_state *st = NULL;
	int *ids = NULL, rc, lh;
	uint8_t *kind = NULL;
	float *buf = NULL;
	hstat *hs = NULL;
	live_row *rows = NULL;

	if ((rc = heed_open(&oo, &h, e)) < 0)
		return rc;
	lh = h.m->cfg.layers * h.m->cfg.heads;
	rc = tok_encode(h.vocab, o->sentence, strlen(o->sentence), h.m->cfg.lowercase,
	    h.max_tokens, &r, e);
	if (rc >= 0 && r.truncated)
		cli_warn("the sentence was cut to %d tokens", h.max_tokens);
	if (rc >= 0)
		rc = heed_enc_reserve(h.m, &st, r.n, 0, e);
	if (rc >= 0) {
		size_t nn = (size_t)r.n * r.n;

		ids = xmalloc(sizeof *ids * (size_t)r.n);
		for (int i = 0; i < r.n; i++)
			ids[i] = r.tok[i].id;
		rc = enc_run(st, ids, r.n, h.modes, h.cal, NULL, NULL, e);
		kind = xmalloc((size_t)r.n);
		buf = xmalloc(sizeof *buf * (size_t)(lh + 1) * nn);
		hs = xmalloc(sizeof *hs * (size_t)lh);
		rows = xmalloc(sizeof *rows * (size_t)lh);
	}
	if (rc >= 0) {
		hstat_token_kinds(h.vocab, ids, r.n, kind);
		hstat_run(st, h.m->cfg.layers, h.m->cfg.heads, kind, h.cal, buf, hs);
		rc = live_sort(hs, h.m->cfg.layers, h.m->cfg.heads, o->sort, rows, e);
	}
	if (rc >= 0) {
		live_print(&h, &r, hs, rows, o->tsv);
		rc = cli_finish_stdout("stats");
	}
	free(rows);
	free(hs);
	free(buf);
	free(kind);
	free(ids);
	enc_free(st);
	tok_result_free(&r);
	heed_close(&h);
	return rc;
}

int
cmd_stats(int argc, char **argv)
{
	stats_opts o;
	heed_session h = { 0 };
	row *rows = NULL;
	heed_err e;
	int rc = stats_parse_args(argc, argv, &o);

	if (rc != 0)
		return rc > 0 ? 0 : EXIT_USAGE;
	if (o.sentence != NULL) {
		rc = stats_sentence(&o, &e);
		free(o.sentence);
		if (rc < 0 && rc != HEED_EWRITE)
			cli_error("stats", "%s", e.msg);
		return heed_exit_code(rc);
	}
	heed_open_opts oo = { o.model, o.calpath, NULL, HEED_OPEN_NEED_CALIB, NULL };
	if ((rc = heed_open(&oo, &h, &e)) == HEED_OK) {
		size_t n = (size_t)h.cal->layers * h.cal->heads;
		rows = make_rows(h.cal);
		if (o.sort == NULL || (rc = sort_rows(rows, n, o.sort, &e)) == HEED_OK) {
			print_rows(h.cal, rows, n, o.tsv);
			rc = cli_finish_stdout("stats");
		}
	}
	if (rc < 0 && rc != HEED_EWRITE)
		cli_error("stats", "%s", e.msg);
	free(rows);
	heed_close(&h);
	return heed_exit_code(rc);
}
