/* dump.c — `heed dump`: tokens, attention matrices and masked-word
 * predictions for sentences, as JSON or TSV, without the TUI.
 *
 * For scripts, notebooks and tests: the same encoder, tokenizer and head
 * modes as the explorer, one sentence per argument or per line of stdin.
 * JSON is streamed one sentence at a time, so a long input never has to
 * fit in memory as one document.
 */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <utf8proc.h>

#include "heed/calib.h"
#include "heed/enc.h"
#include "heed/model.h"
#include "heed/open.h"
#include "heed/tok.h"
#include "heed/util.h"
#include "heed/words.h"
#include "cli.h"

#define DUMP_MAX_TOPK 100

typedef struct dump_opts {
	const char *model, *format, *spec, *calpath;
	const char *mlm_head;  /* --mlm-head NAME */
	bool json, predict_all;
	bool words;          /* attention between words, not pieces */
	int layer, head;     /* 0-based; -1 = all */
	int topk;
	int max_tokens;       /* --max-tokens N; 0: the model's positions */
} dump_opts;

typedef struct dump_ctx {
	dump_opts o;
	heed_session h;      /* owns m, v, cal and modes */
	const model *m;
	const tok_vocab *v;
	const calib *cal;
	const uint8_t *modes;/* [layers*heads] */
	enc_state *s;        /* sized for the longest sentence so far */
	tok_ws *ws;          /* the tokenizer's buffers */
	int index;           /* sentences dumped so far */
	int cap;             /* tokens kept of each input: --max-tokens or the positions */
	int *ids;            /* [cap] */
	int *types;          /* [cap] token type ids */
	int *top_ids;        /* [topk] */
	float *top_p;
	float *replaced;     /* [n] ELECTRA discriminator's P(replaced) */
	int *wfirst;         /* --words: [n+1] first token of each word */
	float *wattn;        /* --words: [nw][nw] one head's word attention */
	int nw;
	bool warned_mlm;
	bool from_stdin;     /* no sentence arguments: one a line on stdin */
	int nonfinite;       /* sentences whose results were not all finite */
} dump_ctx;

static void
dump_usage(FILE *f)
{
	fprintf(f,
	    "Usage: heed dump [OPTIONS] [SENTENCE...]\n"
	    "Print tokens, attention and masked-word predictions for each SENTENCE\n"
	    "(or for each line of standard input when none is given).  A TAB or\n"
	    "\" ||| \" in a SENTENCE makes a sentence pair, joined by the model's\n"
	    "own pair template (BERT: [CLS] A [SEP] B [SEP], B of token type 1).\n"
	    "\n"
	    "  -m, --model MODEL    model folder or hub name (default: heed-mini)\n"
	    "  -f, --format F       json (default) or tsv\n"
	    "  -l, --layer L        only layer L (1-based; default: all layers)\n"
	    "  -H, --head H         only head H (1-based; default: all heads)\n"
	    "  -k, --top-k K        predictions per position (default 5, at most %d)\n"
	    "  -p, --predict WHERE  mask (default): predict at every [MASK];\n"
	    "                       all: at every position\n"
	    "  -M, --modes SPEC     head modes, e.g. papa-half, all=average, L2H5=uniform\n"
	    "                       (see heed(1)); average and dense need a calibration\n"
	    "  -c, --calib FILE     calibration file (default: MODEL/heed.calib)\n"
	    "      --max-tokens N   cut each input to N tokens (default: all the model's\n"
	    "                       positions allow)\n"
	    "      --mlm-head NAME  masked-LM head: transformers (default) or emd\n"
	    "                       (DeBERTa-v3's enhanced mask decoder)\n"
	    "  -w, --words          attention between words, not word pieces: to a word\n"
	    "                       summed over its pieces, from a word averaged\n"
	    "  -h, --help           this help\n"
	    "\n"
	    "JSON: one document {\"model\", \"layers\", \"heads\", \"sentences\": [{\"text\",\n"
	    "\"n\", \"n_full\", \"truncated\", \"tokens\": [{\"piece\", \"text\", \"id\", \"begin\",\n"
	    "\"end\"} and for a pair \"segment\" (0 A, 1 B) and \"type\" (token type id)],\n"
	    "\"attention\": [{\"layer\", \"head\", \"mode\", \"weights\": [query][key]}],\n"
	    "\"predictions\": [{\"pos\", \"top\": [{\"id\", \"piece\", \"prob\"}]}]}]}.\n"
	    "Spans are byte offsets [begin, end) into the sentence; -1 for [CLS]/[SEP].\n"
	    "With --words each token also has \"word\" (its word in the sentence, as\n"
	    "Hugging Face's word_ids(); null for [CLS]/[SEP]), the sentence has \"words\":\n"
	    "[{\"text\", \"first\", \"end\"}] (tokens [first, end)), and \"weights\" are\n"
	    "[query word][key word].\n"
	    "TSV: tab-separated records, the first field naming the kind (in text\n"
	    "and pieces \\ \\t \\n \\r stand for those characters, \\xHH for other\n"
	    "control bytes):\n"
	    "  sentence INDEX N N_FULL TEXT\n"
	    "  token    INDEX POS PIECE ID BEGIN END SEGMENT TYPE\n"
	    "  attn     INDEX LAYER HEAD MODE QUERY W_0 ... W_N-1\n"
	    "  pred     INDEX POS RANK PIECE ID PROB\n"
	    "  word     INDEX W FIRST END TEXT          (--words; QUERY and W_k are words)\n"
	    "Layers, heads and sentence indices are 1-based, positions 0-based.\n"
	    "Exit status: 0 done, 1 usage error, 2 bad model, calibration or input.\n",
	    DUMP_MAX_TOPK);
}

/* ---- options ----------------------------------------------------------- */

/* 0 to go on, 1 after --help, -1 on a usage error (already reported). */
static int
dump_parse_args(int argc, char **argv, dump_opts *o)
{
	static const struct option opts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "format", required_argument, NULL, 'f' },
		{ "layer", required_argument, NULL, 'l' },
		{ "head", required_argument, NULL, 'H' },
		{ "top-k", required_argument, NULL, 'k' },
		{ "predict", required_argument, NULL, 'p' },
		{ "modes", required_argument, NULL, 'M' },
		{ "calib", required_argument, NULL, 'c' },
		{ "mlm-head", required_argument, NULL, 'E' },
		{ "max-tokens", required_argument, NULL, 'T' },
		{ "words", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *predict = "mask";
	heed_err e;
	int c;

	*o = (dump_opts){ .format = "json", .layer = -1, .head = -1, .topk = 5 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:f:l:H:k:p:M:c:wh", opts, NULL)) != -1) {
		int rc = HEED_OK;
		switch (c) {
		case 'm': o->model = optarg; break;
		case 'f': o->format = optarg; break;
		case 'l': rc = util_parse_int("--layer", optarg, 1, 1 << 20, &o->layer, &e); o->layer--; break;
		case 'H': rc = util_parse_int("--head", optarg, 1, 1 << 20, &o->head, &e); o->head--; break;
		case 'k': rc = util_parse_int("--top-k", optarg, 1, DUMP_MAX_TOPK, &o->topk, &e); break;
		case 'p': predict = optarg; break;
		case 'M': o->spec = optarg; break;
		case 'c': o->calpath = optarg; break;
		case 'E': o->mlm_head = optarg; break;
		case 'T': rc = util_parse_int("--max-tokens", optarg, 2, 1 << 20, &o->max_tokens, &e); break;
		case 'w': o->words = true; break;
		case 'h': dump_usage(stdout); return 1;
		default: rc = HEED_EINVAL; e.msg[0] = '\0'; break;
		}
		if (rc < 0) {
			if (e.msg[0] != '\0')
				cli_error("dump", "%s", e.msg);
			fprintf(stderr, "heed: dump: see heed dump --help\n");
			return -1;
		}
	}
	o->json = strcmp(o->format, "json") == 0;
	o->predict_all = strcmp(predict, "all") == 0;
	if ((!o->json && strcmp(o->format, "tsv") != 0) ||
	    (!o->predict_all && strcmp(predict, "mask") != 0)) {
		fprintf(stderr, "heed: dump: --format takes json or tsv, --predict mask or all\n");
		return -1;
	}
	return 0;
}

/* ---- setup ------------------------------------------------------------- */

static int
dump_open(dump_ctx *d, heed_err *e)
{
	/* presets such as papa-half rank heads by calibration statistics, so a
	 * calibration is read when there is one even for input-only results */
	heed_open_opts oo = { d->o.model, d->o.calpath, d->o.spec, HEED_OPEN_WEIGHTS |
	    HEED_OPEN_VOCAB | (d->o.spec != NULL ? HEED_OPEN_CALIB : 0), d->o.mlm_head };
	const model_config *c;
	struct stat sb;
	int rc;

	/* reading a folder fails, and getline would take that for the end */
	if (d->from_stdin && fstat(STDIN_FILENO, &sb) == 0 && S_ISDIR(sb.st_mode))
		return err_set(e, HEED_EFORMAT, "standard input: is a folder, not text");
	if ((rc = heed_open(&oo, &d->h, e)) < 0)
		return rc;
	d->m = d->h.m;
	d->v = d->h.vocab;
	d->cal = d->h.cal;
	d->modes = d->h.modes;
	c = &d->m->cfg;
	if (d->o.layer >= c->layers || d->o.head >= c->heads)
		return err_set(e, HEED_EINVAL, "%s has %d layers of %d heads", d->m->name,
			       c->layers, c->heads);
	d->cap = d->o.max_tokens > 0 && d->o.max_tokens < c->max_tokens ? d->o.max_tokens :
	    c->max_tokens;
	d->ids = xmalloc(sizeof(int) * (size_t)d->cap);
	d->types = xmalloc(sizeof(int) * (size_t)d->cap);
	d->ws = tok_ws_new();
	d->top_ids = xmalloc(sizeof(int) * (size_t)d->o.topk);
	d->top_p = xmalloc(sizeof(float) * (size_t)d->o.topk);
	if (d->o.words) {
		d->wfirst = xmalloc(sizeof(int) * ((size_t)d->cap + 1));
		d->wattn = xmalloc(sizeof(float) * (size_t)d->cap * (size_t)d->cap);
	}
	return HEED_OK;
}

static void
dump_close(dump_ctx *d)
{
	free(d->ids);
	free(d->types);
	tok_ws_free(d->ws);
	free(d->top_ids);
	free(d->top_p);
	free(d->replaced);
	free(d->wfirst);
	free(d->wattn);
	enc_free(d->s);
	heed_close(&d->h);
}

/* ---- what to print ----------------------------------------------------- */

static bool
predict_at(const dump_ctx *d, const tok_result *r, int pos)
{
	if (!d->m->has_mlm)
		return false;
	return d->o.predict_all || r->tok[pos].id == tok_vocab_specials(d->v).mask;
}

static int
layer_lo(const dump_ctx *d) { return d->o.layer < 0 ? 0 : d->o.layer; }
static int
layer_hi(const dump_ctx *d) { return d->o.layer < 0 ? d->m->cfg.layers : d->o.layer + 1; }
static int
head_lo(const dump_ctx *d) { return d->o.head < 0 ? 0 : d->o.head; }
static int
head_hi(const dump_ctx *d) { return d->o.head < 0 ? d->m->cfg.heads : d->o.head + 1; }

static head_mode
mode_of(const dump_ctx *d, int l, int h)
{
	return (head_mode)d->modes[l * d->m->cfg.heads + h];
}

/* JSON strings must be valid UTF-8: invalid bytes become U+FFFD. */
static json_t *
json_text(const char *s)
{
	size_t len = strlen(s), o = 0;
	char *buf = xmalloc(len * 3 + 1);

	for (size_t i = 0; i < len;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
						      (utf8proc_ssize_t)(len - i), &cp);
		if (k < 0) {
			memcpy(buf + o, "\xEF\xBF\xBD", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(buf + o, s + i, (size_t)k);
		o += (size_t)k;
		i += (size_t)k;
	}
	json_t *j = json_stringn(buf, o);
	free(buf);
	return j;
}

/* ---- JSON -------------------------------------------------------------- */

/* Each token's raw vocabulary piece and the same piece made readable
 * (tok_display: byte-level and SentencePiece marks decoded). */
static json_t *
json_tokens(const dump_ctx *d, const tok_result *r)
{
	json_t *a = json_array();
	char text[256];

	for (int t = 0; t < r->n; t++) {
		json_t *o = json_pack("{s:o, s:o, s:i, s:i, s:i}",
		    "piece", json_text(tok_piece(d->v, r->tok[t].id)),
		    "text", json_text(tok_display(d->v, r->tok, r->n, t, text, sizeof text)),
		    "id", r->tok[t].id, "begin", r->tok[t].begin, "end", r->tok[t].end);

		if (r->pair) {
			json_object_set_new(o, "segment", json_integer(r->tok[t].seg));
			json_object_set_new(o, "type", json_integer(r->tok[t].type));
		}
		if (d->o.words)
			json_object_set_new(o, "word", r->tok[t].word >= 0 ? json_integer(r->tok[t].word)
			    : json_null());
		json_array_append_new(a, o);
	}
	return a;
}

/* JSON has no NaN or infinity (jansson refuses them): null marks one. */
static json_t *
json_num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *
json_matrix(const float *w, int n)
{
	json_t *rows = json_array();

	for (int i = 0; i < n; i++) {
		json_t *row = json_array();
		for (int j = 0; j < n; j++)
			json_array_append_new(row, json_num(w[(size_t)i * n + j]));
		json_array_append_new(rows, row);
	}
	return rows;
}

/* Head (l, h)'s matrix as printed, and its side: tokens, or words. */
static const float *
matrix(const dump_ctx *d, int l, int h, int n, int *side)
{
	if (!d->o.words) {
		*side = n;
		return enc_attn(d->s, l, h);
	}
	words_attention(enc_attn(d->s, l, h), n, d->wfirst, d->nw, d->wattn);
	*side = d->nw;
	return d->wattn;
}

static json_t *
json_attention(const dump_ctx *d, int n)
{
	json_t *a = json_array();
	int side;

	for (int l = layer_lo(d); l < layer_hi(d); l++)
		for (int h = head_lo(d); h < head_hi(d); h++) {
			const float *w = matrix(d, l, h, n, &side);

			json_array_append_new(a, json_pack("{s:i, s:i, s:s, s:o}",
			    "layer", l + 1, "head", h + 1, "mode", enc_mode_name(mode_of(d, l, h)),
			    "weights", json_matrix(w, side)));
		}
	return a;
}

/* The sentence's words (--words): their text and tokens [first, end). */
static json_t *
json_words(const dump_ctx *d, const char *text, const tok_result *r)
{
	const char *const texts[2] = { text, text };   /* tok_encode_line: spans into the line */
	json_t *a = json_array();
	size_t cap = strlen(text) + 256;   /* a whole word, or a special's piece */
	char *buf = xmalloc(cap);

	for (int w = 0; w < d->nw; w++)
		json_array_append_new(a, json_pack("{s:o, s:i, s:i}", "text",
		    json_text(words_text(d->v, r->tok, r->n, d->wfirst, w, texts, buf, cap)),
		    "first", d->wfirst[w], "end", d->wfirst[w + 1]));
	free(buf);
	return a;
}

static int
json_predictions(dump_ctx *d, const tok_result *r, json_t **out, heed_err *e)
{
	json_t *a = json_array();

	for (int pos = 0; pos < r->n; pos++) {
		if (!predict_at(d, r, pos))
			continue;
		int k = enc_mlm_topk(d->s, pos, d->o.topk, d->top_ids, d->top_p, e);
		if (k < 0) {
			json_decref(a);
			return k;
		}
		json_t *top = json_array();
		for (int j = 0; j < k; j++)
			json_array_append_new(top, json_pack("{s:i, s:o, s:o}", "id", d->top_ids[j],
			    "piece", json_text(tok_piece(d->v, d->top_ids[j])), "prob",
			    json_num(d->top_p[j])));
		json_array_append_new(a, json_pack("{s:i, s:o}", "pos", pos, "top", top));
	}
	*out = a;
	return HEED_OK;
}

/* ELECTRA discriminator: P(replaced) per token into d->replaced. */
static int
dump_replaced(dump_ctx *d, int n, heed_err *e)
{
	d->replaced = xrealloc(d->replaced, sizeof(float) * (size_t)n);
	return enc_replaced(d->s, d->replaced, e);
}

static int
json_sentence(dump_ctx *d, const char *text, const tok_result *r, heed_err *e)
{
	json_t *preds;
	int rc = json_predictions(d, r, &preds, e);

	if (rc < 0)
		return rc;
	json_t *o = json_pack("{s:o, s:i, s:i, s:b, s:o}", "text", json_text(text),
	    "n", r->n, "n_full", r->n_full, "truncated", r->truncated, "tokens", json_tokens(d, r));

	if (d->o.words)
		json_object_set_new(o, "words", json_words(d, text, r));
	json_object_set_new(o, "attention", json_attention(d, r->n));
	/* a checkpoint without a masked-LM head has no predictions to list */
	if (d->m->has_mlm)
		json_object_set_new(o, "predictions", preds);
	else
		json_decref(preds);
	if (d->m->has_rtd) {
		json_t *a = json_array();
		if ((rc = dump_replaced(d, r->n, e)) < 0) {
			json_decref(a);
			json_decref(o);
			return rc;
		}
		for (int t = 0; t < r->n; t++)
			json_array_append_new(a, json_real(d->replaced[t]));
		json_object_set_new(o, "replaced", a);
	}
	if (d->index > 1)
		fputs(",\n", stdout);
	json_dumpf(o, stdout, JSON_COMPACT | JSON_REAL_PRECISION(7));
	json_decref(o);
	return HEED_OK;
}

static void
json_begin(const dump_ctx *d)
{
	json_t *name = json_text(d->m->name != NULL ? d->m->name : d->h.dir);
	char *s = json_dumps(name, JSON_ENCODE_ANY);

	printf("{\"model\":%s,\"layers\":%d,\"heads\":%d,\"hidden\":%d,\"sentences\":[\n",
	       s, d->m->cfg.layers, d->m->cfg.heads, d->m->cfg.hidden);
	free(s);
	json_decref(name);
}

/* ---- TSV --------------------------------------------------------------- */


static int
tsv_sentence(dump_ctx *d, const char *text, const tok_result *r, heed_err *e)
{
	int n = r->n, i = d->index, side;
	const char *const texts[2] = { text, text };   /* tok_encode_line: spans into the line */
	size_t cap = strlen(text) + 256;
	char *buf;

	printf("sentence\t%d\t%d\t%d\t", i, n, r->n_full);
	cli_tsv_field(stdout, text);
	putchar('\n');
	for (int t = 0; t < n; t++) {
		printf("token\t%d\t%d\t", i, t);
		cli_tsv_field(stdout, tok_piece(d->v, r->tok[t].id));
		printf("\t%d\t%d\t%d\t%d\t%d\n", r->tok[t].id, r->tok[t].begin, r->tok[t].end,
		       r->tok[t].seg, r->tok[t].type);
	}
	buf = xmalloc(cap);
	for (int w = 0; w < d->nw && d->o.words; w++) {
		printf("word\t%d\t%d\t%d\t%d\t", i, w, d->wfirst[w], d->wfirst[w + 1]);
		cli_tsv_field(stdout, words_text(d->v, r->tok, r->n, d->wfirst, w, texts, buf, cap));
		putchar('\n');
	}
	free(buf);
	for (int l = layer_lo(d); l < layer_hi(d); l++)
		for (int h = head_lo(d); h < head_hi(d); h++) {
			const float *a = matrix(d, l, h, n, &side);
			for (int q = 0; q < side; q++) {
				printf("attn\t%d\t%d\t%d\t%s\t%d", i, l + 1, h + 1,
				       enc_mode_name(mode_of(d, l, h)), q);
				for (int k = 0; k < side; k++)
					printf("\t%.6g", a[(size_t)q * side + k]);
				putchar('\n');
			}
		}
	for (int pos = 0; pos < n; pos++) {
		if (!predict_at(d, r, pos))
			continue;
		int k = enc_mlm_topk(d->s, pos, d->o.topk, d->top_ids, d->top_p, e);
		if (k < 0)
			return k;
		for (int j = 0; j < k; j++) {
			printf("pred\t%d\t%d\t%d\t", i, pos, j + 1);
			cli_tsv_field(stdout, tok_piece(d->v, d->top_ids[j]));
			printf("\t%d\t%.6g\n", d->top_ids[j], d->top_p[j]);
		}
	}
	if (d->m->has_rtd) {
		int rc = dump_replaced(d, n, e);
		if (rc < 0)
			return rc;
		for (int t = 0; t < n; t++)
			printf("replaced\t%d\t%d\t%.6g\n", i, t, d->replaced[t]);
	}
	return HEED_OK;
}

/* ---- one sentence ------------------------------------------------------ */

static void
dump_warnings(dump_ctx *d, const tok_result *r)
{
	tok_specials sp = tok_vocab_specials(d->v);

	if (r->truncated)
		fprintf(stderr, "heed: warning: sentence %d: %d tokens, cut to the first %d\n",
			d->index, r->n_full, r->n);
	if (r->invalid_bytes > 0)
		fprintf(stderr, "heed: warning: sentence %d: %d invalid UTF-8 bytes skipped\n",
			d->index, r->invalid_bytes);
	for (int t = 0; t < r->n && !d->m->has_mlm && !d->warned_mlm; t++)
		if (r->tok[t].id == sp.mask || d->o.predict_all) {
			fprintf(stderr, "heed: warning: %s has no masked-LM head: no predictions\n",
				d->h.dir);
			d->warned_mlm = true;
		}
}

static int
dump_sentence(dump_ctx *d, const char *text, heed_err *e)
{
	heed_err why;
	tok_result r;
	int rc;

	rc = tok_encode_line(d->v, d->ws, text, strlen(text), d->m->cfg.lowercase,
			     d->cap, &r, e);
	if (rc < 0)
		return rc;
	if ((rc = heed_enc_reserve(d->m, &d->s, r.n, 0, e)) < 0)
		return rc;
	d->index++;
	dump_warnings(d, &r);
	for (int t = 0; t < r.n; t++) {
		d->ids[t] = r.tok[t].id;
		d->types[t] = r.tok[t].type;
	}
	if (d->o.words)
		d->nw = words_group(r.tok, r.n, d->wfirst);
	rc = enc_run_typed(d->s, d->ids, d->types, r.n, d->modes, d->cal, NULL, NULL, e);
	if (rc >= 0 && heed_check_finite(d->s, d->m, NULL, NULL, &why) < 0) {
		/* still printed, with null (JSON) or nan (TSV) where values are
		 * missing, and the exit status says the model is bad */
		cli_warn("sentence %d: %s", d->index, why.msg);
		d->nonfinite++;
	}
	if (rc >= 0)
		rc = d->o.json ? json_sentence(d, text, &r, e) : tsv_sentence(d, text, &r, e);
	return rc;
}

/* Sentences from stdin, one a line; blank lines are skipped. */
static int
dump_stdin(dump_ctx *d, heed_err *e)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = HEED_OK;

	errno = 0;
	while (rc >= 0 && (len = getline(&line, &cap, stdin)) != -1) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (line[strspn(line, " \t")] != '\0')
			rc = dump_sentence(d, line, e);
	}
	if (rc >= 0 && ferror(stdin)) {
		if (errno == ENOMEM)   /* getline could not grow its buffer */
			util_oom(cap);
		rc = err_set(e, HEED_EIO, "standard input: read error: %s", strerror(errno));
	}
	free(line);
	return rc;
}

int
cmd_dump(int argc, char **argv)
{
	dump_ctx d = { 0 };
	heed_err e = { "" };
	int rc = dump_parse_args(argc, argv, &d.o);

	if (rc != 0)
		return rc > 0 ? 0 : EXIT_USAGE;
	d.from_stdin = optind == argc;
	if ((rc = dump_open(&d, &e)) >= 0) {
		if (d.o.json)
			json_begin(&d);
		for (int i = optind; i < argc && rc >= 0; i++)
			rc = dump_sentence(&d, argv[i], &e);
		if (optind == argc && rc >= 0)
			rc = dump_stdin(&d, &e);
		if (d.o.json)
			fputs("\n]}\n", stdout);
		if (rc >= 0 && d.nonfinite > 0)
			rc = err_set(&e, HEED_EFORMAT, "%s: %d of %d sentences gave NaN or infinite "
			    "values (shown as %s)", d.h.dir, d.nonfinite, d.index,
			    d.o.json ? "null" : "nan");
	}
	if (rc < 0)
		cli_error(NULL, "%s", e.msg);
	dump_close(&d);
	if (cli_finish_stdout("dump") < 0 && rc >= 0)
		rc = HEED_EWRITE;
	return heed_exit_code(rc);
}
