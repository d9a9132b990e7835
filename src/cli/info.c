/* info.c — `heed info [-m MODEL]`: what heed made of a model folder.
 *
 * Opens the model the way every command does (heed_open: config, weights,
 * tokenizer, calibration) and prints what the loaded structures say: the
 * family and shape, the tokenizer, the weight files, their format and
 * dtype, whether a masked-LM head is there, and whether a calibration file
 * is there and belongs to these weights.  A folder that does not load
 * fails here with the same one-line message the other commands give.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "heed/open.h"
#include "cli.h"

static void
info_usage(FILE *f)
{
	fprintf(f,
	    "Usage: heed info [-m MODEL]\n"
	    "Print what heed reads from a model folder: family, layers x heads, hidden\n"
	    "size, vocabulary, tokenizer and its files, weight files, format and dtype,\n"
	    "masked-LM head, and calibration (present, and whether it matches).\n"
	    "\n"
	    "  -m, --model MODEL   model folder or hub name (default: heed-mini)\n"
	    "  -c, --calib FILE    calibration file (default: MODEL/heed.calib)\n"
	    "  -h, --help          this help\n");
}

static int
info_parse_args(int argc, char **argv, const char **model_arg, const char **calpath)
{
	static const struct option opts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "calib", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*model_arg = NULL;
	*calpath = NULL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm': *model_arg = optarg; break;
		case 'c': *calpath = optarg; break;
		case 'h': info_usage(stdout); return 1;
		default:
			fprintf(stderr, "heed: info: see heed info --help\n");
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "heed: info: unexpected arguments\n");
		return -1;
	}
	return 0;
}

static const char *
dtype_name(st_dtype dt)
{
	return dt == ST_F32 ? "F32" : dt == ST_F16 ? "F16" : "BF16";
}

static void
print_weights(const model *m)
{
	printf("%-12s %s %s, %s", "weights", dtype_name(m->file_dtype), m->weights_format,
	    m->weights);
	if (m->weights_files > 1)
		printf(" (%d shards)", m->weights_files);
	printf("\n%-12s %.0f ms\n", "loaded in", m->load_ms);
}

static void
print_heads(const model *m)
{
	printf("%-12s ", "MLM head");
	if (!m->has_mlm)
		printf("no (attention only; no predictions)\n");
	else
		printf("yes, decoder %s%s\n", m->mlm_dec.data == m->word_emb.data ?
		    "tied to the word embeddings" : "its own weights", m->emd_ok ?
		    "; enhanced mask decoder with --mlm-head emd" : "");
	if (m->has_rtd)
		printf("%-12s yes (ELECTRA discriminator)\n", "RTD head");
}

static void
print_tokenizer(const heed_session *h)
{
	tok_specials sp = tok_vocab_specials(h->vocab);
	const char *mask = sp.mask >= 0 ? tok_piece(h->vocab, sp.mask) : NULL;

	printf("%-12s %s, %s (%d ids", "tokenizer", tok_kind(h->vocab), tok_source(h->vocab),
	    tok_vocab_size(h->vocab));
	if (mask != NULL)
		printf(", mask %s", mask);
	printf(")\n");
}

static void
print_calib(const heed_session *h)
{
	printf("%-12s ", "calibration");
	if (h->cal != NULL)
		printf("%s: belongs to this model (%llu sentences, layout length %d)\n",
		    h->cal_path, (unsigned long long)h->cal->sentences, h->cal->L);
	else if (h->cal_absent || h->cal_path == NULL)
		printf("none (%s; heed calibrate makes it)\n",
		    h->cal_path ? h->cal_path : "no file");
	else
		printf("present but not usable: %s\n", h->cal_err.msg);
}

static void
print_info(const heed_session *h)
{
	const model *m = h->m;
	const model_config *c = &m->cfg;

	printf("%-12s %s (%s)\n", "model", m->name, h->dir);
	printf("%-12s %s\n", "family", model_arch_name(c->arch));
	printf("%-12s %d layers x %d heads, hidden %d (head size %d), FFN %d\n", "shape",
	    c->layers, c->heads, c->hidden, c->hidden / c->heads, c->ffn);
	if (c->emb != c->hidden)
		printf("%-12s %d, projected to %d\n", "embeddings", c->emb, c->hidden);
	printf("%-12s %d (inputs up to %d tokens)\n", "positions", c->max_pos, h->max_tokens);
	printf("%-12s %d\n", "vocabulary", c->vocab_size);
	print_tokenizer(h);
	print_weights(m);
	print_heads(m);
	print_calib(h);
}

int
cmd_info(int argc, char **argv)
{
	const char *model_arg, *calpath;
	heed_session h = { 0 };
	heed_err e;
	int rc = info_parse_args(argc, argv, &model_arg, &calpath);

	if (rc != 0)
		return rc > 0 ? 0 : EXIT_USAGE;
	heed_open_opts oo = { model_arg, calpath, NULL,
		HEED_OPEN_WEIGHTS | HEED_OPEN_VOCAB | HEED_OPEN_CALIB, NULL };
	if ((rc = heed_open(&oo, &h, &e)) == HEED_OK) {
		print_info(&h);
		rc = cli_finish_stdout("info");
	}
	if (rc < 0 && rc != HEED_EWRITE)
		cli_error("info", "%s", e.msg);
	heed_close(&h);
	return heed_exit_code(rc);
}
