/* export.h — a view as a file: SVG for slides and papers, one
 * self-contained HTML page, the terminal's own ANSI text for `cat` and
 * chat, and the numbers as text.  `heed export` (export_main, through
 * heed/tui.h) and the explorer's `e` key both come here, so a figure made
 * in the explorer is the figure the printed command line makes again.
 *
 * The vector formats are drawn from the frame's numbers, never from the
 * terminal's cells: a weight keeps its exact colour, a label stays text.
 * ANSI goes through the views' own draw functions into term.c's cell
 * buffer, offscreen, so it is what the explorer shows, cell for cell.
 *
 * To export another view: a row in export.c's view table (its --view
 * name and arguments) and a writer per format in export_svg.c and
 * export_txt.c. */
#ifndef HEED_TUI_EXPORT_H
#define HEED_TUI_EXPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "frame.h"
#include "heed/util.h"
#include "palette.h"
#include "view.h"

typedef enum { EXPORT_SVG, EXPORT_HTML, EXPORT_ANSI, EXPORT_TXT, EXPORT_FORMAT_COUNT } export_format;

/* What to draw. */
typedef struct export_req {
	export_format format;
	view_id view;
	int layer, head;        /* 0-based: the head of head:L,H, the layer of
				 * tokens:L,Q, the grid's marked head */
	int query;              /* 0-based token of tokens:L,Q */
	pal_kind pal;
	frame_scale scale;
	int cols, rows;         /* ANSI: the terminal's size */
	pal_depth depth;        /* ANSI: its colours (DEPTH_256 unless asked) */
	bool words;             /* between words (`w`): the head, tokens and
				 * stats views' matrices, labels and figures,
				 * tokens:L,Q's Q counting words */
	uint8_t imp_replace;    /* importance: head_mode (HEAD_INPUT: not given) */
	uint8_t imp_order;      /* importance: ui_imp_order of the curve */
	const ui_imp *imp;      /* importance: the numbers, computed before writing */
} export_req;

/* Where a figure comes from: its title and the command that makes it again. */
typedef struct export_source {
	const char *model;      /* display name */
	const char *sentence;
	const char *modes;      /* a mode spec, "" when every head is input */
	const char *command;    /* the command line, shell-quoted */
} export_source;

const char *export_format_name(export_format f);
/* The file name extension of f, without the dot. */
const char *export_format_ext(export_format f);
int export_format_parse(const char *s, export_format *f);
/* The format a file name asks for by its extension; -1 for none known. */
int export_format_of_path(const char *path, export_format *f);

/* --view's argument, e.g. "head:2,5", into r (view, layer, head, query),
 * checked against the model's shape and the sentence's n tokens. */
int export_view_parse(const char *s, int layers, int heads, int n, export_req *r, heed_err *e);
/* The --view argument that names r's view again, into buf; NULL for a
 * view export does not draw. */
const char *export_view_arg(const export_req *r, char *buf, size_t cap);
/* The matrices and labels r's view draws from f: words when r asks for
 * them and the view has them (head, tokens, stats), else tokens. */
ui_grain export_grain(const export_req *r, const ui_frame *f);
/* The view's name in --view ("head"), NULL for one export does not draw. */
const char *export_view_name(view_id v);

/* modes as a spec enc_modes_parse reads back ("" when all are input). */
char *export_modes_spec(const uint8_t *modes, int layers, int heads);
/* "N heads not input: SPEC" for the modes frame f ran with (malloc'd):
 * the output view's line naming where a change comes from. */
char *export_changed_heads(const ui_frame *f);
/* The `heed export` command line that makes r again (malloc'd). */
char *export_command(const export_req *r, const char *model_arg, const char *modes_spec,
		     const char *sentence, const char *out);

/* The figure of r from frame f (modes: as the frame was made) in the
 * vector or text formats: export_svg.c, export_txt.c.  Return HEED_OK
 * or HEED_EINVAL for a view the format does not have. */
int export_svg(FILE *out, const export_req *r, const export_source *src, const ui_frame *f,
	       const uint8_t *modes, heed_err *e);
int export_html(FILE *out, const export_req *r, const export_source *src, const ui_frame *f,
		const uint8_t *modes, heed_err *e);
int export_txt(FILE *out, const export_req *r, const export_source *src, const ui_frame *f,
	       const uint8_t *modes, heed_err *e);

/* export_svg, export_html or export_txt as r->format says, into a
 * malloc'd *buf of *len bytes. */
int export_render(const export_req *r, const export_source *src, const ui_frame *f,
		  const uint8_t *modes, char **buf, size_t *len, heed_err *e);

/* Write data to path atomically (util_write_atomic), or to stdout for
 * NULL or "-". */
int export_write(const char *path, const char *data, size_t len, heed_err *e);

#endif
