/* export_txt.c — a view's numbers as plain text: what a figure shows, to
 * four decimals, for a table in a paper or a diff between two runs.
 * Lines starting with '#' say where the numbers come from; the rest are
 * tab-separated, one table per block, blocks apart by a blank line. */
#include "export.h"
#include "export_imp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "heed/enc.h"
#include "heed/hstat.h"

/* A label as one TSV field: tabs and line breaks would split the row. */
static void
field(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\t' || c == '\n' || c == '\r' || c < 0x20 || c == 0x7f)
			fputc('?', f);
		else
			fputc(c, f);
	}
}

static void
weight(FILE *f, const ui_grain *g, int layer, int i, int j, float v)
{
	if (!frame_grain_attended(g, layer, i, j))
		fputs("\t-", f);
	else if (!isfinite(v))
		fputs("\tnan", f);
	else
		fprintf(f, "\t%.4f", v);
}

/* A header of the grain's items (tokens or words) after the corner cell. */
static void
keys(FILE *f, const ui_grain *g, const char *corner)
{
	fputs(corner, f);
	for (int j = 0; j < g->n; j++) {
		fputc('\t', f);
		field(f, g->labels[j]);
	}
	fputc('\n', f);
}

/* An n x n matrix: a header of keys, then a row per query. */
static void
matrix(FILE *f, const ui_grain *g, int layer, const float *m)
{
	keys(f, g, "query\\key");
	for (int i = 0; i < g->n; i++) {
		field(f, g->labels[i]);
		for (int j = 0; j < g->n; j++)
			weight(f, g, layer, i, j, m[(size_t)i * g->n + j]);
		fputc('\n', f);
	}
}

static void
head_block(FILE *f, const ui_frame *fr, const ui_grain *g, const uint8_t *modes, int l, int h)
{
	int i = l * fr->heads + h;

	fprintf(f, "# L%d H%d\tmode %s\t%s\tentropy %.4f nats\tlargest %.4f", l + 1, h + 1,
	    enc_mode_name((head_mode)modes[i]), hstat_cat_name(g->hs[i].cat),
	    g->hs[i].v[HSTAT_ENTROPY], g->vmax[i]);
	if (fr->has_stat[STAT_JSD])
		fprintf(f, "\tinput dependence (JSD) %.4f", fr->stat[STAT_JSD][i]);
	fputc('\n', f);
	matrix(f, g, l, frame_grain_attn(g, l, h));
}

static void
tokens_block(FILE *f, const export_req *r, const ui_grain *g)
{
	int n = g->n, q = r->query;

	fprintf(f, "# layer %d, query %s %d (", r->layer + 1, g->first ? "word" : "token", q + 1);
	field(f, g->labels[q]);
	fputs("): its attention row in every head\n", f);
	keys(f, g, "head\\key");
	for (int h = 0; h < g->heads; h++) {
		const float *row = frame_grain_attn(g, r->layer, h) + (size_t)q * n;

		fprintf(f, "H%d", h + 1);
		for (int j = 0; j < n; j++)
			weight(f, g, r->layer, q, j, row[j]);
		fputc('\n', f);
	}
}

/* A probability change in percentage points, as the explorer shows it. */
static void
delta(FILE *f, float now, float before)
{
	fprintf(f, "\t%+.2f", 100 * ((double)now - before));
}

/* One [MASK]: the best predictions now, each with its all-input
 * probability and rank; under other modes the change, and then the
 * all-input best with where each went (its probability now is exact at
 * any rank; a rank past the depth searched is ">50"). */
static void
mask_block(FILE *f, const ui_mask_pred *p, bool modified)
{
	fprintf(f, "# [MASK] at token %d\nrank\tpiece\tprobability\tall-input probability\t"
	    "all-input rank%s\n", p->pos + 1, modified ? "\tchange (pp)" : "");
	for (int i = 0; i < p->k; i++) {
		fprintf(f, "%d\t", i + 1);
		field(f, p->pieces[i]);
		fprintf(f, "\t%.4f\t", p->probs[i]);
		/* past the baseline's top 50 its probability is not known */
		if (p->base_rank[i] < 0)
			fprintf(f, "-\t>%d%s", UI_BASE_TOPK, modified ? "\t-" : "");
		else
			fprintf(f, "%.4f\t%d", p->base_prob[i], p->base_rank[i] + 1);
		if (p->base_rank[i] >= 0 && modified)
			delta(f, p->probs[i], p->base_prob[i]);
		fputc('\n', f);
	}
	if (modified) {
		fprintf(f, "\n# [MASK] at token %d before (all-input) and now\nall-input rank\tpiece\t"
		    "all-input probability\tprobability\tchange (pp)\trank\n", p->pos + 1);
		for (int i = 0; i < p->base_k; i++) {
			fprintf(f, "%d\t", i + 1);
			field(f, p->base_pieces[i]);
			fprintf(f, "\t%.4f\t%.4f", p->base_probs[i], p->now_prob[i]);
			delta(f, p->now_prob[i], p->base_probs[i]);
			if (p->now_rank[i] < 0)
				fprintf(f, "\t>%d\n", UI_BASE_TOPK);
			else
				fprintf(f, "\t%d\n", p->now_rank[i] + 1);
		}
	}
	fputc('\n', f);
}

static void
output_block(FILE *f, const ui_frame *fr)
{
	if (fr->modified) {   /* the heads not on input, as the explorer lists them */
		char *line = export_changed_heads(fr);

		fprintf(f, "# %s\n", line);
		free(line);
	}
	if (!fr->has_mlm)
		fputs("# no masked-LM head in this checkpoint\n", f);
	else if (fr->nmask == 0)
		fputs("# no [MASK] in the sentence\n", f);
	if (fr->modified && fr->has_mlm && fr->nmask > 0)
		fputc('\n', f);
	for (int m = 0; fr->has_mlm && m < fr->nmask; m++)
		mask_block(f, &fr->mask[m], fr->modified);
	fputs("# hidden states vs. all-input\nlayer\tcosine\n", f);
	for (int l = 0; l <= fr->layers; l++) {
		if (l == 0)
			fputs("emb", f);
		else
			fprintf(f, "L%d", l);
		fprintf(f, "\t%.4f\n", fr->cosine[l]);
	}
}

/* A row per head: its figures on this sentence (hstat.h) and its kind. */
static void
stats_block(FILE *f, const ui_grain *g, const uint8_t *modes)
{
	fprintf(f, "# every head's figures on this sentence%s (heed(1), STATISTICS)\nhead\tmode",
	    g->first ? ", between words" : "");
	for (int k = 0; k < HSTAT_COUNT; k++)
		fprintf(f, "\t%s", hstat_col_name((hstat_col)k));
	fputs("\tkind\n", f);
	for (int lh = 0; lh < g->layers * g->heads; lh++) {
		fprintf(f, "L%dH%d\t%s", lh / g->heads + 1, lh % g->heads + 1,
		    enc_mode_name((head_mode)modes[lh]));
		for (int k = 0; k < HSTAT_COUNT; k++) {
			if (isnan(g->hs[lh].v[k]))
				fputs("\t-", f);
			else
				fprintf(f, "\t%.4f", g->hs[lh].v[k]);
		}
		fprintf(f, "\t%s\n", hstat_cat_name(g->hs[lh].cat));
	}
}

int
export_txt(FILE *f, const export_req *r, const export_source *src, const ui_frame *fr,
	   const uint8_t *modes, heed_err *e)
{
	ui_grain g = export_grain(r, fr);
	const char *item = g.first ? "words" : "tokens";
	int b = frame_grain_seg_b(fr, &g);

	fputs("# heed: ", f);
	field(f, src->model);
	fputs("\n# sentence: ", f);
	field(f, src->sentence);
	fprintf(f, "\n# head modes: %s\n# made again with: ", *src->modes ? src->modes : "all input");
	field(f, src->command);
	if (g.first != NULL)
		fprintf(f, "\n# %d tokens in %d words: attention to a word summed over its pieces, "
		    "from a word averaged", fr->n, g.n);
	else
		fprintf(f, "\n# %d tokens", fr->n);
	fprintf(f, "; layers, heads and %s count from 1\n", item);
	if (b > 0)
		fprintf(f, "# sentence pair: segment A is %s 1-%d, segment B %d-%d\n", item, b, b + 1,
		    g.n);
	fputc('\n', f);
	switch (r->view) {
	case VIEW_GRID:
		for (int l = 0; l < fr->layers; l++)
			for (int h = 0; h < fr->heads; h++) {
				if (l + h > 0)
					fputc('\n', f);
				head_block(f, fr, &g, modes, l, h);
			}
		break;
	case VIEW_HEAD:
		head_block(f, fr, &g, modes, r->layer, r->head);
		break;
	case VIEW_TOKENS:
		tokens_block(f, r, &g);
		break;
	case VIEW_OUTPUT:
		output_block(f, fr);
		break;
	case VIEW_STATS:
		stats_block(f, &g, modes);
		break;
	case VIEW_IMP:
		export_imp_txt(f, r, fr);
		break;
	default:
		return err_set(e, HEED_EINVAL, "this view has no text export");
	}
	return HEED_OK;
}
