/* bench.c — `heed bench`: how fast the encoder is on this machine.
 *
 * Per input length: forward latency (median and p95 over the timed runs),
 * tokens/s, achieved GFLOP/s, the keystroke path (tokenize + forward), and
 * the recompute after toggling one head in the first, middle and last layer.
 * Once per model: load time, start-up (everything the explorer does before
 * its first frame except drawing) and peak RSS.  bench/run puts these next to
 * ONNX Runtime and PyTorch on the same weights.
 *
 * The encoder recomputes only what changed, so each timed forward alternates
 * between two inputs of the same length that differ in their first word:
 * every run starts again from the embeddings, as a keystroke does.
 */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <cblas.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "heed/enc.h"
#include "heed/model.h"
#include "heed/open.h"
#include "heed/tok.h"
#include "heed/util.h"
#include "cli.h"

/* bench/bert_torch.py feeds ONNX Runtime and PyTorch the same pieces. */
#define BENCH_SENTENCE "The quick brown fox jumps over the lazy dog, " \
	"while the old cat watches quietly from the warm windowsill."
/* The alternate input: one word differs, the piece count does not. */
#define BENCH_SENTENCE_ALT "A quick brown fox jumps over the lazy dog, " \
	"while the old cat watches quietly from the warm windowsill."
#define BENCH_MAX_LENGTHS 16

enum { TOGGLE_FIRST, TOGGLE_MIDDLE, TOGGLE_LAST, TOGGLE_COUNT };
static const char *const toggle_names[TOGGLE_COUNT] = { "first", "middle", "last" };

typedef struct bench_opts {
	const char *model;
	int lengths[BENCH_MAX_LENGTHS];
	int nlengths;
	int threads;       /* 0: enc_default_threads(), as the explorer */
	int runs, warmup;
	bool tsv;
	bool samples;      /* tsv: also every timed forward */
	bool forward_only; /* no toggles: bench/run needs forwards only */
} bench_opts;

typedef struct bench_stat {
	double median, p95;
} bench_stat;

typedef struct bench_length {
	int n;
	double *forward_ms;       /* [runs] */
	bench_stat forward, tokenize, keystroke;
	bench_stat toggle[TOGGLE_COUNT];
	int toggle_layer[TOGGLE_COUNT];
} bench_length;

typedef struct bench_ctx {
	const bench_opts *o;
	heed_session h;    /* owns m and v */
	const model *m;
	const tok_vocab *v;
	enc_state *s;
	uint8_t *modes;    /* [layers*heads] */
	int *ids;          /* [max length]: the last keystroke's input */
	char *text[2];     /* the sentence and its alternate, repeated */
	int last_text;     /* which of them the encoder saw last */
	double load_ms, vocab_ms, startup_ms;
} bench_ctx;

static void
bench_usage(FILE *f)
{
	fprintf(f,
	    "Usage: heed bench [-m MODEL] [--lengths 8,32,128] [--threads N]\n"
	    "                  [--runs R] [--warmup W] [--format text|tsv] [--samples]\n"
	    "                  [--forward-only]\n"
	    "Time the encoder: forward latency, tokens/s, GFLOP/s, head-toggle\n"
	    "recompute, model load, start-up and peak memory.\n"
	    "  -m, --model MODEL   model folder or hub name (default: heed-mini)\n"
	    "      --lengths LIST  input lengths in tokens (default 8,32,128)\n"
	    "      --threads N     encoder threads (default: the CPUs online, as the explorer)\n"
	    "      --runs R        timed runs per measurement (default 20)\n"
	    "      --warmup W      untimed runs first (default 3)\n"
	    "      --format F      text (default) or tsv: metric, model, length, stat, value\n"
	    "      --samples       with tsv, also print every timed forward\n"
	    "      --forward-only  skip the head-toggle timings\n"
	    "  -h, --help          this help\n");
}

static int
bench_parse_lengths(const char *s, bench_opts *o, heed_err *e)
{
	char *copy = xstrdup(s), *save = NULL;
	int rc = HEED_OK;

	o->nlengths = 0;
	for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		if (o->nlengths == BENCH_MAX_LENGTHS) {
			rc = err_set(e, HEED_EINVAL, "--lengths: at most %d lengths", BENCH_MAX_LENGTHS);
			break;
		}
		/* [CLS] and [SEP] take two: a shorter input has no text */
		if ((rc = util_parse_int("--lengths", t, 3, 1 << 16, &o->lengths[o->nlengths], e)) < 0)
			break;
		o->nlengths++;
	}
	free(copy);
	if (rc == HEED_OK && o->nlengths == 0)
		rc = err_set(e, HEED_EINVAL, "--lengths: no length given");
	return rc;
}

/* Returns 0 to go on, otherwise 1 + the exit code. */
static int
bench_parse_opts(int argc, char **argv, bench_opts *o)
{
	static const struct option opts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "lengths", required_argument, NULL, 'l' },
		{ "threads", required_argument, NULL, 't' },
		{ "runs", required_argument, NULL, 'r' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "format", required_argument, NULL, 'f' },
		{ "samples", no_argument, NULL, 's' },
		{ "forward-only", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	heed_err e;
	int c, rc = HEED_OK;

	*o = (bench_opts){ .runs = 20, .warmup = 3, .nlengths = 3, .lengths = { 8, 32, 128 } };
	optind = 1;
	e.msg[0] = '\0';
	while (rc == HEED_OK && (c = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm': o->model = optarg; break;
		case 'l': rc = bench_parse_lengths(optarg, o, &e); break;
		case 't': rc = util_parse_int("--threads", optarg, 1, 1024, &o->threads, &e); break;
		case 'r': rc = util_parse_int("--runs", optarg, 1, 1000000, &o->runs, &e); break;
		case 'w': rc = util_parse_int("--warmup", optarg, 0, 1000000, &o->warmup, &e); break;
		case 'f':
			o->tsv = !strcmp(optarg, "tsv");
			if (!o->tsv && strcmp(optarg, "text"))
				rc = err_set(&e, HEED_EINVAL, "--format takes text or tsv, not '%s'", optarg);
			break;
		case 's': o->samples = true; break;
		case 'F': o->forward_only = true; break;
		case 'h': bench_usage(stdout); return 1;
		default: rc = HEED_EINVAL; break;
		}
	}
	if (rc == HEED_OK && optind != argc)
		rc = err_set(&e, HEED_EINVAL, "unexpected argument '%s'", argv[optind]);
	if (rc < 0) {
		if (e.msg[0] != '\0')
			cli_error("bench", "%s", e.msg);
		bench_usage(stderr);
		return 1 + EXIT_USAGE;
	}
	return 0;
}

static int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median and nearest-rank 95th percentile; v is left sorted. */
static bench_stat
bench_stat_of(double *v, int n)
{
	bench_stat st;
	int k = (int)ceil(0.95 * n) - 1;

	qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
	st.median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
	st.p95 = v[k < 0 ? 0 : k];
	return st;
}

/* Multiply-adds count 2 FLOPs.  Per layer and token: the Q, K, V and output
 * projections (4h²) and the two FFN matrices (2·h·ffn); per layer, QKᵀ and
 * A·V over all heads (2·n²·h each).  Softmax, LayerNorm, GELU and the
 * embeddings are left out: they are O(n·h) and do not use the BLAS. */
static double
bench_flops(const model_config *c, int n)
{
	double h = c->hidden, f = c->ffn, L = c->layers;

	return 2.0 * n * (4.0 * h * h + 2.0 * h * f) * L + 4.0 * (double)n * n * h * L;
}

/* The sentence repeated until tokenizing it surely gives n pieces: every
 * word is at least one piece, so words >= n is enough. */
static char *
bench_text(const char *sentence, int n)
{
	size_t len = strlen(sentence);
	int words = 1, copies;
	char *buf;

	for (const char *p = sentence; *p != '\0'; p++)
		words += *p == ' ';
	copies = n / words + 1;
	buf = xmalloc((len + 1) * (size_t)copies);
	for (int i = 0; i < copies; i++) {
		memcpy(buf + i * (len + 1), sentence, len);
		buf[i * (len + 1) + len] = ' ';
	}
	buf[(len + 1) * (size_t)copies - 1] = '\0';
	return buf;
}

/* One keystroke's work: tokenize the text the encoder did not see last to n
 * tokens and run the encoder from the embeddings.  Writes the two parts'
 * times. */
static int
bench_keystroke(bench_ctx *x, int n, double *tok_ms, double *fwd_ms, heed_err *e)
{
	const char *t = x->text[x->last_text = !x->last_text];
	tok_result r = { 0 };
	double t0 = util_now_ms(), t1;
	int rc;

	rc = tok_encode(x->v, t, strlen(t), x->m->cfg.lowercase, n, &r, e);
	if (rc < 0)
		return rc;
	if (r.n != n) {
		tok_result_free(&r);
		return err_set(e, HEED_EINVAL, "the bench text gives %d tokens, not %d", r.n, n);
	}
	for (int i = 0; i < n; i++)
		x->ids[i] = r.tok[i].id;
	tok_result_free(&r);
	t1 = util_now_ms();
	rc = enc_run(x->s, x->ids, n, x->modes, NULL, NULL, NULL, e);
	*fwd_ms = util_now_ms() - t1;
	*tok_ms = t1 - t0;
	if (rc >= 0 && enc_first_recomputed(x->s) != 0)
		rc = err_set(e, HEED_EINVAL, "a changed input recomputed from layer %d, not 0",
			     enc_first_recomputed(x->s));
	return rc < 0 ? rc : HEED_OK;
}

static int
bench_forward(bench_ctx *x, bench_length *b, heed_err *e)
{
	int runs = x->o->runs, rc = HEED_OK;
	double *tok = xmalloc(sizeof *tok * (size_t)runs);
	double *key = xmalloc(sizeof *key * (size_t)runs);
	double t_ms, f_ms;

	b->forward_ms = xmalloc(sizeof *b->forward_ms * (size_t)runs);
	for (int i = 0; i < x->o->warmup + runs && rc >= 0; i++) {
		rc = bench_keystroke(x, b->n, &t_ms, &f_ms, e);
		if (i >= x->o->warmup) {
			int k = i - x->o->warmup;
			tok[k] = t_ms;
			key[k] = t_ms + f_ms;
			b->forward_ms[k] = f_ms;
		}
	}
	if (rc >= 0) {
		double *sorted = xmalloc(sizeof *sorted * (size_t)runs);
		memcpy(sorted, b->forward_ms, sizeof *sorted * (size_t)runs);
		b->forward = bench_stat_of(sorted, runs);
		b->tokenize = bench_stat_of(tok, runs);
		b->keystroke = bench_stat_of(key, runs);
		free(sorted);
	}
	free(tok);
	free(key);
	return rc;
}

/* Switch head 0 of one layer between uniform and input: each run recomputes
 * that layer and the ones after it, as a toggle in the explorer does. */
static int
bench_toggle(bench_ctx *x, bench_length *b, int which, heed_err *e)
{
	const model_config *c = &x->m->cfg;
	int layer = which == TOGGLE_FIRST ? 0 : which == TOGGLE_MIDDLE ? c->layers / 2 : c->layers - 1;
	int runs = x->o->runs, rc;
	double *ms = xmalloc(sizeof *ms * (size_t)runs), t_ms, f_ms;
	uint8_t *slot = &x->modes[(size_t)layer * c->heads];

	b->toggle_layer[which] = layer;
	rc = bench_keystroke(x, b->n, &t_ms, &f_ms, e);
	for (int i = 0; i < x->o->warmup + runs && rc >= 0; i++) {
		double t0 = util_now_ms();
		*slot = *slot == HEAD_UNIFORM ? HEAD_INPUT : HEAD_UNIFORM;
		rc = enc_run(x->s, x->ids, b->n, x->modes, NULL, NULL, NULL, e);
		if (i >= x->o->warmup)
			ms[i - x->o->warmup] = util_now_ms() - t0;
		if (rc >= 0 && enc_first_recomputed(x->s) != layer)
			rc = err_set(e, HEED_EINVAL, "a toggle in layer %d recomputed from layer %d",
				     layer, enc_first_recomputed(x->s));
	}
	*slot = HEAD_INPUT;
	if (rc >= 0)
		b->toggle[which] = bench_stat_of(ms, runs);
	free(ms);
	return rc < 0 ? rc : HEED_OK;
}

static int
bench_length_run(bench_ctx *x, bench_length *b, heed_err *e)
{
	int rc = bench_forward(x, b, e);

	for (int w = 0; w < TOGGLE_COUNT && rc >= 0 && !x->o->forward_only; w++)
		rc = bench_toggle(x, b, w, e);
	return rc;
}

/* Load everything the explorer loads, then one keystroke: the explorer's
 * start-up up to its first frame, drawing aside. */
static int
bench_startup(bench_ctx *x, int max_n, heed_err *e)
{
	heed_open_opts oo = { x->o->model, NULL, NULL, HEED_OPEN_WEIGHTS | HEED_OPEN_VOCAB, NULL };
	double t0 = util_now_ms(), t_ms, f_ms;
	int rc = heed_open(&oo, &x->h, e), n;

	if (rc < 0)
		return rc;
	x->m = x->h.m;
	x->v = x->h.vocab;
	/* the model's own clock; resolving and the vocabulary are the rest */
	x->load_ms = x->m->load_ms;
	x->vocab_ms = util_now_ms() - t0 - x->load_ms;
	if (max_n > x->m->cfg.max_tokens)
		return err_set(e, HEED_EINVAL, "length %d is over the model's %d positions",
			       max_n, x->m->cfg.max_tokens);
	if ((rc = heed_enc_reserve(x->m, &x->s, max_n, x->o->threads, e)) < 0)
		return rc;
	x->modes = xcalloc((size_t)x->m->cfg.layers * x->m->cfg.heads, 1);
	x->ids = xmalloc(sizeof *x->ids * (size_t)max_n);
	x->text[0] = bench_text(BENCH_SENTENCE, max_n);
	x->text[1] = bench_text(BENCH_SENTENCE_ALT, max_n);
	/* a first frame shows a short sentence: 16 tokens, or less if need be */
	n = max_n < 16 ? max_n : 16;
	rc = bench_keystroke(x, n, &t_ms, &f_ms, e);
	x->startup_ms = util_now_ms() - t0;
	return rc;
}

static double
bench_peak_rss_mb(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1.0;
	return ru.ru_maxrss / 1024.0;   /* Linux reports KiB */
}

static void
bench_tsv_row(const char *metric, const char *name, int n, const char *stat, double v)
{
	if (n > 0)
		printf("%s\t%s\t%d\t%s\t%.9g\n", metric, name, n, stat, v);
	else
		printf("%s\t%s\t-\t%s\t%.9g\n", metric, name, stat, v);
}

static void
bench_tsv_stat(const char *metric, const char *name, int n, bench_stat st)
{
	bench_tsv_row(metric, name, n, "median_ms", st.median);
	bench_tsv_row(metric, name, n, "p95_ms", st.p95);
}

static void
bench_print_tsv(const bench_ctx *x, const bench_length *b, int nb)
{
	const char *name = x->m->name;
	char metric[32];

	printf("metric\tmodel\tlength\tstat\tvalue\n");
	bench_tsv_row("threads", name, 0, "count", x->o->threads);
	bench_tsv_row("load", name, 0, "ms", x->load_ms);
	bench_tsv_row("vocab", name, 0, "ms", x->vocab_ms);
	bench_tsv_row("startup", name, 0, "ms", x->startup_ms);
	for (int i = 0; i < nb; i++) {
		bench_tsv_stat("forward", name, b[i].n, b[i].forward);
		bench_tsv_row("forward", name, b[i].n, "tokens_per_s", b[i].n * 1e3 / b[i].forward.median);
		bench_tsv_row("forward", name, b[i].n, "gflops",
			      bench_flops(&x->m->cfg, b[i].n) / b[i].forward.median / 1e6);
		bench_tsv_stat("tokenize", name, b[i].n, b[i].tokenize);
		bench_tsv_stat("keystroke", name, b[i].n, b[i].keystroke);
		for (int w = 0; w < TOGGLE_COUNT && !x->o->forward_only; w++) {
			snprintf(metric, sizeof metric, "toggle_%s", toggle_names[w]);
			bench_tsv_stat(metric, name, b[i].n, b[i].toggle[w]);
		}
		for (int r = 0; x->o->samples && r < x->o->runs; r++)
			bench_tsv_row("forward", name, b[i].n, "sample_ms", b[i].forward_ms[r]);
	}
	bench_tsv_row("peak_rss", name, 0, "mb", bench_peak_rss_mb());
}

static void
bench_print_text(const bench_ctx *x, const bench_length *b, int nb)
{
	const model_config *c = &x->m->cfg;

	printf("heed bench: %s (%d layers, %d hidden, %d heads, ffn %d), %d threads, "
	       "%s weights in heed's %s kernel, attention on OpenBLAS %s, %d runs after %d warm-up\n",
	       x->m->name, c->layers, c->hidden, c->heads, c->ffn, x->o->threads,
	       x->m->layer[0].wqkv.dtype == LIN_F16 ? "F16" : "F32", lin_kernel_name(),
	       openblas_get_corename(), x->o->runs, x->o->warmup);
	printf("model load %.1f ms, vocabulary %.1f ms, start-up to first result %.1f ms\n\n",
	       x->load_ms, x->vocab_ms, x->startup_ms);
	printf("%6s %10s %8s %9s %8s %10s %10s%s\n", "tokens", "forward ms", "p95 ms",
	       "tokens/s", "GFLOP/s", "tokenize", "keystroke",
	       x->o->forward_only ? "" : "  toggle ms: first / middle / last layer (p95)");
	for (int i = 0; i < nb; i++) {
		const bench_length *l = &b[i];
		printf("%6d %10.2f %8.2f %9.0f %8.1f %10.3f %10.2f", l->n, l->forward.median,
		       l->forward.p95, l->n * 1e3 / l->forward.median,
		       bench_flops(c, l->n) / l->forward.median / 1e6, l->tokenize.median,
		       l->keystroke.p95);
		if (!x->o->forward_only)
			printf("  %.2f / %.2f / %.2f (%.2f / %.2f / %.2f)", l->toggle[0].median,
			       l->toggle[1].median, l->toggle[2].median, l->toggle[0].p95,
			       l->toggle[1].p95, l->toggle[2].p95);
		putchar('\n');
	}
	if (!x->o->forward_only && nb > 0)
		printf("\ntoggle: head 1 of layer %d / %d / %d switched between input and uniform.",
		       b[0].toggle_layer[0] + 1, b[0].toggle_layer[1] + 1, b[0].toggle_layer[2] + 1);
	printf("\npeak RSS %.1f MB; tokenize: median; keystroke (tokenize + forward): p95.\n",
	       bench_peak_rss_mb());
}

static void
bench_ctx_free(bench_ctx *x, bench_length *b, int nb)
{
	for (int i = 0; i < nb; i++)
		free(b[i].forward_ms);
	if (x->s != NULL)
		enc_free(x->s);
	heed_close(&x->h);
	free(x->modes);
	free(x->ids);
	free(x->text[0]);
	free(x->text[1]);
}

int
cmd_bench(int argc, char **argv)
{
	bench_opts o;
	bench_ctx x = { .o = &o };
	bench_length b[BENCH_MAX_LENGTHS] = { { 0 } };
	heed_err e = { "" };
	int rc = bench_parse_opts(argc, argv, &o), max_n = 0;

	if (rc != 0)
		return rc - 1;
	if (o.threads == 0)
		o.threads = enc_default_threads();
	for (int i = 0; i < o.nlengths; i++) {
		b[i].n = o.lengths[i];
		max_n = o.lengths[i] > max_n ? o.lengths[i] : max_n;
	}
	rc = bench_startup(&x, max_n, &e);
	for (int i = 0; i < o.nlengths && rc >= 0; i++)
		rc = bench_length_run(&x, &b[i], &e);
	if (rc >= 0) {
		if (o.tsv)
			bench_print_tsv(&x, b, o.nlengths);
		else
			bench_print_text(&x, b, o.nlengths);
		rc = cli_finish_stdout("bench");
	} else {
		cli_error("bench", "%s", e.msg);
	}
	bench_ctx_free(&x, b, o.nlengths);
	return cli_exit_code(rc);
}
