/* export_txt.c — a view's numbers as plain text: what a figure shows, to
 * four decimals, for a table in a paper or a diff between two runs.
 * Lines starting with '#' say where the numbers come from; the rest are
 * tab-separated, one table per block, blocks apart by a blank line. */
#include "export.h"

#include <math.h>
#include <stdio.h>

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
weight(FILE *f, const ui_frame *fr, int layer, int i, int j, float v)
{
	if (!frame_attended(fr, layer, i, j))
		fputs("\t-", f);
	else if (!isfinite(v))
		fputs("\tnan", f);
	else
		fprintf(f, "\t%.4f", v);
}

/* An n x n matrix: a header of keys, then a row per query. */
static void
matrix(FILE *f, const ui_frame *fr, int layer, const float *m)
{
	fputs("query\\key", f);
	for (int j = 0; j < fr->n; j++) {
		fputc('\t', f);
		field(f, fr->labels[j]);
	}
	fputc('\n', f);
	for (int i = 0; i < fr->n; i++) {
		field(f, fr->labels[i]);
		for (int j = 0; j < fr->n; j++)
			weight(f, fr, layer, i, j, m[(size_t)i * fr->n + j]);
		fputc('\n', f);
	}
}

static void
head_block(FILE *f, const ui_frame *fr, const uint8_t *modes, int l, int h)
{
	int i = l * fr->heads + h;

	fprintf(f, "# L%d H%d\tmode %s\t%s\tentropy %.4f nats\tlargest %.4f", l + 1, h + 1,
	    enc_mode_name((head_mode)modes[i]), hstat_cat_name(fr->hs[i].cat),
	    fr->stat[STAT_ENTROPY][i], fr->vmax[i]);
	if (fr->has_stat[STAT_JSD])
		fprintf(f, "\tinput dependence (JSD) %.4f", fr->stat[STAT_JSD][i]);
	fputc('\n', f);
	matrix(f, fr, l, frame_attn(fr, l, h));
}

static void
tokens_block(FILE *f, const export_req *r, const ui_frame *fr)
{
	int n = fr->n, q = r->query;

	fprintf(f, "# layer %d, query token %d (", r->layer + 1, q + 1);
	field(f, fr->labels[q]);
	fputs("): its attention row in every head\nhead\\key", f);
	for (int j = 0; j < n; j++) {
		fputc('\t', f);
		field(f, fr->labels[j]);
	}
	fputc('\n', f);
	for (int h = 0; h < fr->heads; h++) {
		const float *row = frame_attn(fr, r->layer, h) + (size_t)q * n;

		fprintf(f, "H%d", h + 1);
		for (int j = 0; j < n; j++)
			weight(f, fr, r->layer, q, j, row[j]);
		fputc('\n', f);
	}
}

static void
output_block(FILE *f, const ui_frame *fr)
{
	if (!fr->has_mlm)
		fputs("# no masked-LM head in this checkpoint\n", f);
	else if (fr->nmask == 0)
		fputs("# no [MASK] in the sentence\n", f);
	for (int m = 0; fr->has_mlm && m < fr->nmask; m++) {
		const ui_mask_pred *p = &fr->mask[m];

		fprintf(f, "# [MASK] at token %d\nrank\tpiece\tprobability\tall-input probability\t"
		    "all-input rank\n", p->pos + 1);
		for (int i = 0; i < p->k; i++) {
			fprintf(f, "%d\t", i + 1);
			field(f, p->pieces[i]);
			fprintf(f, "\t%.4f\t", p->probs[i]);
			if (p->base_rank[i] < 0)
				fprintf(f, "-\t>%d\n", UI_BASE_TOPK);
			else
				fprintf(f, "%.4f\t%d\n", p->base_prob[i], p->base_rank[i] + 1);
		}
		fputc('\n', f);
	}
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
stats_block(FILE *f, const ui_frame *fr, const uint8_t *modes)
{
	fputs("# every head's figures on this sentence (heed(1), STATISTICS)\nhead\tmode", f);
	for (int k = 0; k < HSTAT_COUNT; k++)
		fprintf(f, "\t%s", hstat_col_name((hstat_col)k));
	fputs("\tkind\n", f);
	for (int lh = 0; lh < fr->layers * fr->heads; lh++) {
		fprintf(f, "L%dH%d\t%s", lh / fr->heads + 1, lh % fr->heads + 1,
		    enc_mode_name((head_mode)modes[lh]));
		for (int k = 0; k < HSTAT_COUNT; k++) {
			if (isnan(fr->hs[lh].v[k]))
				fputs("\t-", f);
			else
				fprintf(f, "\t%.4f", fr->hs[lh].v[k]);
		}
		fprintf(f, "\t%s\n", hstat_cat_name(fr->hs[lh].cat));
	}
}

int
export_txt(FILE *f, const export_req *r, const export_source *src, const ui_frame *fr,
	   const uint8_t *modes, heed_err *e)
{
	fputs("# heed: ", f);
	field(f, src->model);
	fputs("\n# sentence: ", f);
	field(f, src->sentence);
	fprintf(f, "\n# head modes: %s\n# made again with: ", *src->modes ? src->modes : "all input");
	field(f, src->command);
	fprintf(f, "\n# %d tokens; layers, heads and tokens count from 1\n", fr->n);
	for (int i = 1; i < fr->n; i++)
		if (frame_seg_start(fr, i))
			fprintf(f, "# sentence pair: segment A is tokens 1-%d, segment B %d-%d\n", i,
			    i + 1, fr->n);
	fputc('\n', f);
	switch (r->view) {
	case VIEW_GRID:
		for (int l = 0; l < fr->layers; l++)
			for (int h = 0; h < fr->heads; h++) {
				if (l + h > 0)
					fputc('\n', f);
				head_block(f, fr, modes, l, h);
			}
		break;
	case VIEW_HEAD:
		head_block(f, fr, modes, r->layer, r->head);
		break;
	case VIEW_TOKENS:
		tokens_block(f, r, fr);
		break;
	case VIEW_OUTPUT:
		output_block(f, fr);
		break;
	case VIEW_STATS:
		stats_block(f, fr, modes);
		break;
	default:
		return err_set(e, HEED_EINVAL, "this view has no text export");
	}
	return HEED_OK;
}
