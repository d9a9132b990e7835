/* hstat.c — per-head figures and categories (see hstat.h).
 *
 * Shares are means over query rows, as calibration's statistics are
 * (calib/stats.c), so a sentence's figures and a corpus's read the same:
 * prev over the rows that have a previous token, next over those with a
 * next one, the rest over every row.  Input dependence is the same
 * Jensen–Shannon divergence calibration averages over its corpus.
 */
#include "config.h"

#include "heed/hstat.h"

#include <math.h>
#include <string.h>
#include <utf8proc.h>

#include "heed/enc.h"

/* Is the piece (after a word marker) one or more punctuation characters? */
static bool
is_punct(const char *p)
{
	static const char *const marks[] = { "##", "\xc4\xa0" /* Ġ */, TOK_WORD_MARK };
	size_t len, i = 0;
	bool any = false;

	for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++)
		if (strncmp(p, marks[k], strlen(marks[k])) == 0) {
			p += strlen(marks[k]);
			break;
		}
	len = strlen(p);
	while (i < len) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t q = utf8proc_iterate((const utf8proc_uint8_t *)p + i,
		    (utf8proc_ssize_t)(len - i), &cp);

		if (q <= 0)
			return false;
		switch (utf8proc_category(cp)) {
		case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS:
		case UTF8PROC_CATEGORY_PE: case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF:
		case UTF8PROC_CATEGORY_PO:
			any = true;
			break;
		default:
			return false;
		}
		i += (size_t)q;
	}
	return any;
}

void
hstat_token_kinds(const tok_vocab *v, const int *ids, int n, uint8_t *kind)
{
	tok_specials sp = tok_vocab_specials(v);

	for (int i = 0; i < n; i++) {
		const char *p = tok_piece(v, ids[i]);

		kind[i] = 0;
		if (ids[i] == sp.cls)
			kind[i] |= HSTAT_TOK_CLS;
		if (ids[i] == sp.sep)
			kind[i] |= HSTAT_TOK_SEP;
		if (kind[i] == 0 && p != NULL && is_punct(p))
			kind[i] |= HSTAT_TOK_PUNCT;
	}
}

hstat_cat
hstat_category(const hstat *s, int n)
{
	const double share[4] = {
		s->v[HSTAT_PREV], s->v[HSTAT_NEXT], s->v[HSTAT_SELF],
		s->v[HSTAT_CLS] + s->v[HSTAT_SEP] + s->v[HSTAT_PUNCT],
	};
	int best = 0;

	for (int k = 1; k < 4; k++)
		if (share[k] > share[best])
			best = k;
	if (share[best] >= HSTAT_SHARE_MIN)
		return (hstat_cat)(HCAT_PREV + best);
	if (n > 1 && s->v[HSTAT_ENTROPY] >= HSTAT_BROAD_MIN * log((double)n))
		return HCAT_BROAD;
	return HCAT_MIXED;
}

/* b ln b, as the divergence takes it (float logarithm, double product). */
static inline double
xlogx(float b)
{
	return b > 0 ? b * (double)logf(b) : 0;
}

void
hstat_average_ala(const float *avg, size_t count, double *out)
{
	for (size_t k = 0; k < count; k++)
		out[k] = xlogx(avg[k]);
}

void
hstat_head(const float *attn, int n, const uint8_t *kind, const float *avg, hstat *out)
{
	hstat_head_ala(attn, n, kind, avg, NULL, out);
}

void
hstat_head_ala(const float *attn, int n, const uint8_t *kind, const float *avg,
	       const double *avg_ala, hstat *out)
{
	double ent = 0, prev = 0, next = 0, self = 0, cls = 0, sep = 0, punct = 0, dep = 0;
	float top = 0;

	for (int i = 0; i < n; i++) {
		const float *row = attn + (size_t)i * n;
		const float *q = avg != NULL ? avg + (size_t)i * n : NULL;
		const double *qq = avg_ala != NULL ? avg_ala + (size_t)i * n : NULL;
		double jsd = 0;

		for (int j = 0; j < n; j++) {
			float a = row[j];
			/* a ln a serves the entropy and the divergence alike; float
			 * logarithms: the worker does this for every weight of every
			 * head on every keystroke, and the figures show three digits */
			double ala = a > 0 ? a * (double)logf(a) : 0;

			ent -= ala;
			if (q != NULL) {
				float b = q[j], m = 0.5f * (a + b);

				/* JSD = (sum of a ln a + b ln b - 2 m ln m) / 2, m the
				 * mean of the two rows: three logarithms, no division;
				 * the same divergence as calib_jsd */
				jsd += ala + (qq != NULL ? qq[j] : xlogx(b))
				    - (m > 0 ? 2.0 * m * (double)logf(m) : 0);
			}
			if (a > top)
				top = a;
			if (kind[j] & HSTAT_TOK_CLS)
				cls += a;
			if (kind[j] & HSTAT_TOK_SEP)
				sep += a;
			if (kind[j] & HSTAT_TOK_PUNCT)
				punct += a;
		}
		self += row[i];
		if (i > 0)
			prev += row[i - 1];
		if (i < n - 1)
			next += row[i + 1];
		dep += 0.5 * jsd;
	}
	out->v[HSTAT_ENTROPY] = n > 0 ? ent / n : 0;
	out->v[HSTAT_PREV] = n > 1 ? prev / (n - 1) : 0;
	out->v[HSTAT_NEXT] = n > 1 ? next / (n - 1) : 0;
	out->v[HSTAT_SELF] = n > 0 ? self / n : 0;
	out->v[HSTAT_CLS] = n > 0 ? cls / n : 0;
	out->v[HSTAT_SEP] = n > 0 ? sep / n : 0;
	out->v[HSTAT_PUNCT] = n > 0 ? punct / n : 0;
	out->v[HSTAT_DEP] = avg == NULL ? NAN : n > 0 ? dep / n : 0;
	out->v[HSTAT_MAX] = top;
	out->cat = hstat_category(out, n);
}

bool
hstat_has_average(const calib *cal)
{
	return cal != NULL && cal->avg != NULL;
}

void
hstat_average_rows(const calib *cal, int layer, int head, int n, float *out)
{
	for (int i = 0; i < n; i++)
		enc_mode_row(HEAD_AVERAGE, cal, cal->L, layer, head, n, i, NULL, out + (size_t)i * n);
}

void
hstat_heads(const float *attn, int layers, int heads, int n, const uint8_t *kind,
	    const calib *cal, float *scratch, hstat *out)
{
	size_t nn = (size_t)n * n;
	bool avg = hstat_has_average(cal);

	for (int l = 0; l < layers; l++)
		for (int h = 0; h < heads; h++) {
			size_t lh = (size_t)l * heads + h;

			if (avg)
				hstat_average_rows(cal, l, h, n, scratch);
			hstat_head(attn + lh * nn, n, kind, avg ? scratch : NULL, &out[lh]);
		}
}

void
hstat_run(const enc_state *s, int layers, int heads, const uint8_t *kind,
	  const calib *cal, float *buf, hstat *out)
{
	int n = enc_n(s);
	size_t nn = (size_t)n * n;

	for (int l = 0; l < layers; l++)
		for (int h = 0; h < heads; h++)
			memcpy(buf + ((size_t)l * heads + h) * nn, enc_attn(s, l, h), nn * sizeof *buf);
	hstat_heads(buf, layers, heads, n, kind, cal, buf + (size_t)layers * heads * nn, out);
}

static const char *const col_names[HSTAT_COUNT] = {
	"entropy", "prev", "next", "self", "cls", "sep", "punct", "dep", "max",
};

static const char *const cat_names[HCAT_COUNT] = {
	"previous-token", "next-token", "self", "sink", "broad", "mixed",
};

const char *
hstat_col_name(hstat_col c)
{
	return c >= 0 && c < HSTAT_COUNT ? col_names[c] : "?";
}

int
hstat_col_parse(const char *s)
{
	for (int c = 0; c < HSTAT_COUNT; c++)
		if (strcmp(s, col_names[c]) == 0)
			return c;
	return -1;
}

const char *
hstat_cat_name(hstat_cat c)
{
	return c >= 0 && c < HCAT_COUNT ? cat_names[c] : "?";
}

int
hstat_cat_parse(const char *s)
{
	if (strcmp(s, "prev") == 0 || strcmp(s, "previous") == 0)
		return HCAT_PREV;
	if (strcmp(s, "next") == 0)
		return HCAT_NEXT;
	for (int c = 0; c < HCAT_COUNT; c++)
		if (strcmp(s, cat_names[c]) == 0)
			return c;
	return -1;
}

char
hstat_cat_badge(hstat_cat c)
{
	static const char badges[HCAT_COUNT] = { 'p', 'n', 's', 'k', 'b', 'm' };

	return c >= 0 && c < HCAT_COUNT ? badges[c] : '?';
}
