/* tui.c — `heed` with no command: the explorer's options and loading,
 * then the core's run (app.c).  The only file of src/tui that the rest of
 * heed calls, through include/heed/tui.h. */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include "heed/tui.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heed/open.h"
#include "app.h"
#include "term.h"

typedef struct tui_opts {
	const char *model;
	const char *modes;
	const char *mlm_head;   /* --mlm-head NAME */
	const char *lesson;     /* --lesson FILE */
	char *sentence;         /* joined from the arguments, malloc'd */
	pal_kind pal;
	bool mouse;
	int threads;            /* encoder threads; 0: enc_default_threads() */
} tui_opts;

static void
usage(FILE *f)
{
	fprintf(f,
	    "Usage: heed [-m MODEL] [--modes SPEC] [--palette NAME] [--no-mouse] [--threads N]\n"
	    "            [--mlm-head NAME]\n"
	    "            [--lesson FILE | SENTENCE]\n"
	    "\n"
	    "Open the attention explorer.\n"
	    "  -m, --model MODEL   model folder or hub name (default: the bundled heed-mini)\n"
	    "      --modes SPEC    initial head modes, e.g. papa-half, L2H5=uniform, a preset file\n"
	    "      --palette NAME  viridis (default), cividis or gray\n"
	    "      --mlm-head NAME masked-LM head: transformers (default) or emd (DeBERTa-v3)\n"
	    "      --no-mouse      leave the mouse to the terminal\n"
	    "      --threads N     encoder threads (default: the CPUs online, at most 8)\n"
	    "      --lesson FILE   step through a lesson (n next, p back; see heed(1))\n"
	    "  -h, --help          show this help\n"
	    "\n"
	    "Press ? inside for the keys; see heed(1).\n");
}

/* 0: run; 1: --help printed; -1: usage error printed. */
static int
parse_opts(int argc, char **argv, tui_opts *o)
{
	static const struct option longopts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "modes", required_argument, NULL, 'M' },
		{ "palette", required_argument, NULL, 'p' },
		{ "mlm-head", required_argument, NULL, 'E' },
		{ "no-mouse", no_argument, NULL, 'n' },
		{ "threads", required_argument, NULL, 't' },
		{ "lesson", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof *o);
	o->mouse = true;
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': o->model = optarg; break;
		case 'M': o->modes = optarg; break;
		case 'E': o->mlm_head = optarg; break;
		case 'n': o->mouse = false; break;
		case 'l': o->lesson = optarg; break;
		case 'h': usage(stdout); return 1;
		case 't': {
			heed_err e;
			if (util_parse_int("--threads", optarg, 1, 64, &o->threads, &e) == HEED_OK)
				break;
			fprintf(stderr, "heed: %s\n", e.msg);
			return -1;
		}
		case 'p':
			if (pal_parse(optarg, &o->pal) == 0 && o->pal != PAL_DIVERGING)
				break;
			fprintf(stderr, "heed: unknown palette '%s' (viridis, cividis, gray)\n", optarg);
			return -1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (o->lesson != NULL && (optind < argc || o->modes != NULL)) {
		fprintf(stderr, "heed: --lesson sets the sentences and modes: give neither\n");
		return -1;
	}
	o->sentence = optind < argc ? util_join_args(argc - optind, argv + optind) : NULL;
	return 0;
}

/* heed_open does resolve → model → vocabulary → calibration → modes; the
 * app takes over what it loaded (app_free frees it).  Calibration is
 * optional: without it average and dense are unavailable. */
static int
load(app *a, const tui_opts *o, heed_err *e)
{
	heed_open_opts oo = { o->model, NULL, o->modes, HEED_OPEN_WEIGHTS | HEED_OPEN_VOCAB |
	    HEED_OPEN_CALIB | HEED_OPEN_PROGRESS, o->mlm_head };
	heed_session h;
	int rc;

	if ((rc = heed_open(&oo, &h, e)) < 0)
		return rc;
	a->m = h.m;
	a->model_arg = o->model;
	a->vocab = h.vocab;
	a->cal = h.cal;
	a->modes = h.modes;
	if (h.cal == NULL && h.cal_absent)
		app_message(a, "average, dense off: no calibration");
	else if (h.cal == NULL)
		app_message(a, "%s; average and dense modes are disabled", h.cal_err.msg);
	free(h.cal_path);
	free(h.dir);
	a->layers = a->m->cfg.layers;
	a->heads = a->m->cfg.heads;
	a->max_tokens = h.max_tokens;
	a->ids = xcalloc((size_t)a->max_tokens, sizeof *a->ids);
	frame_words_init(&a->words, a->max_tokens);
	/* a lesson that does not fit this model is refused before the screen
	 * changes, with the line to fix */
	if (o->lesson != NULL && ((rc = lesson_load(o->lesson, &a->lesson, e)) < 0 ||
	    (rc = lesson_bind(a->lesson, a->layers, a->heads, a->cal, a->vocab, a->watch, e)) < 0))
		return rc;
	return HEED_OK;
}

int
tui_main(int argc, char **argv)
{
	tui_opts o;
	app a;
	heed_err e;
	int rc;

	rc = parse_opts(argc, argv, &o);
	if (rc != 0)
		return rc > 0 ? HEED_OK : HEED_EINVAL;
	app_init(&a);
	util_set_oom_hook(term_end);   /* give the terminal back before saying so */
	a.pal = o.pal;
	if (getenv("HEED_TRACE") != NULL && (a.trace = fopen(getenv("HEED_TRACE"), "a")) == NULL) {
		fprintf(stderr, "heed: HEED_TRACE: cannot open %s\n", getenv("HEED_TRACE"));
		app_free(&a);
		free(o.sentence);
		return HEED_EIO;
	}
	rc = load(&a, &o, &e);
	/* the worker's two encoders run on o.threads threads */
	if (rc == HEED_OK)
		rc = heed_blas_reserve(o.threads > 0 ? o.threads : enc_default_threads(), &e);
	if (rc == HEED_OK)
		rc = app_run(&a, o.mouse, o.threads, o.sentence, &e);
	term_end();
	if (rc < 0) {
		char safe[sizeof e.msg];
		fprintf(stderr, "heed: %s\n", util_term_safe(e.msg, safe, sizeof safe));
	}
	app_free(&a);
	free(o.sentence);
	return rc;
}
