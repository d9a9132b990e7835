/* app.c — `heed` with no command: options, loading, and the event loop.
 *
 * The libuv loop on the main thread owns the terminal: stdin through
 * uv_poll (keys are read with get_wch in nodelay mode), signals through
 * uv_signal, a zero-delay timer that turns a burst of edits into one job,
 * an async handle the encoder thread wakes, and a prepare handle that
 * redraws once per loop turn when something marked the screen dirty
 * (tmux's server_client_check_redraw).
 *
 * With HEED_TRACE=FILE heed appends, for every frame that first shows a
 * change's result, the milliseconds from the key to that frame (and of
 * those, the encoder thread's job and the drawing), and once the start-up
 * time to the first frame with a result (bench/tui_latency).
 */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cli/cli.h"
#include "keys.h"
#include "term.h"
#include "tui.h"


typedef struct tui_opts {
	const char *model;
	const char *modes;
	const char *sentence;   /* joined from the arguments, malloc'd */
	pal_kind pal;
	bool mouse;
	int threads;            /* encoder threads; 0: enc_default_threads() */
} tui_opts;

static void
usage(FILE *f)
{
	fprintf(f,
	    "Usage: heed [-m MODEL] [--modes SPEC] [--palette NAME] [--no-mouse] [--threads N]\n"
	    "            [SENTENCE]\n"
	    "\n"
	    "Open the attention explorer.\n"
	    "  -m, --model MODEL   model folder or hub name (default: the bundled heed-mini)\n"
	    "      --modes SPEC    initial head modes, e.g. papa-half, L2H5=uniform, a preset file\n"
	    "      --palette NAME  viridis (default) or gray\n"
	    "      --no-mouse      leave the mouse to the terminal\n"
	    "      --threads N     encoder threads (default: the CPUs online, at most 8)\n"
	    "  -h, --help          show this help\n"
	    "\n"
	    "Press ? inside for the keys; see heed(1).\n");
}

static char *
join_args(int argc, char **argv)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = xcalloc(len, 1);
	for (int i = 0; i < argc; i++) {
		if (i > 0)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static int
parse_opts(int argc, char **argv, tui_opts *o)
{
	static const struct option longopts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "modes", required_argument, NULL, 'M' },
		{ "palette", required_argument, NULL, 'p' },
		{ "no-mouse", no_argument, NULL, 'n' },
		{ "threads", required_argument, NULL, 't' },
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
		case 'n': o->mouse = false; break;
		case 'h': usage(stdout); return 1;
		case 't': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*optarg != '\0' && *end == '\0' && v >= 1 && v <= 64) {
				o->threads = (int)v;
				break;
			}
			fprintf(stderr, "heed: --threads wants a number from 1 to 64, not '%s'\n", optarg);
			return -1;
		}
		case 'p':
			if (pal_parse(optarg, &o->pal) == 0 && o->pal != PAL_DIVERGING)
				break;
			fprintf(stderr, "heed: unknown palette '%s' (viridis, gray)\n", optarg);
			return -1;
		default:
			usage(stderr);
			return -1;
		}
	}
	o->sentence = optind < argc ? join_args(argc - optind, argv + optind) : NULL;
	return 0;
}

/* Calibration is optional: without it average and dense are unavailable. */
static void
load_calib(app *a)
{
	char *path = calib_default_path(a->m->dir);
	heed_err e;

	if (access(path, R_OK) != 0)
		app_message(a, "average, dense off: no calibration");
	else if (calib_load(path, &a->m->cfg, &a->cal, &e) < 0)
		app_message(a, "%s; average and dense modes are disabled", e.msg);
	free(path);
}

static int
load(app *a, const tui_opts *o, heed_err *e)
{
	char *dir = NULL, *vocab;
	int rc;

	if ((rc = model_resolve(o->model, &dir, e)) < 0)
		return rc;
	/* big checkpoints take seconds: say so until the screen takes over */
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "heed: loading %s\u2026", dir);
	rc = model_load(dir, &a->m, e);
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\r\033[K");
	free(dir);
	if (rc < 0)
		return rc;
	vocab = xasprintf("%s/vocab.txt", a->m->dir);
	rc = tok_vocab_load(vocab, &a->vocab, e);
	free(vocab);
	if (rc < 0)
		return rc;
	a->sp = tok_vocab_specials(a->vocab);
	a->layers = a->m->cfg.layers;
	a->heads = a->m->cfg.heads;
	a->max_tokens = a->m->cfg.max_pos < 128 ? a->m->cfg.max_pos : 128;
	a->modes = xcalloc((size_t)a->layers * a->heads, 1);
	a->ids = xcalloc((size_t)a->max_tokens, sizeof *a->ids);
	load_calib(a);
	if (o->modes != NULL)
		return enc_modes_parse(o->modes, a->layers, a->heads, a->cal, a->modes, e);
	return HEED_OK;
}

void
app_dirty(app *a)
{
	a->dirty = true;
}

void
app_message(app *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->msg, sizeof a->msg, fmt, ap);
	va_end(ap);
	a->dirty = true;
}

/* Tokenise the sentence and hand the newest job to the worker. */
static void
submit(app *a)
{
	heed_err e;

	if (tok_encode_ws(a->vocab, a->tok_ws, a->in.buf, a->in.len, a->m->cfg.lowercase,
	    a->max_tokens, &a->tok, &e) < 0) {
		a->have_tok = false;
		a->computing = false;
		app_message(a, "%s", e.msg);
		return;
	}
	a->have_tok = true;
	for (int i = 0; i < a->tok.n; i++)
		a->ids[i] = a->tok.tok[i].id;
	queue_submit(&a->q, queue_gen(&a->q), a->ids, a->tok.n, a->modes);
	a->computing = true;
	a->dirty = true;
}

static void
on_debounce(uv_timer_t *t)
{
	submit(t->data);
}

/* Something changed: invalidate the work in flight at once (the worker
 * sees the new generation between layers) and submit on the next loop
 * turn, after every key already read.  A wait after typing would only add
 * latency: the worker drops stale jobs between layers by itself. */
static void
changed(app *a, bool text)
{
	queue_bump(&a->q);
	a->computing = true;
	uv_timer_start(&a->debounce, on_debounce, 0, 0);
	a->dirty = true;
	a->t_change = util_now_ms();
	a->change_is_text = text;
}

void
app_text_changed(app *a)
{
	changed(a, true);
}

void
app_modes_changed(app *a)
{
	changed(a, false);
}

static void
on_result(uv_async_t *h)
{
	app *a = h->data;

	if (!queue_take(&a->q, &a->front))
		return;
	a->computing = false;
	a->have_result = a->front->err == HEED_OK;
	if (!a->have_result) {
		app_message(a, "%s", a->front->msg);
		return;
	}
	a->cur_row = ui_clamp(a->cur_row, 0, a->front->n - 1);
	a->cur_col = ui_clamp(a->cur_col, 0, a->front->n - 1);
	a->query = ui_clamp(a->query, 0, a->front->n - 1);
	a->dirty = true;
	/* a stale result is never taken, so this one answers the last change */
	a->t_due = a->t_change;
	a->due_is_text = a->change_is_text;
}

static void
on_stdin(uv_poll_t *p, int status, int events)
{
	app *a = p->data;
	unsigned cp[2];
	int rc;

	while (!a->quit && (rc = wgetch(stdscr)) != ERR) {
		if (rc >= KEY_MIN) {
			keys_handle(a, UI_FN(rc));
			continue;
		}
		int n = input_utf8_feed(&a->utf8, (unsigned char)rc, cp);
		for (int i = 0; i < n && !a->quit; i++)
			keys_handle(a, (int)cp[i]);
	}
	if (a->quit)
		uv_stop(a->loop);
}

static void
on_signal(uv_signal_t *s, int signum)
{
	app *a = s->data;

	if (signum == SIGWINCH) {
		term_resize();
		a->dirty = true;
		return;
	}
	a->quit = true;
	uv_stop(a->loop);
}

/* After the frame that shows a new result: how long it took, and how much
 * of that was the encoder thread's job and drawing this frame. */
static void
trace_frame(app *a, double draw_ms)
{
	double now = util_now_ms();

	if (a->trace == NULL || a->t_due <= 0.0)
		return;
	fprintf(a->trace, "%s\t%.3f\t%.3f\t%.3f\n",
		!a->first_frame ? "startup" : a->due_is_text ? "keystroke" : "toggle",
		now - (!a->first_frame ? a->t_start : a->t_due), a->front->ms, draw_ms);
	fflush(a->trace);
	a->first_frame = true;
	a->t_due = 0.0;
}

static void
on_prepare(uv_prepare_t *p)
{
	app *a = p->data;

	if (a->dirty && !a->quit) {
		double t0 = util_now_ms();
		a->dirty = false;
		screen_draw(a);
		trace_frame(a, util_now_ms() - t0);
	}
}

static void
loop_start(app *a)
{
	static const int sigs[4] = { SIGWINCH, SIGTERM, SIGHUP, SIGINT };

	a->loop = uv_default_loop();
	uv_poll_init(a->loop, &a->poll, STDIN_FILENO);
	uv_poll_start(&a->poll, UV_READABLE, on_stdin);
	for (int i = 0; i < 4; i++) {
		uv_signal_init(a->loop, &a->sig[i]);
		a->sig[i].data = a;
		uv_signal_start(&a->sig[i], on_signal, sigs[i]);
	}
	uv_timer_init(a->loop, &a->debounce);
	uv_prepare_init(a->loop, &a->redraw);
	uv_prepare_start(&a->redraw, on_prepare);
	a->poll.data = a->debounce.data = a->redraw.data = a;
}

static void
close_one(uv_handle_t *h, void *arg)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void
loop_end(app *a)
{
	uv_walk(a->loop, close_one, NULL);
	uv_run(a->loop, UV_RUN_DEFAULT);
	uv_loop_close(a->loop);
}

static void
app_free(app *a)
{
	if (a->started) {
		worker_stop(&a->w);
		queue_destroy(&a->q);
		result_free(a->front);
	}
	tok_ws_free(a->tok_ws);
	input_free(&a->in);
	input_free(&a->spec);
	free(a->modes);
	free(a->ids);
	free(a->scratch);
	if (a->trace != NULL)
		fclose(a->trace);
	calib_free(a->cal);
	tok_vocab_free(a->vocab);
	model_free(a->m);
}

static int
run(app *a, const tui_opts *o, heed_err *e)
{
	int rc;

	queue_init(&a->q, a->max_tokens, a->layers * a->heads);
	a->front = result_new();
	a->started = true;
	a->loop = uv_default_loop();
	uv_async_init(a->loop, &a->async, on_result);
	a->async.data = a;
	rc = worker_start(&a->w, a->m, a->cal, a->max_tokens, a->sp.mask,
			  o->threads > 0 ? o->threads : enc_default_threads(), &a->q, &a->async, e);
	if (rc < 0)
		return rc;
	if (term_init(o->mouse) < 0)
		return err_set(e, HEED_EINVAL, "the explorer needs a terminal (see heed dump for scripts)");
	loop_start(a);
	a->editing = o->sentence == NULL;
	input_set(&a->in, o->sentence ? o->sentence : "");
	input_hist_push(&a->in);
	a->t_change = a->t_start;   /* the first result's frame ends the start-up */
	submit(a);
	a->dirty = true;
	uv_run(a->loop, UV_RUN_DEFAULT);
	term_end();
	worker_stop(&a->w);   /* before the async handle it wakes is closed */
	loop_end(a);
	return HEED_OK;
}

int
cmd_tui(int argc, char **argv)
{
	tui_opts o;
	app a;
	heed_err e;
	int rc;

	rc = parse_opts(argc, argv, &o);
	if (rc != 0)
		return rc > 0 ? 0 : EXIT_USAGE;
	memset(&a, 0, sizeof a);
	a.t_start = util_now_ms();
	if (getenv("HEED_TRACE") != NULL && (a.trace = fopen(getenv("HEED_TRACE"), "a")) == NULL) {
		fprintf(stderr, "heed: HEED_TRACE: cannot open %s\n", getenv("HEED_TRACE"));
		free((char *)o.sentence);
		return EXIT_BADFILE;
	}
	a.tok_ws = tok_ws_new();
	input_init(&a.in);
	input_init(&a.spec);
	a.pal = o.pal;
	a.mouse = o.mouse;
	rc = load(&a, &o, &e);
	if (rc == HEED_OK)
		rc = run(&a, &o, &e);
	term_end();
	if (rc < 0)
		fprintf(stderr, "heed: %s\n", e.msg);
	app_free(&a);
	free((char *)o.sentence);
	return cli_exit_code(rc);
}

const char *
app_label(const app *a, int i)
{
	const char *p;

	if (!a->have_result || i < 0 || i >= a->front->n)
		return "";
	p = tok_piece(a->vocab, a->front->ids[i]);
	return p != NULL ? p : "?";
}

float *
app_scratch(app *a, size_t n)
{
	if (n > a->scratch_cap) {
		a->scratch = xrealloc(a->scratch, n * sizeof *a->scratch);
		a->scratch_cap = n;
	}
	return a->scratch;
}

const float *
app_attn(const app *a, int layer, int head)
{
	size_t nn;

	if (!a->have_result)
		return NULL;
	nn = (size_t)a->front->n * a->front->n;
	return a->front->attn + ((size_t)layer * a->heads + head) * nn;
}

head_mode
app_mode(const app *a, int layer, int head)
{
	return (head_mode)a->modes[layer * a->heads + head];
}

double
app_stat(const app *a, int layer, int head)
{
	int i = layer * a->heads + head;

	if (a->stat == STAT_JSD)
		return a->cal != NULL && a->cal->stats != NULL ? a->cal->stats[i].jsd : NAN;
	return a->have_result ? a->front->entropy[i] : NAN;
}
