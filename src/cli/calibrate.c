/* calibrate.c — `heed calibrate`: learn what every head does over a corpus
 * (PAPA averages, per-head statistics, Dense Synthesizers) and write the
 * calibration file; `heed calibrate --merge` adds files together.
 *
 * Three phases over the corpus: (1) run the model on each sentence in input
 * mode, adding attention to the PAPA sums and the statistics and offering
 * every token's (layer input, attention rows) to a bounded reservoir;
 * (2) once the averages exist, run again to measure how far each head's
 * rows are from them (input dependence); (3) fit each head's synthesizer on
 * its reservoir.
 */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <utf8proc.h>

#include "heed/calib.h"
#include "heed/enc.h"
#include "heed/model.h"
#include "heed/open.h"
#include "heed/tok.h"
#include "heed/util.h"
#include "cli.h"

#define CAL_DEFAULT_RANK 32
#define CAL_SAMPLE_CAP 20000                 /* reservoir rows per layer */
#define CAL_SAMPLE_BUDGET (256u << 20)       /* bytes for all reservoirs */

typedef struct cal_opts {
	const char *model, *out;
	long max_sentences;   /* 0 = all */
	int L, rank, epochs;  /* L 0 = the model's default */
	long samples;         /* 0 = as many as the memory budget allows */
	uint64_t seed;
	bool merge;
} cal_opts;

/* The corpus, tokenized once and kept for the second pass. */
typedef struct corpus {
	int *ids;      /* all sentences' ids, back to back */
	size_t *off;   /* [count + 1] */
	size_t count, cap, ids_len, ids_cap;
	size_t tokens;
	size_t truncated;
} corpus;

typedef struct progress {
	bool tty;
	const char *phase;
	double start, last;
	const char *unit;
} progress;

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
	    "  -e, --epochs E           synthesizer training epochs (default 4)\n"
	    "  -s, --seed S             seed for sampling, initialisation and the Random\n"
	    "                           Synthesizer (default %#llx)\n"
	    "      --samples N          training rows kept per layer (default: up to %d,\n"
	    "                           fewer for large models)\n"
	    "      --merge              add calibration files A B ... into OUT\n"
	    "  -h, --help               this help\n"
	    "\n"
	    "Exit status: 0 done, 1 usage error, 2 bad model, corpus or file, 3 failure.\n",
	    CAL_DEFAULT_RANK, (unsigned long long)CALIB_DEFAULT_SEED, CAL_SAMPLE_CAP);
}

/* ---- options ----------------------------------------------------------- */

static bool
parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v = strtol(s, &end, 0);

	if (end == s || *end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool
parse_opt_int(const char *s, long lo, long hi, int *out)
{
	long v;

	if (!parse_long(s, lo, hi, &v))
		return false;
	*out = (int)v;
	return true;
}

static bool
parse_seed(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	if (end == s || *end != '\0' || s[0] == '-')
		return false;
	*out = v;
	return true;
}

/* 0 to go on, 1 after --help, -1 on a usage error (already reported). */
static int
cal_parse_args(int argc, char **argv, cal_opts *o)
{
	enum { OPT_SAMPLES = 256, OPT_MERGE };
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (cal_opts){ .rank = CAL_DEFAULT_RANK, .epochs = 4, .seed = CALIB_DEFAULT_SEED };
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:o:n:L:r:e:s:h", opts, NULL)) != -1) {
		bool ok = true;
		switch (c) {
		case 'm': o->model = optarg; break;
		case 'o': o->out = optarg; break;
		case 'n': ok = parse_long(optarg, 1, 1L << 40, &o->max_sentences); break;
		case 'L': ok = parse_opt_int(optarg, 2, 1 << 16, &o->L); break;
		case 'r': ok = parse_opt_int(optarg, 0, 4096, &o->rank); break;
		case 'e': ok = parse_opt_int(optarg, 1, 10000, &o->epochs); break;
		case 's': ok = parse_seed(optarg, &o->seed); break;
		case OPT_SAMPLES: ok = parse_long(optarg, 1, 1L << 30, &o->samples); break;
		case OPT_MERGE: o->merge = true; break;
		case 'h': cal_usage(stdout); return 1;
		default: ok = false; optarg = NULL; break;
		}
		if (!ok) {
			if (optarg != NULL)
				fprintf(stderr, "heed: calibrate: bad value '%s'\n", optarg);
			fprintf(stderr, "heed: calibrate: see heed calibrate --help\n");
			return -1;
		}
	}
	if (optind >= argc || (o->merge && (argc - optind < 2 || o->out == NULL))) {
		fprintf(stderr, o->merge ? "heed: calibrate: --merge needs two or more files and -o OUT\n"
		    : "heed: calibrate: no corpus given (see heed calibrate --help)\n");
		return -1;
	}
	return 0;
}

/* ---- progress ----------------------------------------------------------- */

static void
progress_start(progress *p, const char *phase, const char *unit)
{
	p->tty = isatty(STDERR_FILENO);
	p->phase = phase;
	p->unit = unit;
	p->start = util_now_ms();
	p->last = 0.0;
}

/* A bar with rate and ETA, at most every 100 ms, only on a terminal. */
static void
progress_show(progress *p, double done, double total)
{
	double now = util_now_ms(), secs = (now - p->start) / 1e3, frac;
	char bar[31];
	int fill;

	if (!p->tty || (now - p->last < 100.0 && done < total))
		return;
	p->last = now;
	frac = total > 0.0 ? done / total : 1.0;
	fill = (int)(frac * 30.0);
	for (int k = 0; k < 30; k++)
		bar[k] = k < fill ? '#' : '.';
	bar[30] = '\0';
	double rate = secs > 0.0 ? done / secs : 0.0, eta = rate > 0.0 ? (total - done) / rate : 0.0;
	fprintf(stderr, "\r\033[K%-17s [%s] %3.0f%%  %.1f %s/s  ETA %d:%02d", p->phase, bar,
	    frac * 100.0, rate, p->unit, (int)eta / 60, (int)eta % 60);
	if (done >= total)
		fputc('\n', stderr);
	fflush(stderr);
}

/* ---- corpus --------------------------------------------------------------- */

static bool
starts_capital(const char *s)
{
	utf8proc_int32_t cp;

	if (utf8proc_iterate((const utf8proc_uint8_t *)s, -1, &cp) < 0)
		return false;
	return utf8proc_category(cp) == UTF8PROC_CATEGORY_LU;
}

/* End of the first sentence in s: after . ! ? (and any run of them) that is
 * followed by space and a capital; else the end of s. */
static const char *
sentence_end(const char *s)
{
	for (const char *p = s; *p != '\0'; p++) {
		if (*p != '.' && *p != '!' && *p != '?')
			continue;
		const char *q = p;
		while (q[1] == '.' || q[1] == '!' || q[1] == '?')
			q++;
		if (q[1] != ' ')
			continue;
		const char *r = q + 1;
		while (*r == ' ')
			r++;
		if (starts_capital(r))
			return q + 1;
		p = q;
	}
	return s + strlen(s);
}

static bool
blank(const char *s, const char *end)
{
	for (; s < end; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r')
			return false;
	return true;
}

static void
corpus_push(corpus *c, const int *ids, int n)
{
	if (c->count + 2 > c->cap) {
		c->cap = c->cap ? c->cap * 2 : 1024;
		c->off = xrealloc(c->off, sizeof(size_t) * c->cap);
	}
	if (c->ids_len + (size_t)n > c->ids_cap) {
		c->ids_cap = (c->ids_cap + (size_t)n) * 2;
		c->ids = xrealloc(c->ids, sizeof(int) * c->ids_cap);
	}
	if (c->count == 0)
		c->off[0] = 0;
	memcpy(c->ids + c->ids_len, ids, sizeof(int) * (size_t)n);
	c->ids_len += (size_t)n;
	c->off[++c->count] = c->ids_len;
	c->tokens += (size_t)n;
}

typedef struct reader {
	const tok_vocab *v;
	bool lowercase;
	int L;
	long max;
	corpus *c;
	int *ids;
} reader;

static int
add_sentence(reader *r, const char *text, size_t len, heed_err *e)
{
	tok_result t;
	int rc;

	if ((rc = tok_encode(r->v, text, len, r->lowercase, r->L, &t, e)) < 0)
		return rc;
	for (int k = 0; k < t.n; k++)
		r->ids[k] = t.tok[k].id;
	r->c->truncated += t.truncated;
	corpus_push(r->c, r->ids, t.n);
	tok_result_free(&t);
	return HEED_OK;
}

static bool
corpus_full(const reader *r)
{
	return r->max > 0 && (long)r->c->count >= r->max;
}

/* One line: split into sentences, skipping empty pieces. */
static int
read_line(reader *r, char *line, heed_err *e)
{
	char *s = line;
	int rc;

	while (*s != '\0' && !corpus_full(r)) {
		const char *end = sentence_end(s);
		if (!blank(s, end) && (rc = add_sentence(r, s, (size_t)(end - s), e)) < 0)
			return rc;
		s = (char *)end;
		while (*s == ' ')
			s++;
	}
	return HEED_OK;
}

/* Does the line [b, e) end a sentence: . ! ? : ; last, before any closing
 * quotes or brackets? */
static bool
ends_sentence(const char *b, const char *e)
{
	while (e > b) {
		if (strchr(" \t\r\"')]", e[-1]) != NULL) {
			e--;
		} else if (e - b >= 3 && (memcmp(e - 3, "\xE2\x80\x9D", 3) == 0 ||
		    memcmp(e - 3, "\xE2\x80\x99", 3) == 0)) {
			e -= 3;   /* closing curly quotes */
		} else {
			break;
		}
	}
	return e > b && strchr(".!?:;", e[-1]) != NULL;
}

/* Hard-wrapped prose (paragraphs of lines broken mid-sentence, separated by
 * blank lines, as in Project Gutenberg texts) is recognised by its blank
 * lines and by most lines not ending a sentence; its line breaks inside a
 * paragraph become spaces.  Files with one sentence or paragraph per line
 * are left alone. */
static void
unwrap(char *text)
{
	size_t lines = 0, open = 0, blanks = 0;
	char *next;

	for (char *ln = text; *ln != '\0'; ln = next) {
		char *end = strchr(ln, '\n');
		next = end != NULL ? end + 1 : ln + strlen(ln);
		end = end != NULL ? end : next;
		if (blank(ln, end)) {
			blanks++;
			continue;
		}
		lines++;
		open += !ends_sentence(ln, end);
	}
	if (blanks == 0 || open * 2 <= lines)
		return;
	for (char *ln = text, *end; (end = strchr(ln, '\n')) != NULL; ln = next) {
		char *after;
		next = end + 1;
		after = strchr(next, '\n');
		if (!blank(ln, end) && !blank(next, after != NULL ? after : next + strlen(next)))
			*end = ' ';
	}
}

static int
read_corpus(reader *r, const char *path, heed_err *e)
{
	char *text, *next;
	size_t len;
	int rc;

	/* a pipe is fine for a corpus: heed calibrate <(zcat corpus.gz) */
	if ((rc = util_read_input(path, true, 0, &text, &len, e)) < 0)
		return rc;
	unwrap(text);
	for (char *line = text; line != NULL && !corpus_full(r); line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((rc = read_line(r, line, e)) < 0) {
			char msg[sizeof e->msg];
			snprintf(msg, sizeof msg, "%s", e->msg);
			free(text);
			return err_set(e, rc, "%s: %s", path, msg);
		}
	}
	free(text);
	return HEED_OK;
}

static void
corpus_free(corpus *c)
{
	free(c->ids);
	free(c->off);
}

/* ---- the three phases ------------------------------------------------------- */

typedef struct calibrator {
	cal_opts o;
	heed_session h;          /* owns the model and the vocabulary */
	const char *dir;
	const model *m;
	const tok_vocab *v;
	enc_state *s;
	calib *cal;
	corpus corp;
	calib_stats_acc acc;
	calib_samples **smp;     /* [layers] */
	const float **attn;      /* [layers*heads] views into the encoder */
	progress prog;
	int fit_index;           /* heads fitted so far, for the progress bar */
} calibrator;

static int
run_sentence(calibrator *k, size_t i, heed_err *e)
{
	const model_config *c = &k->m->cfg;
	int n = (int)(k->corp.off[i + 1] - k->corp.off[i]), rc;

	rc = enc_run(k->s, k->corp.ids + k->corp.off[i], n, NULL, NULL, NULL, NULL, e);
	if (rc < 0)
		return rc;
	for (int l = 0; l < c->layers; l++)
		for (int h = 0; h < c->heads; h++)
			k->attn[l * c->heads + h] = enc_attn(k->s, l, h);
	return n;
}

static int
phase_averages(calibrator *k, heed_err *e)
{
	const model_config *c = &k->m->cfg;

	progress_start(&k->prog, "averages", "sentences");
	for (size_t i = 0; i < k->corp.count; i++) {
		int n = run_sentence(k, i, e);
		if (n < 0)
			return n;
		calib_add_sentence(k->cal, n, k->attn);
		calib_stats_add(&k->acc, n, k->attn);
		if (k->smp != NULL)
			for (int l = 0; l < c->layers; l++)
				calib_samples_add(k->smp[l], n, enc_hidden(k->s, l),
				    k->attn + (size_t)l * c->heads);
		progress_show(&k->prog, (double)(i + 1), (double)k->corp.count);
	}
	calib_finish(k->cal);
	return HEED_OK;
}

static int
phase_dependence(calibrator *k, heed_err *e)
{
	progress_start(&k->prog, "input dependence", "sentences");
	for (size_t i = 0; i < k->corp.count; i++) {
		int n = run_sentence(k, i, e);
		if (n < 0)
			return n;
		calib_stats_add_jsd(&k->acc, k->cal, n, k->attn);
		progress_show(&k->prog, (double)(i + 1), (double)k->corp.count);
	}
	calib_stats_store(&k->acc, k->cal);
	return HEED_OK;
}

static void
fit_progress(void *ud, double done)
{
	calibrator *k = ud;
	int nh = k->m->cfg.layers * k->m->cfg.heads;

	progress_show(&k->prog, k->fit_index + done, nh);
}

static int
phase_synth(calibrator *k, heed_err *e)
{
	const model_config *c = &k->m->cfg;
	calib_fit_opts fo;
	int rc;

	if (k->smp == NULL)
		return HEED_OK;
	calib_fit_defaults(&fo, k->o.seed);
	fo.epochs = k->o.epochs;
	fo.progress = fit_progress;
	fo.ud = k;
	progress_start(&k->prog, "synthesizers", "heads");
	for (int l = 0; l < c->layers; l++)
		for (int h = 0; h < c->heads; h++, k->fit_index++)
			if ((rc = calib_fit_head(k->cal, l, h, k->smp[l], &fo, e)) < 0)
				return rc;
	k->cal->has_synth = true;
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
	heed_open_opts oo = { k->o.model, NULL, NULL, HEED_OPEN_WEIGHTS | HEED_OPEN_VOCAB };
	const model_config *c;
	int rc, L;

	if ((rc = heed_open(&oo, &k->h, e)) < 0)
		return rc;
	k->dir = k->h.dir;
	k->m = k->h.m;
	k->v = k->h.vocab;
	c = &k->m->cfg;
	L = k->o.L > 0 ? k->o.L : calib_default_L(c);
	if (L > c->max_tokens)
		return err_set(e, HEED_EINVAL, "--length %d exceeds the model's %d positions", L,
		    c->max_tokens);
	reader r = { k->v, c->lowercase, L, k->o.max_sentences, &k->corp, xmalloc(sizeof(int) * L) };
	for (int i = optind; i < argc && rc == HEED_OK && !corpus_full(&r); i++)
		rc = read_corpus(&r, argv[i], e);
	free(r.ids);
	if (rc < 0)
		return rc;
	if (k->corp.count == 0)
		return err_set(e, HEED_EINVAL, "the corpus has no sentences");
	k->cal = calib_new(c, L, k->o.rank);
	k->cal->random_seed = k->o.seed;
	k->s = enc_new(k->m, L);
	k->attn = xcalloc((size_t)c->layers * c->heads, sizeof(*k->attn));
	calib_stats_init(&k->acc, c->layers, c->heads);
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
	free(k->attn);
	calib_stats_free(&k->acc);
	calib_free(k->cal);
	enc_free(k->s);
	corpus_free(&k->corp);
	heed_close(&k->h);
}

static void
summary(const calibrator *k, const char *path, double ms)
{
	const calib *c = k->cal;
	int nh = c->layers * c->heads;
	double syn = 0.0, uni = 0.0;

	printf("heed: calibrated %s on %zu sentences (%zu tokens, %zu truncated to %d) in %.1f s",
	    k->m->name, k->corp.count, k->corp.tokens, k->corp.truncated, c->L, ms / 1e3);
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
	heed_err e;
	int rc;

	if ((rc = cal_open(&k, argc, argv, &e)) == HEED_OK &&
	    (rc = phase_averages(&k, &e)) == HEED_OK && (rc = phase_dependence(&k, &e)) == HEED_OK &&
	    (rc = phase_synth(&k, &e)) == HEED_OK) {
		path = o->out != NULL ? xstrdup(o->out) : calib_default_path(k.dir);
		if ((rc = calib_save(path, k.cal, &e)) == HEED_OK)
			summary(&k, path, util_now_ms() - t0);
	}
	if (rc < 0)
		fprintf(stderr, "heed: calibrate: %s\n", e.msg);
	free(path);
	cal_close(&k);
	return cli_exit_code(rc);
}

/* ---- merge ---------------------------------------------------------------- */

static int
merge(int argc, char **argv, const cal_opts *o)
{
	calib *acc = NULL, *next;
	heed_err e;
	int rc = HEED_OK;

	for (int i = optind; i < argc && rc == HEED_OK; i++) {
		if ((rc = calib_load(argv[i], NULL, acc == NULL ? &acc : &next, &e)) < 0)
			break;
		if (i > optind) {
			rc = calib_merge(acc, next, &e);
			calib_free(next);
			if (rc < 0) {
				char msg[sizeof e.msg];
				snprintf(msg, sizeof msg, "%s", e.msg);
				err_set(&e, rc, "%s: %s", argv[i], msg);
			}
		}
	}
	if (rc == HEED_OK && (rc = calib_save(o->out, acc, &e)) == HEED_OK)
		printf("heed: merged %d files (%llu sentences) into %s\n", argc - optind,
		    (unsigned long long)acc->sentences, o->out);
	if (rc < 0)
		fprintf(stderr, "heed: calibrate: %s\n", e.msg);
	calib_free(acc);
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
