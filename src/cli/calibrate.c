/* calibrate.c — `heed calibrate`: learn what every head does over a corpus
 * (PAPA averages, per-head statistics, Dense Synthesizers) and write the
 * calibration file; `heed calibrate --merge` adds files together.
 *
 * One pass of the model over the corpus, then two steps without it:
 * (1) run the sentences in batches of similar length (enc_run_batch: the
 * linear layers once over every row of the batch, attention within each
 * sentence, no padding), adding each head's attention to the PAPA sums and
 * the statistics, offering every token's (layer input, attention rows) to
 * a bounded reservoir, and keeping the attention of an evenly spread sample
 * of sentences; (2) once the averages exist, measure how far the sample's
 * rows are from them (input dependence); (3) fit each head's synthesizer
 * on its reservoir, heads on all threads.
 *
 * Reproducible: the run order (by length, then position) does not depend
 * on the batch size, each head's sums run in that order whatever the
 * thread count, and a batch gives each sentence the numbers it gets alone.
 */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <getopt.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heed/calib.h"
#include "heed/enc.h"
#include "heed/model.h"
#include "heed/open.h"
#include "heed/pool.h"
#include "heed/tok.h"
#include "heed/util.h"
#include "cli.h"

#define CAL_DEFAULT_RANK 32
#define CAL_SAMPLE_CAP 20000                 /* reservoir rows per layer */
#define CAL_SAMPLE_BUDGET (256u << 20)       /* bytes for all reservoirs */
#define CAL_JSD_BUDGET ((size_t)32 << 20)    /* bytes of attention kept for jsd */
#define CAL_DEFAULT_BATCH 1024               /* tokens per batch */

typedef struct cal_opts {
	const char *model, *out;
	long max_sentences;   /* 0 = all */
	int L, rank, epochs;  /* L 0 = the model's default */
	long samples;         /* 0 = as many as the memory budget allows */
	uint64_t seed;
	int threads;          /* 0 = enc_default_threads() */
	int batch;            /* tokens per batch */
	int shard, shards;    /* --shard K/N; 0/0 = the whole corpus */
	bool merge, quiet;
	bool rank_set;        /* -r given (--merge: 0 drops synthesizers, R keeps rank R) */
	bool build_only;      /* an option only a calibration run takes was given */
} cal_opts;

static void
cal_usage(FILE *f)
{
	fprintf(f,
	    "Usage: heed calibrate [OPTIONS] CORPUS...\n"
	    "       heed calibrate --merge A B [...] -o OUT\n"
	    "Learn each head's average attention (PAPA), statistics and Dense Synthesizer\n"
	    "from text files (one sentence per line, or running text split at . ! ?\n"
	    "followed by a capital) and write the calibration file.\n"
	    "\n"
	    "  -m, --model MODEL        model folder or hub name (default: heed-mini)\n"
	    "  -o, --output FILE        calibration file (default: MODEL/heed.calib)\n"
	    "  -n, --max-sentences N    use at most N sentences (default: all)\n"
	    "  -L, --length L           layout length (default: min(128, max positions));\n"
	    "                           longer sentences are truncated to L tokens\n"
	    "  -r, --rank R             dense synthesizer width (default %d; 0: none)\n"
	    "  -e, --epochs E           synthesizer training epochs (default %d; up to 8\n"
	    "                           on a small corpus)\n"
	    "  -s, --seed S             seed for sampling, initialisation and the Random\n"
	    "                           Synthesizer (default %#llx)\n"
	    "      --samples N          training rows kept per layer (default: up to %d,\n"
	    "                           fewer for large models)\n"
	    "  -t, --threads N          threads (default: the CPUs online, at most 8);\n"
	    "                           the file does not depend on it\n"
	    "      --batch-tokens N     tokens the model runs at once (default %d); the file\n"
	    "                           does not depend on it\n"
	    "      --shard K/N          calibrate on sentences K, K+N, K+2N ... only (1-based)\n"
	    "                           and --merge the N files afterwards\n"
	    "  -q, --quiet              no progress on standard error\n"
	    "      --merge              add calibration files A B ... into OUT (with -m:\n"
	    "                           check they belong to MODEL; -L: to layout length L;\n"
	    "                           -r 0: drop synthesizers; -r R: keep rank R only)\n"
	    "  -h, --help               this help\n"
	    "\n"
	    "Exit status: 0 done, 1 usage error, 2 bad model, corpus or file, 3 failure.\n",
	    CAL_DEFAULT_RANK, CALIB_FIT_EPOCHS, (unsigned long long)CALIB_DEFAULT_SEED, CAL_SAMPLE_CAP,
	    CAL_DEFAULT_BATCH);
}

/* ---- options ----------------------------------------------------------- */

/* 0 to go on, 1 after --help, -1 on a usage error (already reported). */
static int
cal_parse_args(int argc, char **argv, cal_opts *o)
{
	enum { OPT_SAMPLES = 256, OPT_MERGE, OPT_SHARD, OPT_BATCH };
	static const struct option opts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		{ "max-sentences", required_argument, NULL, 'n' },
		{ "length", required_argument, NULL, 'L' },
		{ "rank", required_argument, NULL, 'r' },
		{ "epochs", required_argument, NULL, 'e' },
		{ "seed", required_argument, NULL, 's' },
		{ "samples", required_argument, NULL, OPT_SAMPLES },
		{ "merge", no_argument, NULL, OPT_MERGE },
		{ "threads", required_argument, NULL, 't' },
		{ "shard", required_argument, NULL, OPT_SHARD },
		{ "batch-tokens", required_argument, NULL, OPT_BATCH },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	heed_err e;
	int c;

	*o = (cal_opts){ .rank = CAL_DEFAULT_RANK, .epochs = CALIB_FIT_EPOCHS, .seed = CALIB_DEFAULT_SEED,
		.batch = CAL_DEFAULT_BATCH };
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:o:n:L:r:e:s:t:qh", opts, NULL)) != -1) {
		int rc = HEED_OK;
		o->build_only |= c == 'n' || c == 'e' || c == 's' || c == OPT_SAMPLES ||
		    c == OPT_SHARD || c == OPT_BATCH;
		switch (c) {
		case 'm': o->model = optarg; break;
		case 'o': o->out = optarg; break;
		case 'n': rc = util_parse_long("--max-sentences", optarg, 1, 1L << 40,
		    &o->max_sentences, &e); break;
		case 'L': rc = util_parse_int("--length", optarg, 2, 1 << 16, &o->L, &e); break;
		case 'r': rc = util_parse_int("--rank", optarg, 0, 4096, &o->rank, &e);
		    o->rank_set = true; break;
		case 'e': rc = util_parse_int("--epochs", optarg, 1, 10000, &o->epochs, &e); break;
		case 's': rc = util_parse_u64("--seed", optarg, &o->seed, &e); break;
		case 't': rc = util_parse_int("--threads", optarg, 1, 64, &o->threads, &e); break;
		case 'q': o->quiet = true; break;
		case OPT_SAMPLES: rc = util_parse_long("--samples", optarg, 1, 1L << 30,
		    &o->samples, &e); break;
		case OPT_SHARD:
			if (!cli_parse_shard(optarg, &o->shard, &o->shards))
				rc = err_set(&e, HEED_EINVAL, "--shard: '%s' is not K/N with 1 <= K <= N",
				    optarg);
			break;
		case OPT_BATCH: rc = util_parse_int("--batch", optarg, 1, 1 << 20, &o->batch, &e);
		    break;
		case OPT_MERGE: o->merge = true; break;
		case 'h': cal_usage(stdout); return 1;
		default: rc = HEED_EINVAL; e.msg[0] = '\0'; break;
		}
		if (rc < 0) {
			if (e.msg[0] != '\0')
				cli_error("calibrate", "%s", e.msg);
			fprintf(stderr, "heed: calibrate: see heed calibrate --help\n");
			return -1;
		}
	}
	if (optind >= argc || (o->merge && (argc - optind < 2 || o->out == NULL))) {
		fprintf(stderr, o->merge ? "heed: calibrate: --merge needs two or more files and -o OUT\n"
		    : "heed: calibrate: no corpus given (see heed calibrate --help)\n");
		return -1;
	}
	if (o->merge && o->build_only) {
		fprintf(stderr, "heed: calibrate: --merge takes only -m, -o, -L and -r\n");
		return -1;
	}
	return 0;
}

/* ---- the passes ------------------------------------------------------------ */

typedef struct calibrator {
	cal_opts o;
	heed_session h;          /* owns the model and the vocabulary */
	const char *dir;
	const model *m;
	const tok_vocab *v;
	enc_state *s;
	enc_pool *pool;          /* for the statistics and the fitting */
	calib *cal;
	calib_corpus corp;
	calib_stats_acc acc;
	calib_samples **smp;     /* [layers] */
	int LH;
	/* the corpus in the order it runs: by length, then by position */
	size_t *order;
	/* the batch in flight: sentence g's attention of head lh at
	 * battn[g*LH + lh], its rows' entropies at bent[g*LH + lh] */
	const float **battn, **bent;
	int *blens, bcount;
	size_t bfirst;           /* its first sentence in run order */
	atomic_long bad;         /* g * LH + lh of the first attention not finite, or -1 */
	/* the input-dependence sample: attention of every kth sentence, kept
	 * until the averages exist (jsd_of[i]: its copy, or NULL) */
	float **jsd_of;
	size_t jsd_bytes, jsd_sentences;
	cli_progress prog;
	atomic_int fitted;       /* heads whose synthesizer is done */
} calibrator;

/* Sentences of similar length run together, so that a batch's attention
 * work is even and the order never depends on the batch size: insertion
 * into length buckets, which is a stable sort by length. */
static void
plan_order(calibrator *k)
{
	const calib_corpus *c = &k->corp;
	int L = k->cal->L;
	size_t *start = xcalloc((size_t)L + 2, sizeof(size_t));

	k->order = xmalloc(sizeof(size_t) * c->count);
	for (size_t i = 0; i < c->count; i++)
		start[c->off[i + 1] - c->off[i] + 1]++;
	for (int n = 1; n <= L + 1; n++)
		start[n] += start[n - 1];
	for (size_t i = 0; i < c->count; i++)
		k->order[start[c->off[i + 1] - c->off[i]]++] = i;
	free(start);
}

/* Input dependence needs the averages, which exist only after the whole
 * corpus: instead of running the model a second time, the attention of an
 * evenly spread sample of sentences (every kth in run order, within
 * CAL_JSD_BUDGET bytes) is kept and compared with the averages at the end.
 * A corpus whose attention fits uses every sentence. */
static void
plan_jsd_sample(calibrator *k)
{
	const calib_corpus *c = &k->corp;
	double total = 0.0;
	size_t every, budget = CAL_JSD_BUDGET;

	for (size_t i = 0; i < c->count; i++) {
		double n = (double)(c->off[i + 1] - c->off[i]);
		total += (double)k->LH * n * n * sizeof(float);
	}
	every = total <= (double)budget ? 1 : (size_t)(total / (double)budget) + 1;
	k->jsd_of = xcalloc(c->count, sizeof(*k->jsd_of));
	for (size_t r = 0; r < c->count; r += every) {
		size_t i = k->order[r], n = c->off[i + 1] - c->off[i];
		size_t bytes = (size_t)k->LH * n * n * sizeof(float);
		if (k->jsd_bytes + bytes > budget)
			continue;
		k->jsd_of[i] = xmalloc(bytes);   /* filled as the sentence runs */
		k->jsd_bytes += bytes;
		k->jsd_sentences++;
	}
}

static int
split(int total, int part, int parts)
{
	return (int)((long)total * part / parts);
}

/* Heads [lh0, lh1) of every sentence of the batch, in batch order: the
 * finiteness check, the sample's copies, the sums and the statistics.
 * Heads are independent, so threads split them, and each head's sums run
 * in the same order whatever the threads.  A part that meets attention
 * that is not finite stops and records where (the lowest sentence, then
 * head, wins, so the message does not depend on the threads either). */
static void
stats_part(void *v, int part, int parts)
{
	calibrator *k = v;
	int lh0 = split(k->LH, part, parts), lh1 = split(k->LH, part + 1, parts);

	for (int g = 0; g < k->bcount; g++) {
		const float *const *attn = k->battn + (size_t)g * k->LH;
		size_t i = k->order[k->bfirst + (size_t)g], n = (size_t)k->blens[g];
		for (int lh = lh0; lh < lh1; lh++) {
			/* NaN would spread through every sum into the file */
			if (!heed_all_finite(attn[lh], n * n)) {
				long at = (long)g * k->LH + lh, cur = atomic_load(&k->bad);
				while ((cur < 0 || at < cur) &&
				       !atomic_compare_exchange_weak(&k->bad, &cur, at))
					;
				return;
			}
			if (k->jsd_of[i] != NULL)
				memcpy(k->jsd_of[i] + (size_t)lh * n * n, attn[lh],
				       sizeof(float) * n * n);
		}
		calib_add_heads(k->cal, (int)n, attn, lh0, lh1);
		calib_stats_add_heads(&k->acc, (int)n, attn, k->bent + (size_t)g * k->LH, lh0, lh1);
	}
}

/* The reservoirs, one per layer, each offered its layer's rows in batch
 * order: threads split the layers. */
static void
samples_part(void *v, int part, int parts)
{
	calibrator *k = v;
	const model_config *c = &k->m->cfg;
	int l0 = split(c->layers, part, parts), l1 = split(c->layers, part + 1, parts);

	for (int l = l0; l < l1; l++)
		for (int g = 0; g < k->bcount; g++)
			calib_samples_add(k->smp[l], k->blens[g],
			    enc_hidden(k->s, l) + (size_t)enc_batch_row(k->s, g) * c->hidden,
			    k->battn + (size_t)g * k->LH + (size_t)l * c->heads);
}

/* Run sentences order[r0 .. r1) as one batch and add them up. */
static int
run_batch(calibrator *k, size_t r0, size_t r1, int *ids, heed_err *e)
{
	const calib_corpus *c = &k->corp;
	const model_config *mc = &k->m->cfg;
	size_t rows = 0;
	int rc;

	k->bcount = (int)(r1 - r0);
	for (size_t r = r0; r < r1; r++) {
		size_t i = k->order[r], n = c->off[i + 1] - c->off[i];
		memcpy(ids + rows, c->ids + c->off[i], sizeof(int) * n);
		k->blens[r - r0] = (int)n;
		rows += n;
	}
	if ((rc = enc_run_batch(k->s, ids, k->blens, k->bcount, e)) < 0)
		return rc;
	for (int g = 0; g < k->bcount; g++) {
		for (int lh = 0; lh < k->LH; lh++) {
			int l = lh / mc->heads, h = lh % mc->heads;
			k->battn[(size_t)g * k->LH + lh] = enc_batch_attn(k->s, g, l, h);
			k->bent[(size_t)g * k->LH + lh] = enc_batch_entropy(k->s, g, l, h);
		}
		calib_add_counts(k->cal, k->blens[g]);
		calib_stats_add_rows(&k->acc, k->blens[g]);
	}
	k->bfirst = r0;
	atomic_store(&k->bad, -1L);
	enc_pool_run(k->pool, stats_part, k);
	if (atomic_load(&k->bad) >= 0) {
		long at = atomic_load(&k->bad);
		int lh = (int)(at % k->LH);
		return err_set(e, HEED_EFORMAT, "%s: layer %d head %d: the attention "
		    "is not finite (NaN or infinity: the weights are damaged or so "
		    "large the forward overflows)", k->m->name, lh / mc->heads + 1,
		    lh % mc->heads + 1);
	}
	if (k->smp != NULL)
		enc_pool_run(k->pool, samples_part, k);
	k->prog.tokens += (double)rows;
	return HEED_OK;
}

/* The one pass of the model over the corpus, in batches of at most
 * batch-tokens rows. */
static int
pass_forward(calibrator *k, heed_err *e)
{
	const calib_corpus *c = &k->corp;
	int cap = enc_max_tokens(k->s) > k->o.batch ? enc_max_tokens(k->s) : k->o.batch;
	int *ids = xmalloc(sizeof(int) * (size_t)cap), rc = HEED_OK;
	size_t done = 0;

	k->battn = xmalloc(sizeof(*k->battn) * (size_t)cap * k->LH);
	k->bent = xmalloc(sizeof(*k->bent) * (size_t)cap * k->LH);
	k->blens = xmalloc(sizeof(int) * (size_t)cap);
	cli_progress_start(&k->prog, "calibrate", "forward", "sentences", k->o.quiet);
	for (size_t r0 = 0, r1; r0 < c->count && rc == HEED_OK; r0 = r1) {
		size_t rows = 0;
		for (r1 = r0; r1 < c->count; r1++) {
			size_t i = k->order[r1], n = c->off[i + 1] - c->off[i];
			if (r1 > r0 && rows + n > (size_t)cap)
				break;
			rows += n;
		}
		rc = run_batch(k, r0, r1, ids, e);
		done += r1 - r0;
		cli_progress_show(&k->prog, (double)done, (double)c->count);
	}
	free(ids);
	calib_finish(k->cal);
	return rc;
}

/* Input dependence on the sample, against the finished averages. */
static void
jsd_part(void *v, int part, int parts)
{
	calibrator *k = v;
	const calib_corpus *c = &k->corp;
	int lh0 = split(k->LH, part, parts), lh1 = split(k->LH, part + 1, parts);
	const float **attn = xmalloc(sizeof(*attn) * (size_t)k->LH);

	for (size_t r = 0; r < c->count; r++) {
		size_t i = k->order[r], n = c->off[i + 1] - c->off[i];
		if (k->jsd_of[i] == NULL)
			continue;
		for (int lh = lh0; lh < lh1; lh++)
			attn[lh] = k->jsd_of[i] + (size_t)lh * n * n;
		calib_stats_add_jsd_heads(&k->acc, k->cal, (int)n, attn, lh0, lh1);
	}
	free(attn);
}

static void
pass_dependence(calibrator *k)
{
	const calib_corpus *c = &k->corp;

	enc_pool_run(k->pool, jsd_part, k);
	for (size_t i = 0; i < c->count; i++)
		if (k->jsd_of[i] != NULL)
			k->acc.jsd_rows += (double)(c->off[i + 1] - c->off[i]);
	calib_stats_store(&k->acc, k->cal);
}

/* Each head's synthesizer is fitted on its own, so threads take heads;
 * only the first thread draws the progress. */
static void
fit_progress(void *ud, double done)
{
	calibrator *k = ud;

	cli_progress_show(&k->prog, atomic_load(&k->fitted) + done, k->LH);
}

typedef struct fit_job {
	calibrator *k;
	atomic_int failed;      /* the first failure writes e */
	heed_err e;
} fit_job;

static void
fit_part(void *v, int part, int parts)
{
	fit_job *j = v;
	calibrator *k = j->k;
	calib_fit_opts fo;
	heed_err e;

	calib_fit_defaults(&fo, k->o.seed);
	fo.epochs = k->o.epochs;
	if (part == 0) {
		fo.progress = fit_progress;
		fo.ud = k;
	}
	for (int lh = part; lh < k->LH; lh += parts) {
		int l = lh / k->m->cfg.heads;
		if (calib_fit_head(k->cal, l, lh % k->m->cfg.heads, k->smp[l], &fo, &e) < 0 &&
		    atomic_fetch_add(&j->failed, 1) == 0)
			j->e = e;
		atomic_fetch_add(&k->fitted, 1);
	}
}

static int
pass_synth(calibrator *k, heed_err *e)
{
	fit_job j = { .k = k };

	if (k->smp == NULL)
		return HEED_OK;
	atomic_init(&j.failed, 0);
	cli_progress_start(&k->prog, "calibrate", "synthesizers", "heads", k->o.quiet);
	enc_pool_run(k->pool, fit_part, &j);
	cli_progress_show(&k->prog, k->LH, k->LH);
	if (atomic_load(&j.failed) > 0)
		return err_set(e, HEED_EINVAL, "%s", j.e.msg);
	k->cal->has_synth = true;
	k->cal->synth_sentences = k->cal->sentences;
	return HEED_OK;
}

/* Rows per layer: the user's number, else what fits the memory budget. */
static size_t
sample_capacity(const calibrator *k, int L)
{
	const model_config *c = &k->m->cfg;
	size_t row = sizeof(float) * ((size_t)c->hidden + (size_t)c->heads * L) + sizeof(int);
	size_t cap = CAL_SAMPLE_BUDGET / (row * (size_t)c->layers);

	if (k->o.samples > 0)
		return (size_t)k->o.samples;
	if (cap > CAL_SAMPLE_CAP)
		cap = CAL_SAMPLE_CAP;
	return cap < 64 ? 64 : cap;
}

static int
cal_open(calibrator *k, int argc, char **argv, heed_err *e)
{
	heed_open_opts oo = { k->o.model, NULL, NULL, HEED_OPEN_WEIGHTS | HEED_OPEN_VOCAB, NULL };
	const model_config *c;
	int rc, L;

	if ((rc = heed_open(&oo, &k->h, e)) < 0)
		return rc;
	k->dir = k->h.dir;
	k->m = k->h.m;
	k->v = k->h.vocab;
	c = &k->m->cfg;
	/* the output checked before the corpus is read and the hours spent */
	char *out = k->o.out != NULL ? xstrdup(k->o.out) : calib_default_path(k->dir);
	rc = heed_output_check(&k->h, out, argv + optind, argc - optind, e);
	free(out);
	if (rc < 0)
		return rc;
	L = k->o.L > 0 ? k->o.L : calib_default_L(c);
	if (L > c->max_tokens)
		return err_set(e, HEED_EINVAL, "--length %d exceeds the model's %d positions", L,
		    c->max_tokens);
	if ((rc = cli_read_corpus(&k->corp, &k->h, L, k->o.max_sentences, k->o.shard, k->o.shards,
	    argv + optind, argc - optind, e)) < 0)
		return rc;
	k->cal = calib_new(c, L, k->o.rank);
	k->cal->random_seed = k->o.seed;
	k->cal->fingerprint = k->m->fingerprint;
	k->cal->shard = k->o.shard;
	k->cal->shards = k->o.shards;
	int threads = k->o.threads > 0 ? k->o.threads : enc_default_threads();
	k->LH = c->layers * c->heads;
	/* the encoder's threads and the pool's each call OpenBLAS */
	if ((rc = heed_blas_reserve(2 * threads, e)) < 0)
		return rc;
	k->s = enc_new_batch(k->m, L, k->o.batch > L ? k->o.batch : L);
	enc_set_threads(k->s, threads);
	enc_batch_skip_output(k->s, true);   /* nothing here reads the last layer's output */
	k->pool = enc_pool_new(threads);
	calib_stats_init(&k->acc, c->layers, c->heads);
	plan_order(k);
	plan_jsd_sample(k);
	if (k->o.rank > 0) {
		k->smp = xcalloc((size_t)c->layers, sizeof(*k->smp));
		for (int l = 0; l < c->layers; l++)
			k->smp[l] = calib_samples_new(c->heads, c->hidden, L, sample_capacity(k, L),
			    k->o.seed + (uint64_t)l);
	}
	return HEED_OK;
}

static void
cal_close(calibrator *k)
{
	if (k->smp != NULL)
		for (int l = 0; l < k->h.cfg.layers; l++)
			calib_samples_free(k->smp[l]);
	free(k->smp);
	for (size_t i = 0; k->jsd_of != NULL && i < k->corp.count; i++)
		free(k->jsd_of[i]);
	free(k->jsd_of);
	free(k->order);
	free(k->battn);
	free(k->bent);
	free(k->blens);
	enc_pool_free(k->pool);
	calib_stats_free(&k->acc);
	calib_free(k->cal);
	enc_free(k->s);
	calib_corpus_free(&k->corp);
	heed_close(&k->h);
}

static void
summary(const calibrator *k, const char *path, double ms)
{
	const calib *c = k->cal;
	int nh = c->layers * c->heads;
	double syn = 0.0, uni = 0.0;

	printf("heed: calibrated %s on %zu sentences (%zu tokens, %zu truncated to %d) in %.1f s "
	    "(%.0f tokens/s)", k->m->name, k->corp.count, k->corp.tokens, k->corp.truncated, c->L,
	    ms / 1e3, ms > 0.0 ? (double)k->corp.tokens / (ms / 1e3) : 0.0);
	if (c->shards > 0)
		printf("; shard %d/%d", c->shard, c->shards);
	if (c->has_synth) {
		for (int i = 0; i < nh; i++) {
			syn += c->stats[i].synth_loss;
			uni += c->stats[i].uniform_loss;
		}
		printf("; dense synthesizer loss %.3f vs uniform %.3f nats/row", syn / nh, uni / nh);
	}
	printf("; wrote %s\n", path);
}

static int
calibrate(int argc, char **argv, cal_opts *o)
{
	calibrator k = { .o = *o };
	double t0 = util_now_ms();
	char *path = NULL;
	heed_err e = { "" };
	bool said = false;
	int rc;

	if ((rc = cal_open(&k, argc, argv, &e)) == HEED_OK &&
	    (rc = pass_forward(&k, &e)) == HEED_OK && (pass_dependence(&k), 1) &&
	    (rc = pass_synth(&k, &e)) == HEED_OK) {
		path = o->out != NULL ? xstrdup(o->out) : calib_default_path(k.dir);
		if ((rc = calib_save(path, k.cal, &e)) == HEED_OK) {
			summary(&k, path, util_now_ms() - t0);
			/* the file is written; the summary could not be (exit 3) */
			if ((rc = cli_finish_stdout("calibrate")) < 0)
				said = true;
		}
	}
	if (rc < 0 && !said)
		cli_error("calibrate", "%s", e.msg);
	free(path);
	cal_close(&k);
	return cli_exit_code(rc);
}

/* ---- merge ---------------------------------------------------------------- */

/* The options --merge honours, applied to one file as it is read. */
static int
merge_filter(calib *c, const cal_opts *o, const char *path, heed_err *e)
{
	if (o->L > 0 && c->L != o->L)
		return err_set(e, HEED_EMISMATCH, "%s: layout length %d, not the %d of --length",
		    path, c->L, o->L);
	if (o->rank_set && c->has_synth && (o->rank == 0 || c->rank != o->rank))
		calib_drop_synth(c);
	return HEED_OK;
}

/* A shard given twice would count its sentences twice. */
static int
merge_shard_check(const calib *const *files, int n, char **names, heed_err *e)
{
	for (int i = 0; i < n; i++)
		for (int j = 0; j < i && files[i]->shards > 0; j++)
			if (files[j]->shards == files[i]->shards && files[j]->shard == files[i]->shard)
				return err_set(e, HEED_EINVAL, "%s and %s are both shard %d/%d",
				    names[j], names[i], files[i]->shard, files[i]->shards);
	return HEED_OK;
}

static int
merge(int argc, char **argv, const cal_opts *o)
{
	int n = argc - optind, rc = HEED_OK, loaded = 0;
	calib **f = xcalloc((size_t)n, sizeof(*f));
	heed_open_opts oo = { o->model, NULL, NULL, HEED_OPEN_WEIGHTS, NULL };
	heed_session h = { 0 };
	const model *m = NULL;
	heed_err e = { "" };

	/* -m: every file must belong to this model's configuration, weights and
	 * tokenizer; without it they must only agree among themselves */
	if (o->model != NULL && (rc = heed_open(&oo, &h, &e)) < 0)
		goto out;
	m = h.m;
	/* the merged file must not replace one of the files it is made of
	 * (nor, with -m, the model's own files), and a typo in -o fails now */
	if ((rc = heed_output_check(&h, o->out, argv + optind, n, &e)) < 0)
		goto out;
	for (; loaded < n && rc == HEED_OK; loaded++) {
		const char *path = argv[optind + loaded];
		if ((rc = calib_load(path, m != NULL ? &m->cfg : NULL, m != NULL ? m->fingerprint : 0,
		    &f[loaded], &e)) == HEED_OK)
			rc = merge_filter(f[loaded], o, path, &e);
	}
	if (rc == HEED_OK)
		rc = merge_shard_check((const calib *const *)f, n, argv + optind, &e);
	for (int i = 1; i < n && rc == HEED_OK; i++) {
		if ((rc = calib_merge(f[0], f[i], &e)) < 0) {
			char msg[sizeof e.msg];
			snprintf(msg, sizeof msg, "%s", e.msg);
			err_set(&e, rc, "%s: %s", argv[optind + i], msg);
		}
	}
	if (rc == HEED_OK && o->rank_set && o->rank > 0 && !f[0]->has_synth)
		rc = err_set(&e, HEED_EINVAL, "no file has dense synthesizers of rank %d", o->rank);
	if (rc == HEED_OK && (rc = calib_save(o->out, f[0], &e)) == HEED_OK)
		printf("heed: merged %d files (%llu sentences) into %s\n", n,
		    (unsigned long long)f[0]->sentences, o->out);
	if (rc == HEED_OK && (rc = cli_finish_stdout("calibrate")) < 0)
		e.msg[0] = '\0';
out:
	if (rc < 0 && e.msg[0] != '\0')
		cli_error("calibrate", "%s", e.msg);
	for (int i = 0; i < n; i++)
		calib_free(f[i]);
	free(f);
	heed_close(&h);
	return cli_exit_code(rc);
}

int
cmd_calibrate(int argc, char **argv)
{
	cal_opts o;
	int rc = cal_parse_args(argc, argv, &o);

	if (rc != 0)
		return rc > 0 ? 0 : EXIT_USAGE;
	return o.merge ? merge(argc, argv, &o) : calibrate(argc, argv, &o);
}
