/* scan.c — `heed scan`: which heads matter over a corpus, and how many
 * can be replaced by constants before masked-LM accuracy falls (the PAPA
 * paper's experiment, Hassid et al. 2022; the head ablations of Michel et
 * al. 2019).  scan.h defines the masking and the measures.
 *
 * Two passes over the corpus with one importance engine (imp.h):
 * (1) every sentence masked, every head alone switched to each replacement
 * mode; (2) once the heads' order is known (their mean KL over the corpus,
 * or --ranking's, and the calibration's PAPA order), the cumulative curves.
 * A shard cannot know the whole corpus's order, so without --ranking it
 * writes pass 1 only; merging those gives the order for a second round of
 * shards with --ranking, whose merge is the single run's result.
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
#include "heed/imp.h"
#include "heed/model.h"
#include "heed/open.h"
#include "heed/scan.h"
#include "heed/tok.h"
#include "heed/util.h"
#include "cli.h"

typedef enum { FMT_JSON, FMT_TSV } scan_format;

typedef struct scan_opts {
	const char *model, *calib, *out, *ranking, *preset;
	const char *mlm_head;    /* --mlm-head NAME */
	long max_sentences;
	int L, threads;
	int shard, shards;
	uint64_t seed;
	unsigned modes;          /* bit per head_mode asked for; 0: every one available */
	double max_loss;         /* < 0: no preset */
	scan_format format;
	bool merge, partial, quiet;
} scan_opts;

static void
scan_usage(FILE *f)
{
	fprintf(f,
	    "Usage: heed scan [OPTIONS] CORPUS...\n"
	    "       heed scan --merge A B [...] [OPTIONS]\n"
	    "Which heads matter over a corpus: 15%% of each sentence's tokens masked (seeded),\n"
	    "every head alone replaced, the drop of masked-LM log-likelihood and the KL at\n"
	    "the masks with 95%% confidence intervals over sentences; then the masked-LM\n"
	    "accuracy as heads are replaced cumulatively, least important first (and least\n"
	    "input-dependent first, PAPA's order, with a calibration).\n"
	    "\n"
	    "  -m, --model MODEL        model folder or hub name (default: heed-mini)\n"
	    "  -c, --calib FILE         calibration file (default: MODEL/heed.calib if any)\n"
	    "      --mlm-head NAME      masked-LM head: transformers (default) or emd (DeBERTa-v3)\n"
	    "  -r, --replace M[,M...]   average, dense, random, uniform (default: each one\n"
	    "                           the calibration allows)\n"
	    "  -s, --seed S             masking seed (default %#llx)\n"
	    "  -n, --max-sentences N    use at most N sentences (default: all)\n"
	    "  -L, --length L           tokens per sentence at most (default: min(128, max\n"
	    "                           positions))\n"
	    "  -t, --threads N          encoder threads (default: CPUs online, at most 8)\n"
	    "      --shard K/N          sentences K, K+N, K+2N ... only (1-based), into a\n"
	    "                           partial file (-o) for --merge\n"
	    "      --ranking FILE       take the curves' order of heads from this partial\n"
	    "                           file's importance (a merged first round of shards)\n"
	    "      --partial            write the partial (mergeable) file, not the result\n"
	    "      --merge              combine partial files A B ... into the result (each\n"
	    "                           made with the same model, seed, corpus, -L,\n"
	    "                           --mlm-head, calibration and modes)\n"
	    "      --max-loss X         write the largest set of heads replaceable within X\n"
	    "                           masked-LM accuracy lost (0.01: one point) as a preset\n"
	    "      --preset FILE        where --max-loss writes (default: heed.preset)\n"
	    "  -f, --format F           json (default) or tsv\n"
	    "  -o, --output FILE        write here (atomically), not to standard output\n"
	    "  -q, --quiet              no progress on standard error\n"
	    "  -h, --help               this help\n"
	    "\n"
	    "Exit status: 0 done, 1 usage error, 2 bad model, corpus or file, 3 failure.\n",
	    (unsigned long long)SCAN_DEFAULT_SEED);
}

/* ---- options ------------------------------------------------------------ */

static int
parse_modes(const char *s, unsigned *bits, heed_err *e)
{
	char *copy = xstrdup(s), *save = NULL;
	int rc = HEED_OK;

	*bits = 0;
	for (char *t = strtok_r(copy, ",", &save); t != NULL && rc == HEED_OK;
	     t = strtok_r(NULL, ",", &save)) {
		head_mode m;
		if (enc_mode_parse(t, &m) < 0 || m == HEAD_INPUT)
			rc = err_set(e, HEED_EINVAL, "--replace: '%s' is not average, dense, random "
			    "or uniform", t);
		else
			*bits |= 1u << m;
	}
	if (rc == HEED_OK && *bits == 0)
		rc = err_set(e, HEED_EINVAL, "--replace: no mode given");
	free(copy);
	return rc;
}

/* 0 to go on, 1 after --help, -1 on a usage error (already reported). */
static int
scan_parse_args(int argc, char **argv, scan_opts *o)
{
	enum { OPT_SHARD = 256, OPT_RANKING, OPT_PARTIAL, OPT_MERGE, OPT_LOSS, OPT_PRESET,
	       OPT_MLM_HEAD };
	static const struct option opts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "calib", required_argument, NULL, 'c' },
		{ "replace", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 's' },
		{ "max-sentences", required_argument, NULL, 'n' },
		{ "length", required_argument, NULL, 'L' },
		{ "threads", required_argument, NULL, 't' },
		{ "shard", required_argument, NULL, OPT_SHARD },
		{ "ranking", required_argument, NULL, OPT_RANKING },
		{ "partial", no_argument, NULL, OPT_PARTIAL },
		{ "merge", no_argument, NULL, OPT_MERGE },
		{ "max-loss", required_argument, NULL, OPT_LOSS },
		{ "preset", required_argument, NULL, OPT_PRESET },
		{ "mlm-head", required_argument, NULL, OPT_MLM_HEAD },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool run_only = false;
	heed_err e;
	int c;

	*o = (scan_opts){ .seed = SCAN_DEFAULT_SEED, .max_loss = -1.0, .preset = "heed.preset" };
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:c:r:s:n:L:t:f:o:qh", opts, NULL)) != -1) {
		int rc = HEED_OK;
		run_only |= c == 'm' || c == 'c' || c == 'r' || c == 's' || c == 'n' ||
		    c == 'L' || c == 't' || c == OPT_SHARD || c == OPT_RANKING || c == OPT_MLM_HEAD;
		switch (c) {
		case 'm': o->model = optarg; break;
		case 'c': o->calib = optarg; break;
		case 'r': rc = parse_modes(optarg, &o->modes, &e); break;
		case 's': rc = util_parse_u64("--seed", optarg, &o->seed, &e); break;
		case 'n': rc = util_parse_long("--max-sentences", optarg, 1, 1L << 40,
		    &o->max_sentences, &e); break;
		case 'L': rc = util_parse_int("--length", optarg, 2, HEED_MAX_TOKENS, &o->L, &e); break;
		case 't': rc = util_parse_int("--threads", optarg, 1, 64, &o->threads, &e); break;
		case OPT_SHARD:
			if (!cli_parse_shard(optarg, &o->shard, &o->shards))
				rc = err_set(&e, HEED_EINVAL, "--shard: '%s' is not K/N with 1 <= K <= N",
				    optarg);
			break;
		case OPT_RANKING: o->ranking = optarg; break;
		case OPT_PARTIAL: o->partial = true; break;
		case OPT_MERGE: o->merge = true; break;
		case OPT_LOSS: rc = util_parse_double("--max-loss", optarg, 0.0, 1.0, &o->max_loss,
		    &e); break;
		case OPT_PRESET: o->preset = optarg; break;
		case OPT_MLM_HEAD: o->mlm_head = optarg; break;
		case 'f':
			if (strcmp(optarg, "json") == 0)
				o->format = FMT_JSON;
			else if (strcmp(optarg, "tsv") == 0)
				o->format = FMT_TSV;
			else
				rc = err_set(&e, HEED_EINVAL, "--format: '%s' is not json or tsv", optarg);
			break;
		case 'o': o->out = optarg; break;
		case 'q': o->quiet = true; break;
		case 'h': scan_usage(stdout); return 1;
		default: rc = HEED_EINVAL; e.msg[0] = '\0'; break;
		}
		if (rc < 0) {
			if (e.msg[0] != '\0')
				cli_error("scan", "%s", e.msg);
			fprintf(stderr, "heed: scan: see heed scan --help\n");
			return -1;
		}
	}
	const char *why = NULL;
	if (o->shards > 0)
		o->partial = true;
	if (optind >= argc)
		why = o->merge ? "--merge needs partial files" : "no corpus given (see heed scan --help)";
	else if (o->merge && run_only)
		why = "--merge takes only --partial, --max-loss, --preset, -f, -o and -q";
	else if (o->partial && o->out == NULL)
		why = "a partial file (--shard, --partial) needs -o FILE";
	else if (o->partial && o->max_loss >= 0.0)
		why = "--max-loss needs the whole corpus: give it to the single run or to --merge";
	if (why != NULL) {
		fprintf(stderr, "heed: scan: %s\n", why);
		return -1;
	}
	return 0;
}

/* ---- the passes --------------------------------------------------------- */

typedef struct scanner {
	scan_opts o;
	heed_session h;
	const model *m;
	calib_corpus corp;
	imp_ctx *imp;
	scan_data *d;
	int special[5];
	int mask_id, LH;
	cli_progress prog;
	/* one sentence's buffers */
	int *ids, *pos, *target;
	imp_result r;
	imp_curve cv;
} scanner;

/* Sentence j of the corpus read (one shard's) is number j*N + K-1 of the
 * whole corpus. */
static uint64_t
corpus_index(const scanner *k, size_t j)
{
	return k->o.shards > 1 ? (uint64_t)j * (uint64_t)k->o.shards + (uint64_t)(k->o.shard - 1)
	    : (uint64_t)j;
}

static void
sentence_opts(const scanner *k, int mi, const scan_sentence *s, imp_opts *io)
{
	imp_opts_init(io);
	io->replace = (head_mode)k->d->mode[mi];
	io->cal = k->h.cal;
	io->nmask = s->nmask;
	io->mask_pos = s->mask_pos;
	io->target = s->target;
}

/* The masked input of sentence record s (corpus sentence j) into k->ids. */
static const int *
masked_ids(scanner *k, size_t j, const scan_sentence *s)
{
	const int *ids = k->corp.ids + k->corp.off[j];

	memcpy(k->ids, ids, sizeof(int) * (size_t)s->ntok);
	for (int m = 0; m < s->nmask; m++)
		k->ids[s->mask_pos[m]] = k->mask_id;
	return k->ids;
}

static int
pass_importance(scanner *k, size_t *rec_of, heed_err *e)
{
	const calib_corpus *c = &k->corp;
	int rc = HEED_OK;

	cli_progress_start(&k->prog, "scan", "importance", "sentences", k->o.quiet);
	for (size_t j = 0; j < c->count && rc == HEED_OK; j++) {
		const int *ids = c->ids + c->off[j];
		int n = (int)(c->off[j + 1] - c->off[j]);
		int nm = scan_pick_masks(k->o.seed, corpus_index(k, j), ids, n, k->special, 5, k->pos);

		rec_of[j] = SIZE_MAX;
		if (nm == 0) {
			k->d->unmaskable++;
		} else {
			scan_sentence *s = scan_add(k->d, corpus_index(k, j), n, nm);
			rec_of[j] = k->d->count - 1;
			for (int m = 0; m < nm; m++) {
				s->mask_pos[m] = k->pos[m];
				s->target[m] = ids[k->pos[m]];
			}
			masked_ids(k, j, s);
			for (int mi = 0; mi < k->d->nmodes && rc == HEED_OK; mi++) {
				imp_opts io;
				sentence_opts(k, mi, s, &io);
				if ((rc = imp_heads(k->imp, k->ids, n, NULL, &io, &k->r, e)) < 0)
					break;
				for (int lh = 0; lh < k->LH; lh++) {
					double drop = 0.0;
					for (int m = 0; m < nm; m++) {
						double q = k->r.prob[lh * nm + m], p = k->r.base_prob[m];
						drop += log(p > 1e-300 ? p : 1e-300) - log(q > 1e-300 ? q : 1e-300);
					}
					s->kl[(size_t)mi * k->LH + lh] = k->r.score[lh];
					s->drop[(size_t)mi * k->LH + lh] = drop / nm;
				}
			}
		}
		k->prog.tokens += n;
		cli_progress_show(&k->prog, (double)(j + 1), (double)c->count);
	}
	return rc;
}

static int
pass_curves(scanner *k, const size_t *rec_of, heed_err *e)
{
	const calib_corpus *c = &k->corp;
	int rc = HEED_OK;

	scan_add_curves(k->d);
	cli_progress_start(&k->prog, "scan", "curves", "sentences", k->o.quiet);
	for (size_t j = 0; j < c->count && rc == HEED_OK; j++) {
		int n = (int)(c->off[j + 1] - c->off[j]);

		if (rec_of[j] != SIZE_MAX) {
			scan_sentence *s = &k->d->s[rec_of[j]];
			masked_ids(k, j, s);
			for (int mi = 0; mi < k->d->nmodes && rc == HEED_OK; mi++) {
				for (int o = 0; o < SCAN_ORDERS && rc == HEED_OK; o++) {
					int *hits = s->hits + ((size_t)mi * SCAN_ORDERS + (size_t)o) * (size_t)(k->LH + 1);
					imp_opts io;
					if (o == SCAN_BY_PAPA && !k->d->has_papa)
						continue;
					sentence_opts(k, mi, s, &io);
					rc = imp_replace_curve(k->imp, k->ids, n, NULL, &io,
					    k->d->order + ((size_t)mi * SCAN_ORDERS + (size_t)o) * (size_t)k->LH,
					    k->LH, &k->cv, e);
					for (int p = 0; rc == HEED_OK && p <= k->LH; p++)
						hits[p] = (int)lround(k->cv.acc[p] * s->nmask);
				}
			}
		}
		k->prog.tokens += n;
		cli_progress_show(&k->prog, (double)(j + 1), (double)c->count);
	}
	return rc;
}

/* The modes to scan: those asked for (each must be available), or every
 * one the calibration allows, saying which are left out. */
static int
pick_modes(scanner *k, uint8_t *mode, int *nmodes, heed_err *e)
{
	*nmodes = 0;
	for (int m = HEAD_AVERAGE; m < HEAD_MODE_COUNT; m++) {
		bool asked = k->o.modes == 0 || (k->o.modes & (1u << m));
		if (!asked)
			continue;
		if (!enc_mode_available((head_mode)m, k->h.cal)) {
			if (k->o.modes != 0)
				return err_set(e, HEED_ENOCALIB, "%s replacement needs %s", enc_mode_name((head_mode)m),
				    k->h.cal == NULL ? "a calibration file (heed calibrate)"
				    : "a calibration with dense synthesizers");
			if (!k->o.quiet)
				fprintf(stderr, "heed: scan: note: %s replacement skipped: %s\n",
				    enc_mode_name((head_mode)m), k->h.cal == NULL ?
				    "the model has no calibration (heed calibrate)" :
				    "the calibration has no dense synthesizers");
			continue;
		}
		mode[(*nmodes)++] = (uint8_t)m;
	}
	return HEED_OK;
}

static int
scan_open(scanner *k, int argc, char **argv, heed_err *e)
{
	heed_open_opts oo = { k->o.model, k->o.calib, NULL,
		HEED_OPEN_WEIGHTS | HEED_OPEN_VOCAB | HEED_OPEN_CALIB, k->o.mlm_head };
	uint8_t mode[SCAN_MAX_MODES];
	int rc, nmodes, L;

	if ((rc = heed_open(&oo, &k->h, e)) < 0)
		return rc;
	k->m = k->h.m;
	tok_specials sp = tok_vocab_specials(k->h.vocab);
	if (!k->m->has_mlm || sp.mask < 0)
		return err_set(e, HEED_EFORMAT, "%s: no masked-LM head%s: heed scan measures masked "
		    "predictions", k->h.dir, sp.mask < 0 ? " or [MASK] token" : "");
	k->mask_id = sp.mask;
	k->special[0] = sp.cls;
	k->special[1] = sp.sep;
	k->special[2] = sp.pad;
	k->special[3] = sp.unk;
	k->special[4] = sp.mask;
	if (k->o.out != NULL && (rc = heed_output_check(&k->h, k->o.out, argv + optind,
	    argc - optind, e)) < 0)
		return rc;
	if ((rc = pick_modes(k, mode, &nmodes, e)) < 0)
		return rc;
	L = k->o.L > 0 ? k->o.L : k->h.max_tokens;
	if (L > k->h.max_tokens)
		return err_set(e, HEED_EINVAL, "--length %d exceeds the model's %d tokens", L,
		    k->h.max_tokens);
	if ((rc = cli_read_corpus(&k->corp, &k->h, L, k->o.max_sentences, k->o.shard, k->o.shards,
	    argv + optind, argc - optind, e)) < 0)
		return rc;
	int threads = k->o.threads > 0 ? k->o.threads : enc_default_threads();
	if ((rc = heed_blas_reserve(threads, e)) < 0)
		return rc;
	k->imp = imp_new(k->m, L, threads);
	k->LH = k->m->cfg.layers * k->m->cfg.heads;
	k->d = scan_new(k->m->name, k->m->fingerprint, k->o.seed, k->m->cfg.layers,
	    k->m->cfg.heads, nmodes, mode);
	k->d->length = L;
	k->d->emd = k->m->has_emd;
	k->d->corpus = k->corp.hash;
	k->d->calib = k->h.cal != NULL ? k->h.cal->digest : 0;
	k->d->shard = k->o.shard;
	k->d->shards = k->o.shards;
	k->d->seen = k->corp.seen;
	k->ids = xmalloc(sizeof(int) * (size_t)L);
	k->pos = xmalloc(sizeof(int) * (size_t)L);
	imp_result_init(&k->r);
	imp_curve_init(&k->cv);
	return HEED_OK;
}

static void
scan_close(scanner *k)
{
	imp_result_free(&k->r);
	imp_curve_free(&k->cv);
	free(k->ids);
	free(k->pos);
	scan_free(k->d);
	imp_free(k->imp);
	calib_corpus_free(&k->corp);
	heed_close(&k->h);
}

/* --ranking: the importance of a first round, for this model and modes. */
static int
load_ranking(scanner *k, scan_data **rank, heed_err *e)
{
	int rc = scan_load(k->o.ranking, rank, e);
	heed_err e2;

	if (rc < 0)
		return rc;
	if ((*rank)->fingerprint != k->d->fingerprint || (*rank)->LH != k->LH)
		rc = err_set(&e2, HEED_EMISMATCH, "a scan of another model (%s)", (*rank)->model);
	else if ((*rank)->nmodes != k->d->nmodes ||
	    memcmp((*rank)->mode, k->d->mode, (size_t)k->d->nmodes) != 0)
		rc = err_set(&e2, HEED_EMISMATCH, "other replacement modes than this scan's");
	else if ((*rank)->count == 0)
		rc = err_set(&e2, HEED_EFORMAT, "no sentence to rank the heads by");
	if (rc < 0)
		err_set(e, rc, "%s: %s", k->o.ranking, e2.msg);
	return rc;
}

/* ---- the result ----------------------------------------------------------- */

static const char *const order_name[SCAN_ORDERS] = { "importance", "papa" };

/* --max-loss: over every curve, the most heads whose accuracy stays within
 * the loss (ties: the smaller loss, then the first mode and order). */
typedef struct preset_pick {
	int mi, o, k;
	double acc0, acc;
} preset_pick;

static bool
pick_preset(const scan_data *d, double max_loss, preset_pick *best)
{
	double *acc = xmalloc(sizeof(double) * (size_t)(d->LH + 1));

	*best = (preset_pick){ -1, -1, -1, 0, 0 };
	for (int mi = 0; d->has_curve && mi < d->nmodes; mi++)
		for (int o = 0; o < SCAN_ORDERS; o++) {
			if (o == SCAN_BY_PAPA && !d->has_papa)
				continue;
			scan_curve(d, mi, o, acc);
			for (int kk = d->LH; kk >= 0; kk--)
				if (acc[0] - acc[kk] <= max_loss + 1e-12) {
					if (kk > best->k || (kk == best->k && acc[kk] > best->acc))
						*best = (preset_pick){ mi, o, kk, acc[0], acc[kk] };
					break;
				}
		}
	free(acc);
	return best->k >= 0;
}

/* A number as the format writes it: %.9g, or `none` where there is none
 * (an interval of one sentence). */
static void
put_num(FILE *f, const char *sep, double v, const char *none)
{
	fputs(sep, f);
	if (isfinite(v))
		fprintf(f, "%.9g", v);
	else
		fputs(none, f);
}

static void
json_num(FILE *f, double v)
{
	put_num(f, "", v, "null");
}

/* A JSON string of s, control bytes made harmless. */
static void
json_str(FILE *f, const char *s)
{
	char esc[512];

	util_term_safe(s, esc, sizeof esc);
	fputc('"', f);
	for (const char *p = esc; *p; p++)
		fprintf(f, *p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
	fputc('"', f);
}

static void
write_json(FILE *f, const scan_data *d, const preset_pick *pp, const char *preset)
{
	double *acc = xmalloc(sizeof(double) * (size_t)(d->LH + 1));

	fprintf(f, "{\n  \"model\": ");
	json_str(f, d->model);
	fprintf(f, ",\n  \"layers\": %d, \"heads\": %d,\n", d->layers, d->heads);
	fprintf(f, "  \"seed\": %llu, \"mask_rate\": %.2f, \"masking\": \"mask\",\n",
	    (unsigned long long)d->seed, SCAN_RATE);
	fprintf(f, "  \"sentences\": %zu, \"unmaskable\": %llu, \"masks\": %llu,\n", d->count,
	    (unsigned long long)d->unmaskable, (unsigned long long)scan_masks(d));
	fprintf(f, "  \"modes\": [");
	for (int mi = 0; mi < d->nmodes; mi++) {
		fprintf(f, "%s\n    {\"mode\": \"%s\",\n     \"heads\": [", mi ? "," : "",
		    enc_mode_name((head_mode)d->mode[mi]));
		for (int lh = 0; lh < d->LH; lh++) {
			scan_stat kl, dr;
			scan_head_stat(d, mi, lh, false, &kl);
			scan_head_stat(d, mi, lh, true, &dr);
			fprintf(f, "%s\n      {\"layer\": %d, \"head\": %d, \"kl\": ", lh ? "," : "",
			    lh / d->heads + 1, lh % d->heads + 1);
			json_num(f, kl.mean);
			fputs(", \"kl_ci\": ", f);
			json_num(f, kl.half);
			fputs(", \"drop\": ", f);
			json_num(f, dr.mean);
			fputs(", \"drop_ci\": ", f);
			json_num(f, dr.half);
			fputc('}', f);
		}
		fputs("],\n     \"curves\": [", f);
		bool first = true;
		for (int o = 0; d->has_curve && o < SCAN_ORDERS; o++) {
			const int *ord = d->order + ((size_t)mi * SCAN_ORDERS + (size_t)o) * (size_t)d->LH;
			if (o == SCAN_BY_PAPA && !d->has_papa)
				continue;
			scan_curve(d, mi, o, acc);
			fprintf(f, "%s\n       {\"order\": \"%s\", \"heads\": [", first ? "" : ",",
			    order_name[o]);
			for (int kk = 0; kk < d->LH; kk++)
				fprintf(f, "%s\"L%dH%d\"", kk ? ", " : "", ord[kk] / d->heads + 1,
				    ord[kk] % d->heads + 1);
			fputs("],\n        \"accuracy\": [", f);
			for (int kk = 0; kk <= d->LH; kk++) {
				if (kk)
					fputs(", ", f);
				json_num(f, acc[kk]);
			}
			fputs("]}", f);
			first = false;
		}
		fputs("]}", f);
	}
	fputs("]", f);
	if (!d->has_curve)
		fputs(",\n  \"curves_note\": \"partial files without --ranking carry no curves: "
		    "scan the shards again with --ranking\"", f);
	if (pp != NULL) {
		fprintf(f, ",\n  \"preset\": {\"file\": ");
		json_str(f, preset);
		fprintf(f, ", \"mode\": \"%s\", \"order\": \"%s\", \"heads\": %d, \"accuracy\": ",
		    enc_mode_name((head_mode)d->mode[pp->mi]), order_name[pp->o], pp->k);
		json_num(f, pp->acc);
		fputs(", \"base_accuracy\": ", f);
		json_num(f, pp->acc0);
		fputc('}', f);
	}
	fputs("\n}\n", f);
	free(acc);
}

static void
tsv_num(FILE *f, double v)
{
	put_num(f, "\t", v, "-");
}

static void
write_tsv(FILE *f, const scan_data *d)
{
	double *acc = xmalloc(sizeof(double) * (size_t)(d->LH + 1));

	fputs("#head\tmode\tlayer\thead\tkl\tkl_ci\tdrop\tdrop_ci\n", f);
	for (int mi = 0; mi < d->nmodes; mi++)
		for (int lh = 0; lh < d->LH; lh++) {
			scan_stat kl, dr;
			scan_head_stat(d, mi, lh, false, &kl);
			scan_head_stat(d, mi, lh, true, &dr);
			fprintf(f, "head\t%s\t%d\t%d", enc_mode_name((head_mode)d->mode[mi]),
			    lh / d->heads + 1, lh % d->heads + 1);
			tsv_num(f, kl.mean);
			tsv_num(f, kl.half);
			tsv_num(f, dr.mean);
			tsv_num(f, dr.half);
			fputc('\n', f);
		}
	fputs("#curve\tmode\torder\treplaced\tlayer\thead\taccuracy\n", f);
	for (int mi = 0; d->has_curve && mi < d->nmodes; mi++)
		for (int o = 0; o < SCAN_ORDERS; o++) {
			const int *ord = d->order + ((size_t)mi * SCAN_ORDERS + (size_t)o) * (size_t)d->LH;
			if (o == SCAN_BY_PAPA && !d->has_papa)
				continue;
			scan_curve(d, mi, o, acc);
			for (int kk = 0; kk <= d->LH; kk++) {
				fprintf(f, "curve\t%s\t%s\t%d\t", enc_mode_name((head_mode)d->mode[mi]),
				    order_name[o], kk);
				if (kk == 0)
					fputs("-\t-", f);
				else
					fprintf(f, "%d\t%d", ord[kk - 1] / d->heads + 1, ord[kk - 1] % d->heads + 1);
				tsv_num(f, acc[kk]);
				fputc('\n', f);
			}
		}
	free(acc);
}

/* The partial file, or the result (and the preset) to -o or stdout. */
static int
finish(const scan_opts *o, scan_data *d, heed_err *e)
{
	preset_pick pp;
	bool have_pp = false;
	char *text = NULL;
	size_t len = 0;
	int rc = HEED_OK;

	if (o->partial)
		return scan_save(o->out, d, e);
	if (o->max_loss >= 0.0) {
		if (!d->has_curve)
			return err_set(e, HEED_EINVAL, "--max-loss needs the replacement curves, which "
			    "these partial files lack (scan the shards with --ranking)");
		have_pp = pick_preset(d, o->max_loss, &pp);
		if (have_pp) {
			uint8_t *modes = xcalloc((size_t)d->LH, 1);
			const int *ord = d->order + ((size_t)pp.mi * SCAN_ORDERS + (size_t)pp.o) * (size_t)d->LH;
			for (int kk = 0; kk < pp.k; kk++)
				modes[ord[kk]] = d->mode[pp.mi];
			rc = enc_modes_save(o->preset, modes, d->layers, d->heads, e);
			free(modes);
			if (rc < 0)
				return rc;
			if (!o->quiet)
				fprintf(stderr, "heed: scan: wrote %s: %d heads to %s (%s order), masked-LM "
				    "accuracy %.4f -> %.4f\n", o->preset, pp.k,
				    enc_mode_name((head_mode)d->mode[pp.mi]), order_name[pp.o], pp.acc0, pp.acc);
		}
	}
	FILE *f = o->out != NULL ? open_memstream(&text, &len) : stdout;
	if (f == NULL)
		return err_set(e, HEED_ENOMEM, "no memory for the output");
	if (o->format == FMT_JSON)
		write_json(f, d, have_pp ? &pp : NULL, o->preset);
	else
		write_tsv(f, d);
	if (o->out == NULL)
		return cli_finish_stdout("scan") < 0 ? HEED_EWRITE : HEED_OK;
	fclose(f);
	rc = util_write_atomic(o->out, text, len, e);
	free(text);
	return rc;
}

static int
run(int argc, char **argv, const scan_opts *o)
{
	scanner k = { .o = *o };
	scan_data *rank = NULL;
	size_t *rec_of = NULL;
	heed_err e = { "" };
	int rc;

	if ((rc = scan_open(&k, argc, argv, &e)) < 0)
		goto out;
	if (o->ranking != NULL && (rc = load_ranking(&k, &rank, &e)) < 0)
		goto out;
	rec_of = xmalloc(sizeof(size_t) * k.corp.count);
	if ((rc = pass_importance(&k, rec_of, &e)) < 0)
		goto out;
	if (rank != NULL || k.o.shards == 0) {
		int *papa = NULL;
		if (k.h.cal != NULL) {
			papa = xmalloc(sizeof(int) * (size_t)k.LH);
			enc_rank_heads(k.h.cal, papa);
		}
		scan_set_orders(k.d, rank != NULL ? rank : k.d, papa);
		free(papa);
		if (k.d->count > 0)
			rc = pass_curves(&k, rec_of, &e);
		else
			scan_add_curves(k.d);
	}
	if (rc == HEED_OK && k.d->count == 0 && !o->quiet)
		fprintf(stderr, "heed: scan: note: no sentence had a token to mask\n");
	if (rc == HEED_OK)
		rc = finish(o, k.d, &e);
out:
	if (rc < 0 && e.msg[0] != '\0')
		cli_error("scan", "%s", e.msg);
	free(rec_of);
	scan_free(rank);
	scan_close(&k);
	return cli_exit_code(rc);
}

static int
merge(int argc, char **argv, const scan_opts *o)
{
	scan_data *d = NULL, *b = NULL;
	heed_err e = { "" };
	int rc = HEED_OK;

	for (int i = optind; i < argc && rc == HEED_OK; i++) {
		if ((rc = scan_load(argv[i], i == optind ? &d : &b, &e)) < 0)
			break;
		if (b != NULL && (rc = scan_merge(d, b, &e)) < 0) {
			char msg[sizeof e.msg];
			snprintf(msg, sizeof msg, "%s", e.msg);
			err_set(&e, rc, "%s: %s", argv[i], msg);
		}
		scan_free(b);
		b = NULL;
	}
	if (rc == HEED_OK && d->shards > 1 && !o->partial)
		rc = err_set(&e, HEED_EINVAL, "%s is one shard of %d: merge every shard", argv[optind],
		    d->shards);
	if (rc == HEED_OK && (uint64_t)d->count + d->unmaskable != d->seen && !o->partial)
		rc = err_set(&e, HEED_EINVAL, "the files hold %llu of the corpus's %llu sentences: "
		    "a shard is missing", (unsigned long long)(d->count + d->unmaskable),
		    (unsigned long long)d->seen);
	if (rc == HEED_OK) {
		if (!o->partial)
			d->shard = d->shards = 0;
		rc = finish(o, d, &e);
	}
	if (rc < 0 && e.msg[0] != '\0')
		cli_error("scan", "%s", e.msg);
	scan_free(d);
	return cli_exit_code(rc);
}

int
cmd_scan(int argc, char **argv)
{
	scan_opts o;
	int rc = scan_parse_args(argc, argv, &o);

	if (rc != 0)
		return rc > 0 ? 0 : EXIT_USAGE;
	return o.merge ? merge(argc, argv, &o) : run(argc, argv, &o);
}
