/* eval.c — `heed eval`: masked-LM accuracy of a model under head modes.
 *
 * The input is pre-masked, one example a line:
 *     ID ID ID ...<TAB>POS:LABEL POS:LABEL ...
 * (token ids of the masked input including [CLS]/[SEP], then the positions
 * to predict with their true ids), as tools/train/evaluate.py writes it.
 * Masking outside heed keeps the protocol identical to the Python
 * evaluation, so the all-input number here must equal the one printed there
 * and the other rows of the PAPA table differ only by the head modes.
 */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heed/calib.h"
#include "heed/enc.h"
#include "heed/model.h"
#include "heed/util.h"
#include "cli.h"

typedef struct eval_totals {
	double loss;     /* sum of -log p(label) */
	long n, top1, top5;
} eval_totals;

static void
eval_usage(FILE *f)
{
	fprintf(f,
	    "Usage: heed eval [-m MODEL] [--modes SPEC] [--calib FILE] FILE\n"
	    "Masked-LM loss and top-1/top-5 accuracy on pre-masked examples\n"
	    "(lines of 'ID ID ...<TAB>POS:LABEL ...', see tools/train/evaluate.py).\n"
	    "  -m, --model MODEL   model folder or hub name (default: heed-mini)\n"
	    "      --modes SPEC    head modes, e.g. papa-half, all=average (see heed(1))\n"
	    "      --calib FILE    calibration file (default: MODEL/heed.calib)\n"
	    "      --format F      text (default) or tsv\n"
	    "  -h, --help          this help\n");
}

/* Parse one example; returns the number of ids (0 for a blank line, -1 bad). */
static int
eval_parse_line(char *line, int *ids, int max_ids, int *pos, int *lab, int *npred)
{
	char *tab = strchr(line, '\t'), *p, *end;
	int n = 0;

	*npred = 0;
	if (tab == NULL)
		return line[strspn(line, " \r\n")] == '\0' ? 0 : -1;
	*tab = '\0';
	for (p = line; *p != '\0'; p = end) {
		long v = strtol(p, &end, 10);
		if (end == p)
			break;
		if (n == max_ids || v < 0)
			return -1;
		ids[n++] = (int)v;
	}
	for (p = tab + 1; *p != '\0' && *p != '\n'; p = end) {
		long a = strtol(p, &end, 10), b;
		if (end == p)
			break;
		if (*end != ':')
			return -1;
		p = end + 1;
		b = strtol(p, &end, 10);
		if (end == p || a < 0 || a >= n || *npred == max_ids)
			return -1;
		pos[*npred] = (int)a;
		lab[*npred] = (int)b;
		(*npred)++;
	}
	return n;
}

static int
eval_example(enc_state *s, const int *ids, int n, const uint8_t *modes,
	     const calib *cal, const int *pos, const int *lab, int npred,
	     eval_totals *t, heed_err *e)
{
	int top[5];
	float prob[5];
	int rc = enc_run(s, ids, n, modes, cal, NULL, NULL, e);

	if (rc < 0)
		return rc;
	for (int i = 0; i < npred; i++) {
		/* top-k of the whole vocabulary gives the label's rank only when it
		 * is in the top 5; its probability needs the full distribution. */
		float p = 0.0f;
		int k = enc_mlm_topk(s, pos[i], 5, top, prob, e);
		if (k < 0)
			return k;
		rc = enc_mlm_prob(s, pos[i], lab[i], &p, e);
		if (rc < 0)
			return rc;
		t->loss += -log(p > 1e-30f ? p : 1e-30f);
		t->top1 += top[0] == lab[i];
		for (int j = 0; j < k; j++)
			t->top5 += top[j] == lab[i];
		t->n++;
	}
	return HEED_OK;
}

int
cmd_eval(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "modes", required_argument, NULL, 'M' },
		{ "calib", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *marg = NULL, *spec = NULL, *calpath = NULL, *format = "text";
	char *dir = NULL, *line = NULL, *defcal = NULL;
	size_t cap = 0;
	model *m = NULL;
	calib *cal = NULL;
	enc_state *s = NULL;
	uint8_t *modes = NULL;
	int *ids = NULL, *pos = NULL, *lab = NULL, c, rc = HEED_OK, lineno = 0;
	eval_totals t = { 0 };
	heed_err e = { "" }, calerr = { "" };
	FILE *in;

	optind = 1;
	while ((c = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm': marg = optarg; break;
		case 'M': spec = optarg; break;
		case 'c': calpath = optarg; break;
		case 'f': format = optarg; break;
		case 'h': eval_usage(stdout); return 0;
		default: eval_usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || (strcmp(format, "text") && strcmp(format, "tsv"))) {
		eval_usage(stderr);
		return EXIT_USAGE;
	}
	in = fopen(argv[optind], "r");
	if (in == NULL) {
		fprintf(stderr, "heed: %s: cannot open\n", argv[optind]);
		return EXIT_BADFILE;
	}
	if ((rc = model_resolve(marg, &dir, &e)) < 0 || (rc = model_load(dir, &m, &e)) < 0)
		goto out;
	if (!m->has_mlm) {
		rc = err_set(&e, HEED_EINVAL, "%s: the model has no masked-LM head", dir);
		goto out;
	}
	modes = xcalloc((size_t)m->cfg.layers * m->cfg.heads, 1);
	if (calpath == NULL)
		calpath = defcal = calib_default_path(dir);
	/* Without a calibration file only input, random and uniform modes work;
	 * a spec that needs one fails below, and then the reason is shown. */
	if (calib_load(calpath, &m->cfg, &cal, &calerr) < 0)
		cal = NULL;
	if (spec != NULL && (rc = enc_modes_parse(spec, m->cfg.layers, m->cfg.heads, cal, modes, &e)) < 0)
		goto out;
	s = enc_new(m, m->cfg.max_pos);
	enc_set_threads(s, enc_default_threads());
	ids = xmalloc(sizeof *ids * (size_t)m->cfg.max_pos);
	pos = xmalloc(sizeof *pos * (size_t)m->cfg.max_pos);
	lab = xmalloc(sizeof *lab * (size_t)m->cfg.max_pos);
	while (getline(&line, &cap, in) != -1) {
		int npred, n;
		lineno++;
		n = eval_parse_line(line, ids, m->cfg.max_pos, pos, lab, &npred);
		if (n < 0) {
			rc = err_set(&e, HEED_EFORMAT, "%s:%d: not 'IDS<TAB>POS:LABEL ...'", argv[optind], lineno);
			goto out;
		}
		if (n == 0)
			continue;
		rc = eval_example(s, ids, n, modes, cal, pos, lab, npred, &t, &e);
		if (rc < 0)
			goto out;
	}
	if (t.n == 0) {
		rc = err_set(&e, HEED_EFORMAT, "%s: no examples", argv[optind]);
		goto out;
	}
	if (!strcmp(format, "tsv"))
		printf("modes\tn\tloss\ttop1\ttop5\n%s\t%ld\t%.4f\t%.4f\t%.4f\n", spec ? spec : "input",
		       t.n, t.loss / t.n, (double)t.top1 / t.n, (double)t.top5 / t.n);
	else
		printf("%s: %ld masked tokens, loss %.3f, top-1 %.1f%%, top-5 %.1f%%\n",
		       spec ? spec : "all input", t.n, t.loss / t.n, 100.0 * t.top1 / t.n,
		       100.0 * t.top5 / t.n);
out:
	if (rc < 0) {
		fprintf(stderr, "heed: %s\n", e.msg);
		if (cal == NULL && calerr.msg[0] != '\0' && spec != NULL)
			fprintf(stderr, "heed: (no calibration: %s)\n", calerr.msg);
	}
	fclose(in);
	free(line);
	free(ids);
	free(pos);
	free(lab);
	free(modes);
	free(defcal);
	enc_free(s);
	calib_free(cal);
	model_free(m);
	free(dir);
	return cli_exit_code(rc);
}
