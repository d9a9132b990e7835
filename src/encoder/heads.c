/* heads.c — what a head attends with when it is not using its own
 * softmax(QK^T/sqrt(d)): PAPA averages, Dense and Random Synthesizers,
 * uniform rows; and the head-mode presets users type (-modes, preset files).
 *
 * Every mode here produces one attention row at a time so the encoder can
 * fill a head's n x n matrix row by row without any L x L scratch.
 */
#define _POSIX_C_SOURCE 200809L   /* strtok_r */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "heed/enc.h"
#include "encoder_int.h"

static const char *const mode_names[HEAD_MODE_COUNT] = {
	"input", "average", "dense", "random", "uniform",
};
static const char mode_badges[HEAD_MODE_COUNT] = { 'I', 'A', 'D', 'R', 'U' };

const char *
enc_mode_name(head_mode m)
{
	return (unsigned)m < HEAD_MODE_COUNT ? mode_names[m] : "?";
}

char
enc_mode_badge(head_mode m)
{
	return (unsigned)m < HEAD_MODE_COUNT ? mode_badges[m] : '?';
}

/* Full names, a few long forms people type, or the one-letter badge. */
int
enc_mode_parse(const char *s, head_mode *m)
{
	static const struct { const char *name; head_mode mode; } alias[] = {
		{ "avg", HEAD_AVERAGE }, { "papa", HEAD_AVERAGE },
		{ "synthetic", HEAD_SYNTH_DENSE }, { "synth", HEAD_SYNTH_DENSE },
	};

	for (int i = 0; i < HEAD_MODE_COUNT; i++) {
		if (strcmp(s, mode_names[i]) == 0 ||
		    (s[0] != '\0' && s[1] == '\0' && toupper((unsigned char)s[0]) == mode_badges[i])) {
			*m = (head_mode)i;
			return HEED_OK;
		}
	}
	for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++) {
		if (strcmp(s, alias[i].name) == 0) {
			*m = alias[i].mode;
			return HEED_OK;
		}
	}
	return HEED_EINVAL;
}

bool
enc_mode_needs_calib(head_mode m)
{
	return m == HEAD_AVERAGE || m == HEAD_SYNTH_DENSE;
}

bool
enc_mode_available(head_mode m, const calib *cal)
{
	if (!enc_mode_needs_calib(m))
		return true;
	return cal != NULL && (m != HEAD_SYNTH_DENSE || cal->has_synth);
}

/* ---- the Random Synthesizer's generator -------------------------------
 *
 * Fixed so every machine (and tools/reference/random_synth.py) draws the
 * same matrix:
 *   mix(z)    = splitmix64's finaliser
 *   state0    = mix(seed ^ mix(layer << 32 | head))
 *   u_k       = (mix(state0 + (k+1) * 0x9E3779B97F4A7C15) >> 11) * 2^-53,
 *               i.e. the k-th output of splitmix64 started at state0
 *   element e of the row-major L x L matrix uses the pair j = e / 2:
 *   r = sqrt(-2 ln(1 - u_2j)), then r cos(2 pi u_2j+1) for even e and
 *   r sin(2 pi u_2j+1) for odd e (Box–Muller), rounded to float.
 * Because splitmix64 is a counter, any element is computed directly, which
 * lets a row be drawn without the rest of the matrix. */

#define TWO_PI 6.283185307179586

/* util.h's splitmix64, the one PRNG heed has */
static uint64_t
random_state0(uint64_t seed, int layer, int head)
{
	return util_mix64(seed ^ util_mix64((uint64_t)(uint32_t)layer << 32 | (uint32_t)head));
}

static double
random_uniform(uint64_t state0, uint64_t k)
{
	uint64_t state = state0 + k * UTIL_SPLITMIX_GAMMA;   /* the k-th output, directly */

	return util_uniform01(&state);
}

static float
random_element(uint64_t state0, uint64_t e)
{
	uint64_t j = e / 2;
	double u1 = random_uniform(state0, 2 * j), u2 = random_uniform(state0, 2 * j + 1);
	double r = sqrt(-2.0 * log(1.0 - u1));

	return (float)(e % 2 == 0 ? r * cos(TWO_PI * u2) : r * sin(TWO_PI * u2));
}

void
enc_random_logits(uint64_t seed, int layer, int head, int L, float *out)
{
	uint64_t s0 = random_state0(seed, layer, head);

	for (uint64_t e = 0; e < (uint64_t)L * (uint64_t)L; e++)
		out[e] = random_element(s0, e);
}

/* ---- one attention row per mode ---------------------------------------- */

/* calib_slot, extended for inputs longer than the layout: tokens past slot
 * L-2 share it, so a long input still gets a row that sums to 1. */
static int
layout_slot(int k, int n, int L)
{
	if (k == n - 1)
		return L - 1;
	return k < L - 1 ? k : L - 2;
}

/* Each row function writes out[lo..hi) only, the row restricted to keys
 * lo..hi-1 and normalised there: the whole row with lo 0 and hi n, a
 * sliding window's part of it otherwise (ModernBERT's local layers), at the
 * window's cost rather than the input's. */
static void
row_uniform(int lo, int hi, float *out)
{
	for (int j = lo; j < hi; j++)
		out[j] = 1.0f / (float)(hi - lo);
}

static void
row_average(const calib *cal, int layer, int head, int n, int i, int lo, int hi, float *out)
{
	int L = cal->L;
	const float *avg = cal->avg + ((size_t)layer * cal->heads + head) * L * L;
	const float *row = avg + (size_t)layout_slot(i, n, L) * L;
	double sum = 0.0;

	for (int j = lo; j < hi; j++) {
		out[j] = row[layout_slot(j, n, L)];
		sum += out[j];
	}
	/* A slot pair no calibration sentence reached has no average: attend
	 * uniformly rather than divide by zero. */
	if (sum <= 0.0) {
		row_uniform(lo, hi, out);
		return;
	}
	for (int j = lo; j < hi; j++)
		out[j] = (float)(out[j] / sum);
}

/* b = W2 ReLU(W1 x + b1) + b2, evaluated only at the slots the keys use. */
static void
row_dense(const calib *cal, int layer, int head, int n, const float *x, int lo, int hi,
	  float *out)
{
	size_t hd = (size_t)layer * cal->heads + head;
	int r = cal->rank, d = cal->hidden, L = cal->L;
	const float *w1, *b1, *w2, *b2;
	float hbuf[256], *h;

	/* A file calibrated without synthesizers: the zero network's rows.
	 * (Checked before any offset: NULL + offset is undefined.) */
	if (!cal->has_synth || cal->syn_w1 == NULL) {
		row_uniform(lo, hi, out);
		return;
	}
	w1 = cal->syn_w1 + hd * r * d;
	b1 = cal->syn_b1 + hd * r;
	w2 = cal->syn_w2 + hd * L * r;
	b2 = cal->syn_b2 + hd * L;
	/* Runs allocate nothing for the usual widths (heed calibrate's default
	 * is 32); only an unusually wide synthesizer needs the heap. */
	h = r <= 256 ? hbuf : xmalloc(sizeof(float) * (size_t)r);
	for (int k = 0; k < r; k++) {
		double acc = b1[k];
		for (int c = 0; c < d; c++)
			acc += (double)w1[(size_t)k * d + c] * x[c];
		h[k] = acc > 0.0 ? (float)acc : 0.0f;
	}
	for (int j = lo; j < hi; j++) {
		int s = layout_slot(j, n, L);
		double acc = b2[s];
		for (int k = 0; k < r; k++)
			acc += (double)w2[(size_t)s * r + k] * h[k];
		out[j] = (float)acc;
	}
	if (h != hbuf)
		free(h);
	enc_softmax(out + lo, hi - lo);
}

static void
row_random(const calib *cal, int L, int layer, int head, int n, int i, int lo, int hi,
	   float *out)
{
	uint64_t seed = cal != NULL ? cal->random_seed : CALIB_DEFAULT_SEED;
	uint64_t s0;

	if (cal != NULL)
		L = cal->L;
	s0 = random_state0(seed, layer, head);
	for (int j = lo; j < hi; j++) {
		uint64_t e = (uint64_t)layout_slot(i, n, L) * (uint64_t)L + (uint64_t)layout_slot(j, n, L);
		out[j] = random_element(s0, e);
	}
	enc_softmax(out + lo, hi - lo);
}

void
enc_mode_row_window(head_mode m, const calib *cal, int L, int layer, int head, int n, int i,
		    const float *x, int lo, int hi, float *out)
{
	switch (m) {
	case HEAD_AVERAGE:
		row_average(cal, layer, head, n, i, lo, hi, out);
		break;
	case HEAD_SYNTH_DENSE:
		row_dense(cal, layer, head, n, x, lo, hi, out);
		break;
	case HEAD_SYNTH_RANDOM:
		row_random(cal, L, layer, head, n, i, lo, hi, out);
		break;
	default:
		/* input rows come from the encoder itself; anything else is a
		 * disabled head */
		row_uniform(lo, hi, out);
		break;
	}
}

void
enc_mode_row(head_mode m, const calib *cal, int L, int layer, int head, int n, int i,
	     const float *x, float *out)
{
	enc_mode_row_window(m, cal, L, layer, head, n, i, x, 0, n, out);
}

/* ---- ranking and presets ------------------------------------------------ */

typedef struct ranked {
	double key;
	int idx;
} ranked;

static int
ranked_cmp(const void *a, const void *b)
{
	const ranked *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->idx - y->idx;   /* ties: lower layer/head first, for stability */
}

void
enc_rank_by(const double *key, int count, int *order)
{
	ranked *r = xmalloc(sizeof(*r) * (size_t)(count > 0 ? count : 1));

	for (int k = 0; k < count; k++) {
		/* not a number: nothing known, so never first to go */
		r[k].key = isnan(key[k]) ? INFINITY : key[k];
		r[k].idx = k;
	}
	qsort(r, (size_t)count, sizeof(*r), ranked_cmp);
	for (int k = 0; k < count; k++)
		order[k] = r[k].idx;
	free(r);
}

void
enc_rank_heads(const calib *cal, int *order)
{
	int nh = cal->layers * cal->heads;
	double *jsd = xmalloc(sizeof(*jsd) * (size_t)nh);

	for (int k = 0; k < nh; k++)
		jsd[k] = cal->stats[k].jsd;
	enc_rank_by(jsd, nh, order);
	free(jsd);
}

typedef struct preset_ctx {
	int layers, heads;
	const calib *cal;
	uint8_t *modes;
	heed_err *e;
} preset_ctx;

/* Parse a positive decimal at *p, advancing it; -1 if there is none. */
static long
parse_count(const char **p)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)**p))
		return -1;
	errno = 0;
	v = strtol(*p, &end, 10);
	if (errno != 0 || v > 1000000)
		return -1;
	*p = end;
	return v;
}

static int
preset_mode(preset_ctx *c, const char *item, const char *name, head_mode *m)
{
	if (enc_mode_parse(name, m) != HEED_OK)
		return err_set(c->e, HEED_EINVAL, "'%s': unknown head mode '%s' "
		    "(input, average, dense, random, uniform)", item, name);
	if (enc_mode_available(*m, c->cal))
		return HEED_OK;
	if (c->cal == NULL)
		return err_set(c->e, HEED_ENOCALIB, "'%s': mode '%s' needs a calibration file "
		    "(run heed calibrate)", item, name);
	return err_set(c->e, HEED_ENOCALIB, "'%s': the calibration file has no dense "
	    "synthesizers (re-run heed calibrate with --rank > 0)", item);
	return HEED_OK;
}

static int
need_stats(preset_ctx *c, const char *item)
{
	if (c->cal == NULL || c->cal->stats == NULL)
		return err_set(c->e, HEED_ENOCALIB, "'%s' ranks heads by input dependence "
		    "and needs a calibration file (run heed calibrate)", item);
	return HEED_OK;
}

static void
set_ranked(preset_ctx *c, long count, head_mode m)
{
	int nh = c->layers * c->heads;
	int *order = xmalloc(sizeof(int) * (size_t)nh);

	enc_rank_heads(c->cal, order);
	for (long k = 0; k < count && k < nh; k++)
		c->modes[order[k]] = (uint8_t)m;
	free(order);
}

/* "L3" or "L2H5" (1-based): the heads the selector names. */
static int
parse_selector(preset_ctx *c, const char *item, const char *sel, int *l0, int *l1,
	       int *h0, int *h1)
{
	const char *p = sel + 1;
	long l = parse_count(&p), h = -1;   /* -1: no H, the whole layer */

	if (l < 0)
		return err_set(c->e, HEED_EINVAL, "'%s': expected a layer number after 'L'", item);
	if (*p == 'H' || *p == 'h') {
		p++;
		if ((h = parse_count(&p)) < 0)
			return err_set(c->e, HEED_EINVAL, "'%s': expected a head number after 'H'", item);
	}
	if (*p != '\0')
		return err_set(c->e, HEED_EINVAL, "'%s': unexpected '%s'", item, p);
	if (l < 1 || l > c->layers)
		return err_set(c->e, HEED_EINVAL, "'%s': layer %ld out of range 1..%d", item, l, c->layers);
	/* H0 (or H00) is a head out of range, never "all heads" */
	if (h != -1 && (h < 1 || h > c->heads))
		return err_set(c->e, HEED_EINVAL, "'%s': head %ld out of range 1..%d", item, h, c->heads);
	*l0 = *l1 = (int)l - 1;
	*h0 = h != -1 ? (int)h - 1 : 0;
	*h1 = h != -1 ? (int)h - 1 : c->heads - 1;
	return HEED_OK;
}

static int
apply_assignment(preset_ctx *c, const char *item, char *sel, const char *name)
{
	int l0 = 0, l1 = c->layers - 1, h0 = 0, h1 = c->heads - 1, rc;
	head_mode m;

	if ((rc = preset_mode(c, item, name, &m)) < 0)
		return rc;
	if (strncmp(sel, "top", 3) == 0) {
		const char *p = sel + 3;
		long k = parse_count(&p);
		if (k < 1 || *p != '\0')
			return err_set(c->e, HEED_EINVAL, "'%s': expected topK with K >= 1", item);
		if ((rc = need_stats(c, item)) < 0)
			return rc;
		set_ranked(c, k, m);
		return HEED_OK;
	}
	if (strcmp(sel, "all") != 0) {
		if (sel[0] != 'L' && sel[0] != 'l')
			return err_set(c->e, HEED_EINVAL, "'%s': expected all=, topK=, Ln= or LnHm= "
			    "before the mode", item);
		if ((rc = parse_selector(c, item, sel, &l0, &l1, &h0, &h1)) < 0)
			return rc;
	}
	for (int l = l0; l <= l1; l++)
		for (int h = h0; h <= h1; h++)
			c->modes[l * c->heads + h] = (uint8_t)m;
	return HEED_OK;
}

static char *
trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static int
apply_item(preset_ctx *c, char *item)
{
	char *eq;
	int rc;

	if (*item == '\0')
		return HEED_OK;
	if (strcmp(item, "input") == 0) {
		memset(c->modes, HEAD_INPUT, (size_t)c->layers * c->heads);
		return HEED_OK;
	}
	if (strcmp(item, "papa-half") == 0) {
		if ((rc = need_stats(c, item)) < 0)
			return rc;
		set_ranked(c, (long)c->layers * c->heads / 2, HEAD_AVERAGE);
		return HEED_OK;
	}
	if ((eq = strchr(item, '=')) == NULL)
		return err_set(c->e, HEED_EINVAL, "'%s': not a head-mode spec (try all=average, "
		    "L2H5=uniform, top8=average, papa-half or input)", item);
	{
		char *full = xstrdup(item);
		*eq = '\0';
		rc = apply_assignment(c, full, trim(item), trim(eq + 1));
		free(full);
	}
	return rc;
}

/* One line of specs: comma-separated items. */
static int
apply_line(preset_ctx *c, char *line)
{
	char *save = NULL;
	int rc;

	for (char *it = strtok_r(line, ",", &save); it != NULL; it = strtok_r(NULL, ",", &save))
		if ((rc = apply_item(c, trim(it))) < 0)
			return rc;
	return HEED_OK;
}

static int
apply_file(preset_ctx *c, const char *path, char *text)
{
	int lineno = 0, rc;
	char *next;

	/* not strtok: it would skip empty lines and the line numbers with them */
	for (char *ln = text; ln != NULL; ln = next) {
		char *hash;
		if ((next = strchr(ln, '\n')) != NULL)
			*next++ = '\0';
		lineno++;
		if ((hash = strchr(ln, '#')) != NULL)
			*hash = '\0';
		if ((rc = apply_line(c, ln)) < 0) {
			char msg[sizeof c->e->msg];
			if (c->e == NULL)
				return rc;
			snprintf(msg, sizeof msg, "%s", c->e->msg);
			return err_set(c->e, rc, "%s:%d: %s", path, lineno, msg);
		}
	}
	return HEED_OK;
}

/* Something there to read as a preset: a FIFO or a device too, so that
 * reading it says what is wrong with it (util_read_file never blocks). */
static bool
is_readable_file(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && !S_ISDIR(sb.st_mode) && access(path, R_OK) == 0;
}

/* A spec (is_file false) or a preset file's path applied to a copy of
 * modes, copied back only when all of it is good. */
static int
apply(const char *spec, bool is_file, int layers, int heads, const calib *cal, uint8_t *modes,
      heed_err *e)
{
	preset_ctx c = { layers, heads, cal, NULL, e };
	size_t nh = (size_t)layers * heads;
	char *text = NULL;
	int rc;

	/* Work on a copy so a bad spec leaves the caller's modes unchanged. */
	c.modes = xmalloc(nh);
	memcpy(c.modes, modes, nh);
	if (is_file) {
		if ((rc = util_read_file(spec, &text, NULL, e)) == HEED_OK)
			rc = apply_file(&c, spec, text);
	} else {
		text = xstrdup(spec);
		rc = apply_line(&c, text);
	}
	free(text);
	if (rc == HEED_OK)
		memcpy(modes, c.modes, nh);
	free(c.modes);
	return rc;
}

int
enc_modes_parse(const char *spec, int layers, int heads, const calib *cal,
		uint8_t *modes, heed_err *e)
{
	/* Keywords win over a file that happens to share their name. */
	bool file = strchr(spec, '=') == NULL && strchr(spec, ',') == NULL &&
	    strcmp(spec, "input") != 0 && strcmp(spec, "papa-half") != 0 && is_readable_file(spec);

	return apply(spec, file, layers, heads, cal, modes, e);
}

int
enc_modes_load(const char *path, int layers, int heads, const calib *cal, uint8_t *modes,
	       heed_err *e)
{
	return apply(path, true, layers, heads, cal, modes, e);
}

/* A whole layer in one mode is written as Ln=MODE, other heads one by one;
 * the file starts with "input" so loading it reproduces modes exactly. */
int
enc_modes_save(const char *path, const uint8_t *modes, int layers, int heads, heed_err *e)
{
	size_t cap = 128 + (size_t)layers * heads * 24, len = 0;
	char *buf = xmalloc(cap);
	int rc;

	len += (size_t)snprintf(buf + len, cap - len,
	    "# heed head-mode preset (1-based layers and heads)\ninput\n");
	for (int l = 0; l < layers; l++) {
		const uint8_t *row = modes + (size_t)l * heads;
		bool same = true;
		for (int h = 1; h < heads; h++)
			same = same && row[h] == row[0];
		if (same) {
			if (row[0] != HEAD_INPUT)
				len += (size_t)snprintf(buf + len, cap - len, "L%d=%s\n", l + 1,
				    enc_mode_name(row[0]));
			continue;
		}
		for (int h = 0; h < heads; h++)
			if (row[h] != HEAD_INPUT)
				len += (size_t)snprintf(buf + len, cap - len, "L%dH%d=%s\n", l + 1,
				    h + 1, enc_mode_name(row[h]));
	}
	rc = util_write_atomic(path, buf, len, e);
	free(buf);
	return rc;
}
