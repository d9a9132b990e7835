/* export_svg.c — the vector figures: SVG 1.1 that any browser, Inkscape,
 * LaTeX (through rsvg-convert or inkscape) or a slide program opens, and
 * the same drawing inside one HTML page with the numbers beside it.
 *
 * Every weight is a rectangle filled with its exact palette colour (no
 * levels: a figure is not a terminal), every token a <text>, so a label
 * can be searched, copied and re-set in a paper's font.  A title names the
 * model, the sentence and the head modes; a legend gives the colour scale
 * with its end values; <desc> holds the command line that draws it again.
 * Nothing is fetched from anywhere: no fonts, no scripts, no images.
 */
#define _POSIX_C_SOURCE 200809L
#include "export.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "derive.h"
#include "heed/enc.h"
#include "heed/hstat.h"
#include "input.h"
#include "export_imp.h"
#include "export_svg.h"

#define FONT "DejaVu Sans, Helvetica, Arial, sans-serif"
#define MARGIN 16.0
#define LABEL_PX 11.0          /* token labels */
#define GRID_MAX_CELLS 64      /* a grid thumbnail's side, in cells, at most */


static void
reach(svg *s, double x, double y)
{
	if (x > s->w)
		s->w = x;
	if (y > s->h)
		s->h = y;
}

/* Text for XML: the five special characters as entities, and whatever
 * XML 1.0 cannot hold (control bytes, invalid UTF-8) as U+FFFD. */
static void
xml_text(FILE *f, const char *s)
{
	size_t len = strlen(s), i = 0;

	while (i < len) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
		    (utf8proc_ssize_t)(len - i), &cp);

		if (n <= 0) {
			fputs("\xef\xbf\xbd", f);
			i++;
			continue;
		}
		switch (cp) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			if ((cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0x7f || cp == 0xFFFE ||
			    cp == 0xFFFF)
				fputs("\xef\xbf\xbd", f);
			else
				fwrite(s + i, 1, (size_t)n, f);
		}
		i += (size_t)n;
	}
}

/* Width of s set in px-high type: a fair average for a sans face. */
static double
text_w(const char *s, double px)
{
	return input_width(s, 0, strlen(s)) * px * 0.6;
}

static void
colour_of(pal_kind k, double t, char out[8])
{
	uint8_t c[3];

	pal_rgb(k, t, c);
	snprintf(out, 8, "#%02x%02x%02x", c[0], c[1], c[2]);
}

static void
rect(svg *s, double x, double y, double w, double h, const char *fill)
{
	fprintf(s->f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>\n",
	    x, y, w, h, fill);
	reach(s, x + w, y + h);
}

/* anchor: "start", "middle" or "end"; weight: "normal" or "bold". */
static void
text(svg *s, double x, double y, double px, const char *anchor, const char *weight,
     const char *fill, const char *str)
{
	double w = text_w(str, px);

	fprintf(s->f, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"%.1f\"", x, y, px);
	if (strcmp(anchor, "start") != 0)
		fprintf(s->f, " text-anchor=\"%s\"", anchor);
	if (strcmp(weight, "normal") != 0)
		fprintf(s->f, " font-weight=\"%s\"", weight);
	if (strcmp(fill, "#000") != 0)
		fprintf(s->f, " fill=\"%s\"", fill);
	fputs(">", s->f);
	xml_text(s->f, str);
	fputs("</text>\n", s->f);
	reach(s, strcmp(anchor, "start") == 0 ? x + w : strcmp(anchor, "middle") == 0 ? x + w / 2 : x,
	    y + px * 0.3);
}

/* A label turned to read upwards, its start at (x, y). */
static void
text_up(svg *s, double x, double y, double px, bool bold, const char *str)
{
	fprintf(s->f, "<text transform=\"translate(%.2f,%.2f) rotate(-90)\" font-size=\"%.1f\"%s>",
	    x, y, px, bold ? " font-weight=\"bold\"" : "");
	xml_text(s->f, str);
	fputs("</text>\n", s->f);
	reach(s, x + px, y);
}

/* The colour ramp from lo to hi, w wide at (x, y), with its caption. */
static void
legend(svg *s, double x, double y, pal_kind k, double lo, double hi, const char *caption)
{
	char c[8], num[32];
	int id = s->ramp++;
	const double w = 200, h = 12;

	fprintf(s->f, "<defs><linearGradient id=\"ramp%d\" x1=\"0\" y1=\"0\" x2=\"1\" y2=\"0\">\n", id);
	for (int i = 0; i <= 32; i++) {
		colour_of(k, i / 32.0, c);
		fprintf(s->f, "<stop offset=\"%.4f\" stop-color=\"%s\"/>\n", i / 32.0, c);
	}
	fputs("</linearGradient></defs>\n", s->f);
	text(s, x, y, 11, "start", "normal", "#333", caption);
	fprintf(s->f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
	    "fill=\"url(#ramp%d)\" stroke=\"#888\" stroke-width=\"0.5\"/>\n", x, y + 6, w, h, id);
	reach(s, x + w, y + 6 + h);
	snprintf(num, sizeof num, "%.3g", lo);
	text(s, x, y + 6 + h + 12, 10, "start", "normal", "#333", num);
	snprintf(num, sizeof num, "%.3g", hi);
	text(s, x + w, y + 6 + h + 12, 10, "end", "normal", "#333", num);
}

static const char *const scale_words[SCALE_COUNT] = {
	"absolute, 0 to 1", "0 to the largest weight of each layer",
	"0 to the largest weight of each head",
};

/* ---- titles ------------------------------------------------------------- */

static void
view_title(const export_req *r, const ui_frame *f, const uint8_t *modes, char *buf, size_t cap)
{
	ui_grain g = export_grain(r, f);
	const char *words = g.first ? ", between words" : "";

	switch (r->view) {
	case VIEW_HEAD:
		snprintf(buf, cap, "layer %d, head %d (%s attention, %s%s)", r->layer + 1, r->head + 1,
		    enc_mode_name((head_mode)modes[r->layer * f->heads + r->head]),
		    hstat_cat_name(g.hs[r->layer * f->heads + r->head].cat), words);
		break;
	case VIEW_STATS:
		snprintf(buf, cap, "every head's figures and kind%s", words);
		break;
	case VIEW_TOKENS:
		snprintf(buf, cap, "layer %d, every head: where %s %d attends", r->layer + 1,
		    g.first ? "word" : "token", r->query + 1);
		break;
	case VIEW_OUTPUT:
		snprintf(buf, cap, "predictions and hidden states");
		break;
	case VIEW_IMP:
		export_imp_title(r, buf, cap);
		break;
	default:
		snprintf(buf, cap, "every head's attention, %d layers \u00d7 %d heads", f->layers,
		    f->heads);
		break;
	}
}

/* The three lines at the top: model and view, the sentence, the modes. */
static double
title(svg *s, const export_req *r, const export_source *src, const ui_frame *f,
      const uint8_t *modes)
{
	char what[160], line[1024];

	view_title(r, f, modes, what, sizeof what);
	snprintf(line, sizeof line, "%s \u00b7 %s", src->model, what);
	text(s, MARGIN, MARGIN + 14, 16, "start", "bold", "#000", line);
	snprintf(line, sizeof line, "\u201c%s\u201d", src->sentence);
	text(s, MARGIN, MARGIN + 34, 13, "start", "normal", "#000", line);
	snprintf(line, sizeof line, "head modes: %s", *src->modes ? src->modes : "all input");
	text(s, MARGIN, MARGIN + 52, 11, "start", "normal", "#444", line);
	return MARGIN + 72;
}

/* ---- the views ------------------------------------------------------------ */

static void
cell(svg *s, double x, double y, double w, double h, pal_kind k, double v, double top,
     const char *id)
{
	char c[8];

	if (!isfinite(v)) {
		rect(s, x, y, w, h, "#ffffff");
		text(s, x + w / 2, y + h / 2 + 3, h * 0.6, "middle", "normal", "#c00", "?");
		return;
	}
	colour_of(k, pal_scale(v, top), c);
	if (id == NULL) {
		rect(s, x, y, w, h, c);
		return;
	}
	fprintf(s->f, "<rect id=\"%s\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
	    "fill=\"%s\"><title>%.4f</title></rect>\n", id, x, y, w, h, c, v);
	reach(s, x + w, y + h);
}

/* A line between segments A and B: white across a matrix, gray across bars. */
static void
boundary(svg *s, double x1, double y1, double x2, double y2, const char *colour)
{
	fprintf(s->f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\" "
	    "stroke-width=\"2\"/>\n", x1, y1, x2, y2, colour);
}

static double
max_label_w(const ui_grain *g, double px)
{
	double w = 0;

	for (int i = 0; i < g->n; i++)
		if (text_w(g->labels[i], px) > w)
			w = text_w(g->labels[i], px);
	return w;
}

/* One head's whole matrix: queries down the left, keys along the top
 * (tokens, or words with --words). */
static void
draw_head(svg *s, const export_req *r, const ui_frame *fr, double y0)
{
	ui_grain g = export_grain(r, fr);
	const ui_grain *f = &g;
	int n = f->n, L = r->layer, H = r->head, b = frame_grain_seg_b(fr, f);
	const float *m = frame_grain_attn(f, L, H);
	double c = n > 0 ? 480.0 / n : 20, lw, lh, x0, top;
	char id[32], cap[128];

	c = c < 10 ? 10 : c > 28 ? 28 : c;
	lw = max_label_w(f, LABEL_PX) + 8;
	lh = lw;
	x0 = MARGIN + lw;
	text(s, x0, y0 + 10, 11, "start", "normal", "#444", "keys \u2192");
	y0 += 18;
	for (int j = 0; j < n; j++)
		text_up(s, x0 + j * c + c / 2 + LABEL_PX * 0.35, y0 + lh - 4, LABEL_PX, false,
		    f->labels[j]);
	y0 += lh;
	top = frame_grain_top(f, r->scale, L, H);
	/* no antialiased seams between neighbouring cells */
	fputs("<g shape-rendering=\"crispEdges\">\n", s->f);
	for (int i = 0; i < n; i++) {
		text(s, x0 - 6, y0 + i * c + c / 2 + LABEL_PX * 0.35, LABEL_PX, "end", "normal", "#000",
		    f->labels[i]);
		for (int j = 0; j < n; j++) {
			snprintf(id, sizeof id, "q%dk%d", i + 1, j + 1);
			if (!frame_grain_attended(f, L, i, j)) {
				rect(s, x0 + j * c, y0 + i * c, c, c, "#f4f4f4");
				continue;
			}
			cell(s, x0 + j * c, y0 + i * c, c, c, r->pal, m[(size_t)i * n + j], top, id);
		}
	}
	fputs("</g>\n", s->f);
	if (b > 0) {   /* a sentence pair: where segment B starts */
		boundary(s, x0, y0 + b * c, x0 + n * c, y0 + b * c, "#ffffff");
		boundary(s, x0 + b * c, y0, x0 + b * c, y0 + n * c, "#ffffff");
	}
	text(s, MARGIN, y0 + n * c + 16, 11, "start", "normal", "#444", b > 0
	    ? "rows: queries (each row sums to 1); columns: keys; white lines: segment B starts"
	    : "rows: queries (each row sums to 1); columns: the keys they attend to");
	if (f->first != NULL)
		text(s, MARGIN, y0 + n * c + 30, 11, "start", "normal", "#444", "words: attention to "
		    "a word summed over its pieces, from a word averaged (Clark et al. 2019)");
	snprintf(cap, sizeof cap, "colour: attention weight, %s", scale_words[r->scale]);
	legend(s, MARGIN, y0 + n * c + (f->first ? 50 : 36), r->pal, 0, top, cap);
}

/* Every head as a small heatmap; past GRID_MAX_CELLS tokens a cell is the
 * mean of the block it covers, as the explorer's thumbnails do. */
static void
draw_grid(svg *s, const export_req *r, const ui_frame *f, const uint8_t *modes, double y0)
{
	int n = f->n, side = n < GRID_MAX_CELLS ? n : GRID_MAX_CELLS;
	double c = 96.0 / side, tw, x0 = MARGIN + 30, gap = 16;
	float *pix = xmalloc((size_t)side * side * sizeof *pix);
	char buf[64], cap[128];
	double x = MARGIN;

	c = c < 1.5 ? 1.5 : c > 10 ? 10 : c;
	tw = side * c;
	/* the tokens, in order, so the thumbnails' rows and columns can be read */
	text(s, MARGIN, y0 + 10, 11, "start", "normal", "#444", "tokens (rows: queries, columns: keys):");
	y0 += 26;
	for (int i = 0; i < n; i++) {
		double w = text_w(f->labels[i], LABEL_PX);

		if (x + w > x0 + f->heads * (tw + gap + 10) && x > MARGIN) {
			x = MARGIN;
			y0 += 15;
		}
		if (frame_seg_start(f, i)) {   /* a sentence pair: A | B */
			text(s, x, y0, LABEL_PX, "start", "bold", "#000", "|");
			x += 10;
		}
		text(s, x, y0, LABEL_PX, "start", "normal", "#000", f->labels[i]);
		x += w + 8;
	}
	y0 += 16;
	for (int h = 0; h < f->heads; h++) {
		snprintf(buf, sizeof buf, "H%d", h + 1);
		text(s, x0 + 10 + h * (tw + gap + 10) + tw / 2, y0 + 10, 11, "middle", "bold", "#000", buf);
	}
	y0 += 18;
	for (int l = 0; l < f->layers; l++) {
		double y = y0 + l * (tw + gap);

		snprintf(buf, sizeof buf, "L%d", l + 1);
		text(s, MARGIN, y + tw / 2 + 4, 11, "start", "bold", "#000", buf);
		for (int h = 0; h < f->heads; h++) {
			double xh = x0 + h * (tw + gap + 10);
			const float *m = frame_attn(f, l, h);
			double top = frame_scale_top(f, r->scale, l, h);
			char badge[2] = { enc_mode_badge((head_mode)modes[l * f->heads + h]), '\0' };

			char kind[2] = { hstat_cat_badge(f->hs[l * f->heads + h].cat), '\0' };

			text(s, xh, y + 9, 9, "start", "bold", "#444", badge);
			text(s, xh, y + 21, 9, "start", "normal", "#444", kind);
			if (side < n)
				derive_downsample(m, n, side, side, pix);
			fprintf(s->f, "<g shape-rendering=\"crispEdges\">\n");
			for (int i = 0; i < side; i++)
				for (int j = 0; j < side; j++)
					cell(s, xh + 10 + j * c, y + i * c, c, c, r->pal,
					    side < n ? pix[i * side + j] : m[(size_t)i * n + j], top, NULL);
			fprintf(s->f, "</g>\n");
		}
	}
	y0 += f->layers * (tw + gap);
	text(s, MARGIN, y0 + 4, 11, "start", "normal", "#444",
	    "badges: I input, A average (PAPA), D dense, R random (Synthesizer), U uniform;");
	text(s, MARGIN, y0 + 18, 11, "start", "normal", "#444",
	    "below, the kind: p previous-token, n next-token, s self, k sink, b broad, m mixed");
	y0 += 14;
	/* on a layer or head scale each thumbnail has its own top: the ramp
	 * is a share of it */
	snprintf(cap, sizeof cap, r->scale == SCALE_ABSOLUTE ? "colour: attention weight, %s"
	    : "colour: attention weight as a share of its top, %s", scale_words[r->scale]);
	legend(s, MARGIN, y0 + 24, r->pal, 0, 1, cap);
	free(pix);
}

/* Where one query attends in every head of a layer: a row of bars per head. */
static void
draw_tokens(svg *s, const export_req *r, const ui_frame *fr, double y0)
{
	ui_grain g = export_grain(r, fr);
	const ui_grain *f = &g;
	int n = f->n, L = r->layer, q = r->query, b = frame_grain_seg_b(fr, f);
	double cw = n > 0 ? 480.0 / n : 20, bh = 34, x0 = MARGIN + 34;
	char buf[160], c[8];

	cw = cw < 12 ? 12 : cw > 36 ? 36 : cw;
	snprintf(buf, sizeof buf, "query: %s (%s %d of %d); bar height and colour: weight",
	    f->labels[q], f->first ? "word" : "token", q + 1, n);
	text(s, MARGIN, y0 + 10, 11, "start", "normal", "#444", buf);
	y0 += 22;
	for (int h = 0; h < f->heads; h++) {
		const float *row = frame_grain_attn(f, L, h) + (size_t)q * n;
		double top = frame_grain_top(f, r->scale, L, h), y = y0 + h * (bh + 6);

		snprintf(buf, sizeof buf, "H%d", h + 1);
		text(s, MARGIN, y + bh - 4, 11, "start", "bold", "#000", buf);
		fprintf(s->f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#bbb\" "
		    "stroke-width=\"0.5\"/>\n", x0, y + bh, x0 + n * cw, y + bh);
		for (int j = 0; j < n; j++) {
			double t = pal_scale(row[j], top), hgt = t * bh;

			if (!frame_grain_attended(f, L, q, j) || !isfinite(row[j]))
				continue;
			colour_of(r->pal, t, c);
			fprintf(s->f, "<rect id=\"h%dk%d\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
			    "height=\"%.2f\" fill=\"%s\"><title>%.4f</title></rect>\n", h + 1, j + 1,
			    x0 + j * cw + 1, y + bh - hgt, cw - 2, hgt, c, row[j]);
		}
	}
	if (b > 0)
		boundary(s, x0 + b * cw, y0, x0 + b * cw, y0 + f->heads * (bh + 6), "#888888");
	y0 += f->heads * (bh + 6) + 4;
	for (int j = 0; j < n; j++)
		text_up(s, x0 + j * cw + cw / 2 + LABEL_PX * 0.35, y0 + max_label_w(f, LABEL_PX),
		    LABEL_PX, j == q, f->labels[j]);
	y0 += max_label_w(f, LABEL_PX) + 20;
	snprintf(buf, sizeof buf, r->scale == SCALE_HEAD
	    ? "colour and height: attention weight as a share of its top, %s"
	    : "colour and height: attention weight, %s", scale_words[r->scale]);
	legend(s, MARGIN, y0, r->pal, 0, r->scale == SCALE_LAYER ? f->layer_max[L] : 1.0, buf);
}

/* The all-input baseline's best predictions at one [MASK], from column x:
 * rank, piece and probability before, the change and the rank now. */
static void
draw_before(svg *s, const ui_mask_pred *p, double x, double y0)
{
	char buf[64];

	text(s, x, y0, 12, "start", "bold", "#000", "before (all-input) \u2192 now");
	y0 += 18;
	for (int i = 0; i < p->base_k; i++, y0 += 16) {
		snprintf(buf, sizeof buf, "%d.", i + 1);
		text(s, x, y0, 11, "start", "normal", "#444", buf);
		text(s, x + 22, y0, 11, "start", i == 0 ? "bold" : "normal", "#000", p->base_pieces[i]);
		snprintf(buf, sizeof buf, "%.1f%%", 100 * p->base_probs[i]);
		text(s, x + 170, y0, 11, "end", "normal", "#000", buf);
		if (p->now_rank[i] < 0)
			snprintf(buf, sizeof buf, "%+.1f  now >#%d",
			    100 * (p->now_prob[i] - p->base_probs[i]), UI_BASE_TOPK);
		else
			snprintf(buf, sizeof buf, p->now_rank[i] == i ? "%+.1f  =" : "%+.1f  now #%d",
			    100 * (p->now_prob[i] - p->base_probs[i]), p->now_rank[i] + 1);
		text(s, x + 178, y0, 11, "start", "normal", "#000", buf);
	}
}

static void
draw_output(svg *s, const export_req *r, const ui_frame *f, double y0)
{
	char buf[160], c[8];
	const double bw = 160, x = MARGIN, before_x = MARGIN + 470;

	text(s, x, y0 + 12, 13, "start", "bold", "#000", f->modified
	    ? "Predictions (\u0394 percentage points and rank vs. all-input)" : "Predictions");
	y0 += 30;
	if (f->modified) {   /* which heads the change comes from */
		char *line = export_changed_heads(f);

		text(s, x, y0, 11, "start", "normal", "#000", line);
		free(line);
		y0 += 20;
	}
	if (!f->has_mlm || f->nmask == 0) {
		text(s, x, y0, 11, "start", "normal", "#444", !f->has_mlm
		    ? "no masked-LM head in this checkpoint" : "no [MASK] in the sentence");
		y0 += 20;
	}
	for (int m = 0; f->has_mlm && m < f->nmask; m++) {
		const ui_mask_pred *p = &f->mask[m];

		snprintf(buf, sizeof buf, "[MASK] at token %d", p->pos + 1);
		text(s, x, y0, 12, "start", "bold", "#000", buf);
		if (f->modified)
			draw_before(s, p, before_x, y0);
		y0 += 18;
		for (int i = 0; i < p->k; i++) {
			snprintf(buf, sizeof buf, "%d.", i + 1);
			text(s, x, y0, 11, "start", "normal", "#444", buf);
			text(s, x + 22, y0, 11, "start", i == 0 ? "bold" : "normal", "#000", p->pieces[i]);
			snprintf(buf, sizeof buf, "%.1f%%", 100 * p->probs[i]);
			text(s, x + 170, y0, 11, "end", "normal", "#000", buf);
			colour_of(r->pal, p->probs[i], c);
			rect(s, x + 178, y0 - 9, bw * pal_scale(p->probs[i], 1), 10, c);
			if (f->modified) {
				if (p->base_rank[i] < 0)
					snprintf(buf, sizeof buf, "new, was >#%d", UI_BASE_TOPK);
				else
					snprintf(buf, sizeof buf, p->base_rank[i] == i ? "%+.1f  ="
					    : "%+.1f  was #%d", 100 * (p->probs[i] - p->base_prob[i]),
					    p->base_rank[i] + 1);
				text(s, x + 178 + bw + 8, y0, 11, "start", "normal", "#000", buf);
			}
			y0 += 16;
		}
		y0 += 10;
	}
	text(s, x, y0 + 8, 13, "start", "bold", "#000", "Hidden states vs. all-input (cosine)");
	y0 += 26;
	for (int l = 0; l <= f->layers; l++) {
		double cs = f->cosine[l];

		snprintf(buf, sizeof buf, l == 0 ? "emb" : "L%d", l);
		text(s, x, y0, 11, "start", "normal", "#444", buf);
		colour_of(r->pal, cs, c);
		rect(s, x + 40, y0 - 9, bw * pal_scale(cs, 1), 10, c);
		snprintf(buf, sizeof buf, "%.3f", cs);
		text(s, x + 48 + bw, y0, 11, "start", "normal", "#000", buf);
		y0 += 16;
	}
	legend(s, x, y0 + 10, r->pal, 0, 1, "colour and length: probability, cosine");
}

/* A row per head: its figures, each cell coloured by its value (shares,
 * the largest weight and entropy as a share of ln n on 0..1; input
 * dependence on 0..its largest), and its kind. */
static void
draw_stats(svg *s, const export_req *r, const ui_frame *fr, const uint8_t *modes, double y0)
{
	ui_grain g = export_grain(r, fr);
	const ui_grain *f = &g;
	const double cw = 52, rh = 16, x0 = MARGIN + 70;
	double dep_max = 0, ln_n = f->n > 1 ? log(f->n) : 1;
	char buf[64];

	for (int lh = 0; lh < f->layers * f->heads; lh++)
		if (f->hs[lh].v[HSTAT_DEP] > dep_max)
			dep_max = f->hs[lh].v[HSTAT_DEP];
	text(s, MARGIN, y0 + 12, 11, "start", "bold", "#000", "head");
	for (int k = 0; k < HSTAT_COUNT; k++)
		text(s, x0 + k * cw + cw / 2, y0 + 12, 11, "middle", "bold", "#000",
		    hstat_col_name((hstat_col)k));
	text(s, x0 + HSTAT_COUNT * cw + 8, y0 + 12, 11, "start", "bold", "#000", "kind");
	y0 += 20;
	for (int lh = 0; lh < f->layers * f->heads; lh++) {
		double y = y0 + lh * rh;

		snprintf(buf, sizeof buf, "L%dH%d %c", lh / f->heads + 1, lh % f->heads + 1,
		    enc_mode_badge((head_mode)modes[lh]));
		text(s, MARGIN, y + rh - 4, 11, "start", "normal", "#000", buf);
		for (int k = 0; k < HSTAT_COUNT; k++) {
			double v = f->hs[lh].v[k];
			double t = k == HSTAT_ENTROPY ? v / ln_n : k == HSTAT_DEP ? pal_scale(v, dep_max) : v;
			char c[8];

			if (isnan(v)) {
				text(s, x0 + k * cw + cw / 2, y + rh - 4, 10, "middle", "normal", "#888", "n/a");
				continue;
			}
			colour_of(r->pal, t, c);
			rect(s, x0 + k * cw + 1, y + 1, cw - 2, rh - 2, c);
			snprintf(buf, sizeof buf, "%.3f", v);
			text(s, x0 + k * cw + cw / 2, y + rh - 4, 10, "middle", "normal",
			    t > 0.55 ? "#000" : "#fff", buf);
		}
		text(s, x0 + HSTAT_COUNT * cw + 8, y + rh - 4, 11, "start", "normal", "#000",
		    hstat_cat_name(f->hs[lh].cat));
	}
	y0 += f->layers * f->heads * rh + 16;
	snprintf(buf, sizeof buf, "kinds: a share >= %.2f, or entropy >= %.2f ln n (broad)",
	    HSTAT_SHARE_MIN, HSTAT_BROAD_MIN);
	text(s, MARGIN, y0, 11, "start", "normal", "#444", buf);
	legend(s, MARGIN, y0 + 18, r->pal, 0, 1,
	    "colour: share of attention (entropy: share of ln n; dep: of its largest)");
}

/* The drawing itself, without the XML declaration (an HTML page holds it
 * inline). */
static int
figure(FILE *out, const export_req *r, const export_source *src, const ui_frame *f,
       const uint8_t *modes, heed_err *e)
{
	char *body = NULL;
	size_t len = 0;
	svg s = { open_memstream(&body, &len), 0, 0, 0 };
	double y0;

	if (s.f == NULL)
		util_oom(0);
	y0 = title(&s, r, src, f, modes);
	switch (r->view) {
	case VIEW_GRID: draw_grid(&s, r, f, modes, y0); break;
	case VIEW_HEAD: draw_head(&s, r, f, y0); break;
	case VIEW_TOKENS: draw_tokens(&s, r, f, y0); break;
	case VIEW_OUTPUT: draw_output(&s, r, f, y0); break;
	case VIEW_STATS: draw_stats(&s, r, f, modes, y0); break;
	case VIEW_IMP: export_imp_svg(&s, r, f, y0); break;
	default:
		fclose(s.f);
		free(body);
		return err_set(e, HEED_EINVAL, "this view has no vector export");
	}
	if (fclose(s.f) != 0) {
		free(body);
		return err_set(e, HEED_ENOMEM, "out of memory drawing the figure");
	}
	s.w = ceil(s.w + MARGIN);
	s.h = ceil(s.h + MARGIN);
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" "
	    "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"%s\">\n", s.w, s.h, s.w, s.h, FONT);
	fputs("<title>", out);
	xml_text(out, src->model);
	fputs(": ", out);
	xml_text(out, src->sentence);
	fputs("</title>\n<desc>", out);
	xml_text(out, src->command);
	fputs("</desc>\n", out);
	fprintf(out, "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n");
	fwrite(body, 1, len, out);
	fputs("</svg>\n", out);
	free(body);
	return HEED_OK;
}

int
export_svg(FILE *out, const export_req *r, const export_source *src, const ui_frame *f,
	   const uint8_t *modes, heed_err *e)
{
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fputs("<!-- made by heed; ", out);
	fputs("the command line that makes it again is in <desc> -->\n", out);
	return figure(out, r, src, f, modes, e);
}

int
export_html(FILE *out, const export_req *r, const export_source *src, const ui_frame *f,
	    const uint8_t *modes, heed_err *e)
{
	char what[160];
	char *txt = NULL;
	size_t len = 0;
	FILE *mem;
	int rc;

	view_title(r, f, modes, what, sizeof what);
	/* XHTML-compatible HTML5: browsers read it as HTML, xmllint as XML */
	fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\"/>\n<title>", out);
	xml_text(out, src->model);
	fputs(" \u00b7 ", out);
	xml_text(out, what);
	fputs("</title>\n<style>\n"
	    "body { font-family: " FONT "; margin: 2em; color: #000; background: #fff; }\n"
	    "pre, code { font-family: DejaVu Sans Mono, Menlo, Consolas, monospace; font-size: 12px; }\n"
	    "pre { background: #f6f6f6; padding: 1em; overflow-x: auto; }\n"
	    "</style>\n</head>\n<body>\n<figure>\n", out);
	if ((rc = figure(out, r, src, f, modes, e)) < 0)
		return rc;
	fputs("<figcaption>", out);
	xml_text(out, src->model);
	fputs(" \u00b7 ", out);
	xml_text(out, what);
	fputs("</figcaption>\n</figure>\n<h2>The numbers</h2>\n<pre>", out);
	if ((mem = open_memstream(&txt, &len)) == NULL)
		util_oom(0);
	rc = export_txt(mem, r, src, f, modes, e);
	if (fclose(mem) != 0 && rc == HEED_OK)
		rc = err_set(e, HEED_ENOMEM, "out of memory writing the numbers");
	if (rc == HEED_OK)
		xml_text(out, txt);
	free(txt);
	if (rc < 0)
		return rc;
	fputs("</pre>\n<p>Made again with: <code>", out);
	xml_text(out, src->command);
	fputs("</code></p>\n</body>\n</html>\n", out);
	return HEED_OK;
}

/* ---- for the figures drawn in other files (export_svg.h) ---------------- */

void
svg_rect(svg *s, double x, double y, double w, double h, const char *fill)
{
	rect(s, x, y, w, h, fill);
}

void
svg_text(svg *s, double x, double y, double px, const char *anchor, const char *weight,
	 const char *fill, const char *str)
{
	text(s, x, y, px, anchor, weight, fill, str);
}

void
svg_legend(svg *s, double x, double y, pal_kind k, double lo, double hi, const char *caption)
{
	legend(s, x, y, k, lo, hi, caption);
}

void
svg_colour(pal_kind k, double t, char out[8])
{
	colour_of(k, t, out);
}

void
svg_reach(svg *s, double x, double y)
{
	reach(s, x, y);
}
