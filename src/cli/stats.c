/* stats.c — `heed stats`: the per-head table a calibration learned, so
 * people can see which heads are positional, which sit on [CLS] or [SEP],
 * and which can be frozen to their average (low jsd) before trying it.
 */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heed/calib.h"
#include "heed/model.h"
#include "heed/open.h"
#include "heed/util.h"
#include "cli.h"

typedef struct stats_opts {
	const char *model, *calpath, *sort;
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
	    "Usage: heed stats [OPTIONS]\n"
	    "Print what calibration learned about every head.\n"
	    "\n"
	    "  -m, --model MODEL   model folder or hub name (default: heed-mini)\n"
	    "  -c, --calib FILE    calibration file (default: MODEL/heed.calib)\n"
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
	    "Layers and heads are 1-based.\n");
}

static int
stats_parse_args(int argc, char **argv, stats_opts *o)
{
	static const struct option opts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "calib", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "sort", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "text";
	int c;

	*o = (stats_opts){ 0 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:c:f:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm': o->model = optarg; break;
		case 'c': o->calpath = optarg; break;
		case 'f': format = optarg; break;
		case 's': o->sort = optarg; break;
		case 'h': stats_usage(stdout); return 1;
		default:
			fprintf(stderr, "heed: stats: see heed stats --help\n");
			return -1;
		}
	}
	o->tsv = strcmp(format, "tsv") == 0;
	if ((!o->tsv && strcmp(format, "text") != 0) || optind < argc) {
		fprintf(stderr, "heed: stats: %s\n", optind < argc ? "unexpected arguments"
		    : "--format takes text or tsv");
		return -1;
	}
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
	heed_open_opts oo = { o.model, o.calpath, NULL, HEED_OPEN_NEED_CALIB };
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
