/* export_imp.c — the importance view (view 6) as a figure and as numbers:
 * the layer × head heatmap of each head's score, the heads sorted most
 * important first, and the replacement curve as a line plot (the PAPA
 * paper's figure: the masked token's probability, and whether it is still
 * the top prediction, as heads are replaced one by one).  The numbers are
 * the explorer's (worker_importance runs the same scan the view shows).
 */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "export_imp.h"
#include "heed/enc.h"

#define CELL_W 46.0
#define CELL_H 22.0
#define LIST_MAX 48            /* heads the figure's list names at most */
#define PLOT_W 480.0
#define PLOT_H 220.0

static const char *const order_arg[IMP_ORDER_COUNT] = { "importance", "papa" };
static const char *const order_words[IMP_ORDER_COUNT] = {
	"least important first", "least input-dependent first (PAPA)",
};

int
export_imp_parse(const char *arg, export_req *r, heed_err *e)
{
	char mode[32] = "";
	const char *comma = arg != NULL ? strchr(arg, ',') : NULL;
	head_mode m;

	r->imp_replace = HEAD_INPUT;
	r->imp_order = IMP_ORDER_SCORE;
	if (arg == NULL)
		return HEED_OK;
	snprintf(mode, sizeof mode, "%.*s", comma ? (int)(comma - arg) : (int)strlen(arg), arg);
	if (enc_mode_parse(mode, &m) < 0 || m == HEAD_INPUT)
		return err_set(e, HEED_EINVAL, "--view importance: '%s' is not average, dense, random "
		    "or uniform (importance:MODE[,ORDER])", mode);
	r->imp_replace = (uint8_t)m;
	if (comma == NULL)
		return HEED_OK;
	for (int o = 0; o < IMP_ORDER_COUNT; o++)
		if (strcmp(comma + 1, order_arg[o]) == 0) {
			r->imp_order = (uint8_t)o;
			return HEED_OK;
		}
	return err_set(e, HEED_EINVAL, "--view importance: the curve order '%s' is not importance "
	    "or papa", comma + 1);
}

int
export_imp_ready(export_req *r, const calib *cal, heed_err *e)
{
	if (r->imp_replace == HEAD_INPUT)
		r->imp_replace = cal != NULL ? HEAD_AVERAGE : HEAD_UNIFORM;
	if (!enc_mode_available((head_mode)r->imp_replace, cal))
		return err_set(e, HEED_ENOCALIB, "--view importance: %s replacement needs %s",
		    enc_mode_name((head_mode)r->imp_replace), cal == NULL ?
		    "a calibration file (heed calibrate)" : "a calibration with dense synthesizers");
	if (r->imp_order == IMP_ORDER_PAPA && (cal == NULL || cal->stats == NULL))
		return err_set(e, HEED_ENOCALIB, "--view importance: the papa order needs a "
		    "calibration file (heed calibrate)");
	return HEED_OK;
}

void
export_imp_arg(const export_req *r, char *buf, size_t cap)
{
	snprintf(buf, cap, "importance:%s,%s", enc_mode_name((head_mode)r->imp_replace),
	    order_arg[r->imp_order < IMP_ORDER_COUNT ? r->imp_order : 0]);
}

void
export_imp_title(const export_req *r, char *buf, size_t cap)
{
	const ui_imp *p = r->imp;

	snprintf(buf, cap, "which heads matter: each head alone \u2192 %s; %s",
	    enc_mode_name((head_mode)r->imp_replace),
	    p != NULL && p->measure == IMP_KL ? "KL at [MASK] (nats)" : "last-layer distance (no [MASK])");
}

/* ---- the figure ------------------------------------------------------- */

static double
heatmap(svg *s, const export_req *r, const ui_frame *f, double x0, double y0)
{
	const ui_imp *p = r->imp;
	char buf[32], c[8];

	for (int h = 0; h < f->heads; h++) {
		snprintf(buf, sizeof buf, "H%d", h + 1);
		svg_text(s, x0 + 30 + h * CELL_W + CELL_W / 2, y0 + 12, 11, "middle", "bold", "#000", buf);
	}
	y0 += 18;
	for (int l = 0; l < f->layers; l++) {
		double y = y0 + l * CELL_H;

		snprintf(buf, sizeof buf, "L%d", l + 1);
		svg_text(s, x0, y + CELL_H - 7, 11, "start", "bold", "#000", buf);
		for (int h = 0; h < f->heads; h++) {
			int i = l * f->heads + h;
			double t = p->max_score > 0.0 ? p->score[i] / p->max_score : 0.0;

			svg_colour(r->pal, t, c);
			svg_rect(s, x0 + 30 + h * CELL_W + 1, y + 1, CELL_W - 2, CELL_H - 2, c);
			if (p->same[i])
				snprintf(buf, sizeof buf, "=");
			else
				snprintf(buf, sizeof buf, "%.3f", p->score[i]);
			svg_text(s, x0 + 30 + h * CELL_W + CELL_W / 2, y + CELL_H - 7, 9, "middle", "normal",
			    t > 0.55 ? "#000" : "#fff", buf);
		}
	}
	y0 += f->layers * CELL_H + 12;
	svg_legend(s, x0, y0, r->pal, 0.0, p->max_score, p->measure == IMP_KL ?
	    "colour: KL at [MASK], 0 to the largest head's" : "colour: last-layer distance, 0 to the largest");
	return y0 + 40;
}

static void
ranked(svg *s, const export_req *r, const ui_frame *f, double x0, double y0)
{
	const ui_imp *p = r->imp;
	int lh = f->layers * f->heads;
	char buf[96];

	svg_text(s, x0, y0 + 12, 11, "start", "bold", "#000", "most important");
	for (int k = 0; k < lh && k < LIST_MAX; k++) {
		int i = p->rank[k];

		if (p->measure == IMP_KL)
			snprintf(buf, sizeof buf, "%d. L%dH%d  %.3g  %+.1fpp", k + 1, i / f->heads + 1,
			    i % f->heads + 1, p->score[i], 100 * p->dprob[i]);
		else
			snprintf(buf, sizeof buf, "%d. L%dH%d  %.3g", k + 1, i / f->heads + 1,
			    i % f->heads + 1, p->score[i]);
		svg_text(s, x0, y0 + 28 + k * 14, 10, "start", "normal", p->same[i] ? "#888" : "#000", buf);
	}
	if (lh > LIST_MAX) {
		snprintf(buf, sizeof buf, "... %d more in the numbers (txt)", lh - LIST_MAX);
		svg_text(s, x0, y0 + 28 + LIST_MAX * 14, 10, "start", "normal", "#888", buf);
	}
}

/* One series as a polyline over the plot, v[0..lh] on 0..top. */
static void
series(svg *s, double x0, double y0, const double *v, int lh, double top, const char *stroke,
       const char *dash)
{
	fprintf(s->f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"%s%s%s points=\"",
	    stroke, dash ? " stroke-dasharray=\"" : "", dash ? dash : "", dash ? "\"" : "");
	for (int k = 0; k <= lh; k++)
		fprintf(s->f, "%s%.2f,%.2f", k ? " " : "", x0 + PLOT_W * k / lh,
		    y0 + PLOT_H - PLOT_H * (v[k] > top ? top : v[k] < 0 ? 0 : v[k]) / top);
	fputs("\"/>\n", s->f);
}

/* The PAPA paper's figure for this sentence. */
static double
curve(svg *s, const export_req *r, const ui_frame *f, double x0, double y0)
{
	const ui_imp *p = r->imp;
	int lh = f->layers * f->heads, step = lh > 8 ? (lh + 7) / 8 : 1;
	bool masks = p->measure == IMP_KL;
	double top = masks ? 1.0 : 0.0, px0 = x0 + 44, py0 = y0 + 24;
	char buf[200];

	if (masks)
		snprintf(buf, sizeof buf, "replacement curve: P(\u201c%s\u201d) at [MASK]%s as heads go to %s, %s",
		    p->target_label, p->nmask > 1 ? "s (mean of each's target)" : "",
		    enc_mode_name((head_mode)p->req.replace), order_words[p->req.order]);
	else
		snprintf(buf, sizeof buf, "replacement curve: last-layer distance as heads go to %s, %s",
		    enc_mode_name((head_mode)p->req.replace), order_words[p->req.order]);
	svg_text(s, x0, y0 + 12, 12, "start", "bold", "#000", buf);
	for (int k = 0; !masks && k <= lh; k++)
		top = p->curve_kl[k] > top ? p->curve_kl[k] : top;
	if (top <= 0.0)
		top = 1.0;
	/* axes, grid lines and ticks */
	fprintf(s->f, "<path d=\"M%.2f %.2fV%.2fH%.2f\" fill=\"none\" stroke=\"#000\"/>\n", px0, py0,
	    py0 + PLOT_H, px0 + PLOT_W);
	for (int t = 0; t <= 4; t++) {
		double y = py0 + PLOT_H - PLOT_H * t / 4;

		fprintf(s->f, "<path d=\"M%.2f %.2fH%.2f\" stroke=\"#ddd\"/>\n", px0 + 1, y, px0 + PLOT_W);
		snprintf(buf, sizeof buf, masks ? "%.2f" : "%.3g", top * t / 4);
		svg_text(s, px0 - 6, y + 4, 10, "end", "normal", "#333", buf);
	}
	for (int k = 0; k <= lh; k += step) {
		double x = px0 + PLOT_W * k / lh;

		fprintf(s->f, "<path d=\"M%.2f %.2fv4\" stroke=\"#000\"/>\n", x, py0 + PLOT_H);
		snprintf(buf, sizeof buf, "%d", k);
		svg_text(s, x, py0 + PLOT_H + 16, 10, "middle", "normal", "#333", buf);
	}
	svg_text(s, px0 + PLOT_W / 2, py0 + PLOT_H + 32, 11, "middle", "normal", "#000",
	    "heads replaced");
	svg_reach(s, px0 + PLOT_W, py0 + PLOT_H);
	if (masks) {
		series(s, px0, py0, p->curve_prob, lh, top, "#1f4e9c", NULL);
		series(s, px0, py0, p->curve_acc, lh, top, "#c2462e", "5,3");
		svg_text(s, px0 + PLOT_W + 10, py0 + 12, 10, "start", "normal", "#1f4e9c",
		    "probability of the target");
		svg_text(s, px0 + PLOT_W + 10, py0 + 28, 10, "start", "normal", "#c2462e",
		    "masks whose top is the target");
	} else {
		series(s, px0, py0, p->curve_kl, lh, top, "#1f4e9c", NULL);
	}
	return py0 + PLOT_H + 44;
}

void
export_imp_svg(svg *s, const export_req *r, const ui_frame *f, double y0)
{
	double list_x = 16 + 30 + f->heads * CELL_W + 40, y;

	if (list_x < 300)
		list_x = 300;
	ranked(s, r, f, list_x, y0);
	y = heatmap(s, r, f, 16, y0);
	int shown = f->layers * f->heads < LIST_MAX ? f->layers * f->heads : LIST_MAX + 1;
	if (y < y0 + 36 + shown * 14)
		y = y0 + 36 + shown * 14;
	curve(s, r, f, 16, y);
}

/* ---- the numbers ---------------------------------------------------------- */

void
export_imp_txt(FILE *out, const export_req *r, const ui_frame *f)
{
	const ui_imp *p = r->imp;
	int lh = f->layers * f->heads;
	bool masks = p->measure == IMP_KL;

	fprintf(out, "# importance: each head alone -> %s; score = %s\n",
	    enc_mode_name((head_mode)r->imp_replace), masks ? "mean KL(base || switched) at the "
	    "[MASK]s, nats; dprob = mean change of the target's probability" :
	    "||H_switched - H_base||_F / ||H_base||_F of the last layer");
	if (masks)
		fprintf(out, "# %d masks; the first's target \"%s\" (id %d), p = %.9g unswitched\n",
		    p->nmask, p->target_label, p->target, p->base_prob);
	fputs("layer\thead\tscore\tdprob\tsame\n", out);
	for (int i = 0; i < lh; i++)
		fprintf(out, "%d\t%d\t%.9g\t%.9g\t%s\n", i / f->heads + 1, i % f->heads + 1, p->score[i],
		    p->dprob[i], p->same[i] ? "yes" : "no");
	fputs("\n# most important first\nrank\tlayer\thead\tscore\n", out);
	for (int k = 0; k < lh; k++)
		fprintf(out, "%d\t%d\t%d\t%.9g\n", k + 1, p->rank[k] / f->heads + 1,
		    p->rank[k] % f->heads + 1, p->score[p->rank[k]]);
	fprintf(out, "\n# replacement curve, %s: point k has the first k heads replaced\n",
	    order_words[p->req.order]);
	fputs(masks ? "replaced\tlayer\thead\tprob\ttop\tkl\n" : "replaced\tlayer\thead\tdistance\n", out);
	for (int k = 0; k <= lh; k++) {
		int i = k > 0 ? p->curve_order[k - 1] : -1;

		if (i < 0)
			fputs("0\t-\t-", out);
		else
			fprintf(out, "%d\t%d\t%d", k, i / f->heads + 1, i % f->heads + 1);
		if (masks)
			fprintf(out, "\t%.9g\t%.9g\t%.9g\n", p->curve_prob[k], p->curve_acc[k], p->curve_kl[k]);
		else
			fprintf(out, "\t%.9g\n", p->curve_kl[k]);
	}
}
