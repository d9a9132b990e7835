/* export.c — `heed export`: options, the one frame it draws, and what
 * every format shares (names, the view argument, the command line that
 * makes a figure again, the atomic write); see export.h. */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include "export.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heed/enc.h"
#include "heed/open.h"
#include "export_imp.h"
#include "heed/tui.h"
#include "export_screen.h"
#include "worker.h"

static const struct {
	const char *name, *ext;
} formats[EXPORT_FORMAT_COUNT] = {
	[EXPORT_SVG] = { "svg", "svg" },
	[EXPORT_HTML] = { "html", "html" },
	[EXPORT_ANSI] = { "ansi", "ans" },
	[EXPORT_TXT] = { "txt", "txt" },
};

/* The views --view names, how many numbers follow the colon, and whether
 * --words changes what they draw (as `w` does in the explorer). */
static const struct {
	const char *name;
	view_id view;
	int nargs;            /* 0, or 2: L,H (head) or L,Q (tokens) */
	bool words;
} views[] = {
	{ "grid", VIEW_GRID, 0, false },
	{ "head", VIEW_HEAD, 2, true },
	{ "tokens", VIEW_TOKENS, 2, true },
	{ "output", VIEW_OUTPUT, 0, false },
	{ "stats", VIEW_STATS, 0, true },
	{ "importance", VIEW_IMP, 0, false },   /* its arguments: export_imp.c */
};
#define NVIEWS (sizeof views / sizeof views[0])

const char *
export_format_name(export_format f)
{
	return formats[f].name;
}

const char *
export_format_ext(export_format f)
{
	return formats[f].ext;
}

int
export_format_parse(const char *s, export_format *f)
{
	for (int i = 0; i < EXPORT_FORMAT_COUNT; i++)
		if (strcmp(s, formats[i].name) == 0) {
			*f = (export_format)i;
			return 0;
		}
	return -1;
}

int
export_format_of_path(const char *path, export_format *f)
{
	static const struct { const char *ext; export_format f; } exts[] = {
		{ ".svg", EXPORT_SVG }, { ".html", EXPORT_HTML }, { ".htm", EXPORT_HTML },
		{ ".ans", EXPORT_ANSI }, { ".ansi", EXPORT_ANSI }, { ".txt", EXPORT_TXT },
	};
	size_t len = strlen(path);

	for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
		size_t el = strlen(exts[i].ext);

		if (len > el && strcasecmp(path + len - el, exts[i].ext) == 0) {
			*f = exts[i].f;
			return 0;
		}
	}
	return -1;
}

/* "2,5" into two numbers in [1, max_a] and [1, max_b]. */
static int
parse_pair(const char *view, const char *s, const char *what_a, int max_a, const char *what_b,
	   int max_b, int *a, int *b, heed_err *e)
{
	char *end;
	long x, y;

	x = strtol(s, &end, 10);
	if (end == s || *end != ',')
		return err_set(e, HEED_EINVAL, "--view %s: write %s:%s,%s (1-based), not '%s'",
		    view, view, what_a, what_b, s);
	s = end + 1;
	y = strtol(s, &end, 10);
	if (end == s || *end != '\0')
		return err_set(e, HEED_EINVAL, "--view %s: write %s:%s,%s (1-based), not '%s'",
		    view, view, what_a, what_b, s);
	if (x < 1 || x > max_a)
		return err_set(e, HEED_EINVAL, "--view %s: %s %ld is not from 1 to %d",
		    view, what_a, x, max_a);
	if (y < 1 || y > max_b)
		return err_set(e, HEED_EINVAL, "--view %s: %s %ld is not from 1 to %d",
		    view, what_b, y, max_b);
	*a = (int)x - 1;
	*b = (int)y - 1;
	return HEED_OK;
}

int
export_view_parse(const char *s, int layers, int heads, int n, export_req *r, heed_err *e)
{
	const char *colon = strchr(s, ':');
	size_t len = colon ? (size_t)(colon - s) : strlen(s);

	for (size_t i = 0; i < NVIEWS; i++) {
		if (strlen(views[i].name) != len || strncmp(s, views[i].name, len) != 0)
			continue;
		r->view = views[i].view;
		if (r->view == VIEW_IMP)
			return export_imp_parse(colon != NULL ? colon + 1 : NULL, r, e);
		if (views[i].nargs == 0) {
			if (colon != NULL)
				return err_set(e, HEED_EINVAL, "--view %s takes no arguments", views[i].name);
			return HEED_OK;
		}
		if (colon == NULL)
			return err_set(e, HEED_EINVAL, "--view %s needs %s", views[i].name,
			    r->view == VIEW_HEAD ? "a head: head:L,H" : "a layer and a token: tokens:L,Q");
		if (r->view == VIEW_HEAD)
			return parse_pair("head", colon + 1, "L", layers, "H", heads, &r->layer, &r->head, e);
		return parse_pair("tokens", colon + 1, "L", layers, "Q", n, &r->layer, &r->query, e);
	}
	return err_set(e, HEED_EINVAL, "--view: unknown view '%s' (grid, head:L,H, tokens:L,Q, "
	    "output, stats, importance[:MODE[,ORDER]])", s);
}

const char *
export_view_arg(const export_req *r, char *buf, size_t cap)
{
	for (size_t i = 0; i < NVIEWS; i++) {
		if (views[i].view != r->view)
			continue;
		if (r->view == VIEW_HEAD)
			snprintf(buf, cap, "head:%d,%d", r->layer + 1, r->head + 1);
		else if (r->view == VIEW_TOKENS)
			snprintf(buf, cap, "tokens:%d,%d", r->layer + 1, r->query + 1);
		else if (r->view == VIEW_IMP)
			export_imp_arg(r, buf, cap);
		else
			snprintf(buf, cap, "%s", views[i].name);
		return buf;
	}
	return NULL;
}

ui_grain
export_grain(const export_req *r, const ui_frame *f)
{
	bool words = false;

	for (size_t i = 0; i < NVIEWS; i++)
		if (views[i].view == r->view)
			words = views[i].words && r->words;
	return frame_grain(f, words);
}

const char *
export_view_name(view_id v)
{
	for (size_t i = 0; i < NVIEWS; i++)
		if (views[i].view == v)
			return views[i].name;
	return NULL;
}

/* --colors' words for the depths, in pal_depth order. */
static const char *const depth_names[] = { "none", "8", "256", "24bit" };

/* ---- the command line that makes a figure again ---------------------------- */

/* One word for a POSIX shell: as it is when nothing in it is special,
 * else in single quotes (a quote inside as '\''). */
static void
shell_word(util_buf *b, const char *w)
{
	bool plain = *w != '\0';

	for (const char *p = w; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("_-./:,=+@%", *p) == NULL)
			plain = false;
	util_buf_puts(b, " ");
	if (plain) {
		util_buf_puts(b, w);
		return;
	}
	util_buf_puts(b, "'");
	for (const char *p = w; *p != '\0'; p++) {
		if (*p == '\'')
			util_buf_puts(b, "'\\''");
		else
			util_buf_add(b, p, 1);
	}
	util_buf_puts(b, "'");
}

char *
export_modes_spec(const uint8_t *modes, int layers, int heads)
{
	util_buf b = { 0 };
	char item[64];
	bool all = true;

	util_buf_add(&b, "", 0);
	for (int i = 1; i < layers * heads; i++)
		all = all && modes[i] == modes[0];
	if (all && modes[0] != HEAD_INPUT) {
		snprintf(item, sizeof item, "all=%s", enc_mode_name((head_mode)modes[0]));
		util_buf_puts(&b, item);
		return b.s;
	}
	for (int l = 0; l < layers; l++) {
		const uint8_t *m = modes + (size_t)l * heads;
		bool same = true;

		for (int h = 1; h < heads; h++)
			same = same && m[h] == m[0];
		for (int h = 0; h < heads; h++) {
			if (m[h] == HEAD_INPUT)
				continue;
			if (same)
				snprintf(item, sizeof item, "%sL%d=%s", b.n ? "," : "", l + 1,
				    enc_mode_name((head_mode)m[h]));
			else
				snprintf(item, sizeof item, "%sL%dH%d=%s", b.n ? "," : "", l + 1, h + 1,
				    enc_mode_name((head_mode)m[h]));
			util_buf_puts(&b, item);
			if (same)
				break;
		}
	}
	return b.s;
}

char *
export_changed_heads(const ui_frame *f)
{
	int count = 0;
	char *spec = export_modes_spec(f->modes, f->layers, f->heads), *line;

	for (int i = 0; i < f->layers * f->heads; i++)
		count += f->modes[i] != HEAD_INPUT;
	line = xasprintf("%d head%s not input: %s", count, count == 1 ? "" : "s", spec);
	free(spec);
	return line;
}

char *
export_command(const export_req *r, const char *model_arg, const char *modes_spec,
	       const char *sentence, const char *out)
{
	util_buf b = { 0 };
	char buf[64];

	util_buf_puts(&b, "heed export");
	if (model_arg != NULL && *model_arg != '\0') {
		shell_word(&b, "-m");
		shell_word(&b, model_arg);
	}
	if (modes_spec != NULL && *modes_spec != '\0') {
		shell_word(&b, "--modes");
		shell_word(&b, modes_spec);
	}
	shell_word(&b, "--view");
	shell_word(&b, export_view_arg(r, buf, sizeof buf));
	if (r->words)
		shell_word(&b, "--words");
	shell_word(&b, "--format");
	shell_word(&b, export_format_name(r->format));
	if (r->pal != PAL_VIRIDIS) {
		shell_word(&b, "--palette");
		shell_word(&b, pal_name(r->pal));
	}
	if (r->scale != SCALE_ABSOLUTE) {
		static const char *const names[SCALE_COUNT] = { "absolute", "layer", "head" };

		shell_word(&b, "--scale");
		shell_word(&b, names[r->scale]);
	}
	if (r->format == EXPORT_ANSI) {
		snprintf(buf, sizeof buf, "%dx%d", r->cols, r->rows);
		shell_word(&b, "--size");
		shell_word(&b, buf);
		if (r->depth != DEPTH_256) {
			shell_word(&b, "--colors");
			shell_word(&b, depth_names[r->depth]);
		}
	}
	if (out != NULL && strcmp(out, "-") != 0) {
		shell_word(&b, "-o");
		shell_word(&b, out);
	}
	shell_word(&b, "--");
	shell_word(&b, sentence);
	return b.s;
}

int
export_write(const char *path, const char *data, size_t len, heed_err *e)
{
	if (path == NULL || strcmp(path, "-") == 0) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
			return err_set(e, HEED_EWRITE, "cannot write the output");
		return HEED_OK;
	}
	return util_write_atomic(path, data, len, e);
}

/* ---- heed export ------------------------------------------------------------ */

typedef struct export_opts {
	const char *model, *modes, *calib, *view, *out;
	const char *mlm_head;  /* --mlm-head NAME */
	bool have_format;
	export_req r;
	char *sentence;
} export_opts;

static void
usage(FILE *f)
{
	fprintf(f,
	    "Usage: heed export [-m MODEL] [--modes SPEC] [--view VIEW] [--words] [--format FORMAT]\n"
	    "                   [-o FILE] [--palette NAME] [--scale SCALE] [--size COLSxROWS]\n"
	    "                   [--colors N] [--mlm-head NAME]\n"
	    "                   [--] SENTENCE\n"
	    "\n"
	    "Write a view of the explorer as a file, and the command line that makes it again.\n"
	    "  -m, --model MODEL   model folder or hub name (default: the bundled heed-mini)\n"
	    "      --modes SPEC    head modes, e.g. papa-half, L2H5=uniform, a preset file\n"
	    "      --calib FILE    calibration file (default: MODEL/heed.calib, if any)\n"
	    "      --mlm-head NAME masked-LM head: transformers (default) or emd (DeBERTa-v3)\n"
	    "      --view VIEW     grid (default), head:L,H, tokens:L,Q (query token Q), output,\n"
	    "                      stats, importance[:MODE[,ORDER]] (view 6: heads\n"
	    "                      replaced by MODE, the curve in importance or papa order)\n"
	    "  -w, --words         words, not word pieces (the explorer's w): Q counts words\n"
	    "  -f, --format FMT    svg (default), html, ansi or txt; else from -o's extension\n"
	    "  -o, --output FILE   write FILE atomically (default: standard output)\n"
	    "      --palette NAME  viridis (default), cividis or gray\n"
	    "      --scale SCALE   colour scale: absolute (default), layer or head\n"
	    "      --size CxR      ansi: the terminal's columns and rows (default 80x24)\n"
	    "      --colors N      ansi: none, 8, 256 (default) or 24bit colours\n"
	    "  -h, --help          show this help\n"
	    "\n"
	    "Layers, heads and tokens count from 1.  See heed(1).\n");
}

static int
parse_size(const char *s, int *cols, int *rows, heed_err *e)
{
	char *end;
	long c = strtol(s, &end, 10), r;

	if (end == s || (*end != 'x' && *end != 'X'))
		return err_set(e, HEED_EINVAL, "--size: write COLSxROWS, e.g. 80x24, not '%s'", s);
	s = end + 1;
	r = strtol(s, &end, 10);
	if (end == s || *end != '\0' || c < 40 || c > 1000 || r < 10 || r > 1000)
		return err_set(e, HEED_EINVAL, "--size: '%s' is not from 40x10 to 1000x1000", s);
	*cols = (int)c;
	*rows = (int)r;
	return HEED_OK;
}

/* 0: go on; 1: --help printed; HEED_EINVAL: a usage error, printed. */
static int
parse_opts(int argc, char **argv, export_opts *o)
{
	static const struct option longopts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "modes", required_argument, NULL, 'M' },
		{ "calib", required_argument, NULL, 'c' },
		{ "mlm-head", required_argument, NULL, 'E' },
		{ "view", required_argument, NULL, 'v' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "palette", required_argument, NULL, 'p' },
		{ "scale", required_argument, NULL, 's' },
		{ "size", required_argument, NULL, 'S' },
		{ "colors", required_argument, NULL, 'C' },
		{ "words", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	heed_err e;
	int c;

	memset(o, 0, sizeof *o);
	o->view = "grid";
	o->r.cols = 80;
	o->r.rows = 24;
	/* 256 colours: what tmux, most terminals and chat clients show */
	o->r.depth = DEPTH_256;
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:f:o:wh", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': o->model = optarg; break;
		case 'M': o->modes = optarg; break;
		case 'c': o->calib = optarg; break;
		case 'E': o->mlm_head = optarg; break;
		case 'v': o->view = optarg; break;
		case 'o': o->out = optarg; break;
		case 'w': o->r.words = true; break;
		case 'h': usage(stdout); return 1;
		case 'f':
			if (export_format_parse(optarg, &o->r.format) < 0) {
				fprintf(stderr, "heed: export: unknown format '%s' (svg, html, ansi, txt)\n",
				    optarg);
				return HEED_EINVAL;
			}
			o->have_format = true;
			break;
		case 'p':
			if (pal_parse(optarg, &o->r.pal) == 0 && o->r.pal != PAL_DIVERGING)
				break;
			fprintf(stderr, "heed: export: unknown palette '%s' (viridis, cividis, gray)\n",
			    optarg);
			return HEED_EINVAL;
		case 's':
			if (strcmp(optarg, "absolute") == 0)
				o->r.scale = SCALE_ABSOLUTE;
			else if (strcmp(optarg, "layer") == 0)
				o->r.scale = SCALE_LAYER;
			else if (strcmp(optarg, "head") == 0)
				o->r.scale = SCALE_HEAD;
			else {
				fprintf(stderr, "heed: export: unknown scale '%s' (absolute, layer, head)\n",
				    optarg);
				return HEED_EINVAL;
			}
			break;
		case 'C': {
			int d = -1;

			for (int i = 0; i < (int)(sizeof depth_names / sizeof depth_names[0]); i++)
				if (strcmp(optarg, depth_names[i]) == 0)
					d = i;
			if (d < 0) {
				fprintf(stderr, "heed: export: --colors: '%s' is not none, 8, 256 or 24bit\n",
				    optarg);
				return HEED_EINVAL;
			}
			o->r.depth = (pal_depth)d;
			break;
		}
		case 'S':
			if (parse_size(optarg, &o->r.cols, &o->r.rows, &e) == HEED_OK)
				break;
			fprintf(stderr, "heed: export: %s\n", e.msg);
			return HEED_EINVAL;
		default:
			usage(stderr);
			return HEED_EINVAL;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "heed: export: no sentence (heed export [OPTIONS] -- SENTENCE)\n");
		return HEED_EINVAL;
	}
	if (!o->have_format && o->out != NULL && export_format_of_path(o->out, &o->r.format) < 0)
		o->r.format = EXPORT_SVG;
	o->sentence = util_join_args(argc - optind, argv + optind);
	return 0;
}

int
export_render(const export_req *r, const export_source *src, const ui_frame *f,
	      const uint8_t *modes, char **buf, size_t *len, heed_err *e)
{
	FILE *mem = open_memstream(buf, len);
	int rc;

	if (mem == NULL)
		util_oom(0);
	switch (r->format) {
	case EXPORT_SVG: rc = export_svg(mem, r, src, f, modes, e); break;
	case EXPORT_HTML: rc = export_html(mem, r, src, f, modes, e); break;
	case EXPORT_TXT: rc = export_txt(mem, r, src, f, modes, e); break;
	default: rc = err_set(e, HEED_EINVAL, "%s is drawn from the screen", export_format_name(r->format));
	}
	if (fclose(mem) != 0 && rc == HEED_OK)
		rc = err_set(e, HEED_ENOMEM, "out of memory writing the %s", export_format_name(r->format));
	if (rc < 0) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}

static int
run(export_opts *o, heed_err *e)
{
	heed_open_opts oo = { o->model, o->calib, o->modes,
	    HEED_OPEN_WEIGHTS | HEED_OPEN_VOCAB | HEED_OPEN_CALIB, o->mlm_head };
	heed_session h;
	tok_ws *ws = NULL;
	tok_result t = { 0 };
	ui_words words = { 0 };
	ui_worker w;
	ui_frame *f;
	char *spec = NULL, *cmd = NULL, *buf = NULL;
	size_t len = 0;
	int rc;
	bool have_worker = false;

	if ((rc = heed_open(&oo, &h, e)) < 0)
		return rc;
	/* a TAB or " ||| " makes a sentence pair, as in the explorer */
	ws = tok_ws_new();
	rc = tok_encode_line(h.vocab, ws, o->sentence, strlen(o->sentence), h.m->cfg.lowercase,
	    h.max_tokens, &t, e);
	/* --words: the explorer's own cut, so a query Q counts words */
	if (rc == HEED_OK && o->r.words) {
		frame_words_init(&words, t.n);
		frame_words_cut(&words, h.vocab, &t, o->sentence);
	}
	if (rc == HEED_OK)
		rc = export_view_parse(o->view, h.m->cfg.layers, h.m->cfg.heads,
		    o->r.words ? words.n : t.n, &o->r, e);
	if (rc == HEED_OK && o->r.view == VIEW_IMP)
		rc = export_imp_ready(&o->r, h.cal, e);
	if (rc == HEED_OK)
		rc = heed_blas_reserve(1, e);
	if (rc == HEED_OK) {
		export_source src;

		spec = export_modes_spec(h.modes, h.m->cfg.layers, h.m->cfg.heads);
		cmd = export_command(&o->r, o->model, spec, o->sentence, o->out);
		src = (export_source){ h.m->name ? h.m->name : "model", o->sentence, spec, cmd };
		worker_init(&w, h.m, h.vocab, h.cal, h.max_tokens, 1, NULL, 0);
		have_worker = true;
		if (o->r.format == EXPORT_ANSI) {
			rc = export_screen_cli(&o->r, &h, &w, &t, o->sentence, &buf, &len, e);
		} else {
			/* the thumbnails' geometry: the grid's area in an 80 x 24 window;
			 * vector figures draw the weights themselves */
			frame_geom geom = { 80, 19, 2, (int)o->r.scale, (int)o->r.pal, (int)o->r.depth, false };

			rc = worker_compute(&w, t.tok, t.n, h.modes, &geom,
			    o->r.words ? &words : NULL, &f, e);
			/* view 6's numbers, synchronously */
			if (rc == HEED_OK && o->r.view == VIEW_IMP)
				rc = worker_importance(&w, (ui_imp_req){ true, o->r.imp_replace,
				    o->r.imp_order }, &o->r.imp, e);
			if (rc == HEED_OK)
				rc = export_render(&o->r, &src, f, h.modes, &buf, &len, e);
		}
		if (rc == HEED_OK)
			rc = export_write(o->out, buf, len, e);
		if (rc == HEED_OK)
			fprintf(stderr, "%s%s%s\n", o->out && strcmp(o->out, "-") ? "heed: wrote " : "",
			    o->out && strcmp(o->out, "-") ? o->out : "", o->out && strcmp(o->out, "-")
			    ? "; again with:" : "heed: again with:");
		if (rc == HEED_OK)
			fprintf(stderr, "  %s\n", cmd);
	}
	if (t.truncated && rc == HEED_OK)
		fprintf(stderr, "heed: warning: the sentence was cut to %d tokens\n", h.max_tokens);
	if (have_worker)
		worker_stop(&w);
	free(buf);
	free(spec);
	free(cmd);
	frame_words_free(&words);
	tok_ws_free(ws);
	heed_close(&h);
	return rc;
}

int
export_main(int argc, char **argv)
{
	export_opts o;
	heed_err e;
	int rc = parse_opts(argc, argv, &o);

	if (rc != 0)
		return rc > 0 ? HEED_OK : rc;
	rc = run(&o, &e);
	if (rc < 0) {
		char safe[sizeof e.msg];

		fprintf(stderr, "heed: export: %s\n", util_term_safe(e.msg, safe, sizeof safe));
	}
	free(o.sentence);
	return rc;
}
