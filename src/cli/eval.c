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

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heed/calib.h"
#include "heed/enc.h"
#include "heed/model.h"
#include "heed/open.h"
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
	    "Usage: heed eval [-m MODEL] [--modes SPEC] [--calib FILE] [--mlm-head NAME] FILE\n"
	    "Masked-LM loss and top-1/top-5 accuracy on pre-masked examples\n"
	    "(lines of 'ID ID ...<TAB>POS:LABEL ...', see tools/train/evaluate.py).\n"
	    "  -m, --model MODEL   model folder or hub name (default: heed-mini)\n"
	    "      --modes SPEC    head modes, e.g. papa-half, all=average (see heed(1))\n"
	    "      --calib FILE    calibration file (default: MODEL/heed.calib)\n"
	    "      --mlm-head NAME masked-LM head: transformers (default) or emd (DeBERTa-v3)\n"
	    "      --format F      text (default) or tsv\n"
	    "  -h, --help          this help\n");
}

/* A token id at *p: digits only, below vocab.  Advances *p past it. */
static bool
eval_id(char **p, int vocab, long *out)
{
	char *end;
	long v;

	if (**p < '0' || **p > '9')
		return false;
	errno = 0;
	v = strtol(*p, &end, 10);
	if (errno == ERANGE || v >= vocab)
		return false;
	*p = end;
	*out = v;
	return true;
}

/* Parse one example; returns the number of ids (0 for a blank line) or a
 * negative code with *why saying what is wrong with the line. */
static int
eval_parse_line(char *line, int vocab, int *ids, int max_ids, int *pos, int *lab, int *npred,
		const char **why)
{
	char *tab = strchr(line, '\t'), *p;
	long v, a;
	int n = 0;

	*npred = 0;
	line[strcspn(line, "\r\n")] = '\0';
	if (tab == NULL) {
		*why = "not 'IDS<TAB>POS:LABEL ...'";
		return line[strspn(line, " ")] == '\0' ? 0 : HEED_EFORMAT;
	}
	*tab = '\0';
	for (p = line + strspn(line, " "); *p != '\0'; p += strspn(p, " ")) {
		if (!eval_id(&p, vocab, &v) || (*p != ' ' && *p != '\0')) {
			*why = "an id is not a number below the vocabulary size";
			return HEED_EFORMAT;
		}
		if (n == max_ids) {
			*why = "more ids than the model has positions";
			return HEED_EFORMAT;
		}
		ids[n++] = (int)v;
	}
	if (n == 0) {
		*why = "no ids before the tab";
		return HEED_EFORMAT;
	}
	for (p = tab + 1 + strspn(tab + 1, " "); *p != '\0'; p += strspn(p, " ")) {
		if (!eval_id(&p, n, &a) || *p != ':') {
			*why = "a position is not a number below the example's length";
			return HEED_EFORMAT;
		}
		p++;
		if (!eval_id(&p, vocab, &v) || (*p != ' ' && *p != '\0')) {
			*why = "a label is not a number below the vocabulary size";
			return HEED_EFORMAT;
		}
		pos[*npred] = (int)a;
		lab[*npred] = (int)v;
		(*npred)++;
	}
	return n;
}

static int
eval_example(const model *m, enc_state *s, const int *ids, int n, const uint8_t *modes,
	     const calib *cal, const int *pos, const int *lab, int npred,
	     eval_totals *t, heed_err *e)
{
	int top[5];
	float prob[5];
	int rc = enc_run(s, ids, n, modes, cal, NULL, NULL, e);

	/* a NaN would make the loss NaN and every rank wrong, silently */
	if (rc < 0 || (rc = heed_check_finite(s, m, NULL, NULL, e)) < 0)
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
		{ "mlm-head", required_argument, NULL, 'E' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	heed_open_opts oo = { .flags = HEED_OPEN_WEIGHTS | HEED_OPEN_CALIB };
	heed_session h = { 0 };
	const char *format = "text", *path, *why = NULL;
	char *line = NULL;
	size_t cap = 0, maxn;
	enc_state *s = NULL;
	int *ids = NULL, *pos = NULL, *lab = NULL, c, rc = HEED_OK, fd;
	long lineno = 0;
	eval_totals t = { 0 };
	heed_err e = { "" };
	FILE *in = NULL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm': oo.model = optarg; break;
		case 'M': oo.modes = optarg; break;
		case 'c': oo.calib = optarg; break;
		case 'E': oo.mlm_head = optarg; break;
		case 'f': format = optarg; break;
		case 'h': eval_usage(stdout); return 0;
		default: eval_usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || (strcmp(format, "text") && strcmp(format, "tsv"))) {
		eval_usage(stderr);
		return EXIT_USAGE;
	}
	path = argv[optind];
	/* the examples first: a typo in their name should not wait for the model */
	if ((rc = util_open_input(path, true, &fd, &maxn, &e)) < 0)
		goto out;
	if ((in = fdopen(fd, "r")) == NULL) {
		if (errno == ENOMEM)
			util_oom(BUFSIZ);
		close(fd);
		rc = err_set(&e, HEED_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((rc = heed_open(&oo, &h, &e)) < 0)
		goto out;
	if (!h.m->has_mlm) {
		rc = err_set(&e, HEED_EFORMAT, "%s: the model has no masked-LM head", h.dir);
		goto out;
	}
	maxn = (size_t)h.cfg.max_tokens;
	ids = xmalloc(sizeof *ids * maxn);
	pos = xmalloc(sizeof *pos * maxn);
	lab = xmalloc(sizeof *lab * maxn);
	errno = 0;
	while (getline(&line, &cap, in) != -1) {
		int npred, n;
		lineno++;
		n = eval_parse_line(line, h.cfg.vocab_size, ids, (int)maxn, pos, lab, &npred, &why);
		if (n < 0) {
			rc = err_set(&e, n, "%s:%ld: %s", path, lineno, why);
			goto out;
		}
		if (n == 0)
			continue;
		if ((rc = heed_enc_reserve(h.m, &s, n, enc_default_threads(), &e)) < 0 ||
		    (rc = eval_example(h.m, s, ids, n, h.modes, h.cal, pos, lab, npred, &t, &e)) < 0)
			goto out;
	}
	if (ferror(in)) {
		if (errno == ENOMEM)   /* getline could not grow its buffer */
			util_oom(cap);
		rc = err_set(&e, HEED_EIO, "%s: read error: %s", path, strerror(errno));
		goto out;
	}
	if (t.n == 0) {
		rc = err_set(&e, HEED_EFORMAT, "%s: no examples", path);
		goto out;
	}
	if (!strcmp(format, "tsv")) {
		printf("modes\tn\tloss\ttop1\ttop5\n");
		cli_tsv_field(stdout, oo.modes ? oo.modes : "input");
		printf("\t%ld\t%.4f\t%.4f\t%.4f\n", t.n, t.loss / t.n, (double)t.top1 / t.n,
		       (double)t.top5 / t.n);
	} else {
		char safe[256];
		printf("%s: %ld masked tokens, loss %.3f, top-1 %.1f%%, top-5 %.1f%%\n",
		       util_term_safe(oo.modes ? oo.modes : "all input", safe, sizeof safe), t.n,
		       t.loss / t.n, 100.0 * t.top1 / t.n, 100.0 * t.top5 / t.n);
	}
	rc = cli_finish_stdout("eval");
out:
	if (rc < 0 && rc != HEED_EWRITE)
		cli_error(NULL, "%s", e.msg);
	if (in != NULL)
		fclose(in);
	free(line);
	free(ids);
	free(pos);
	free(lab);
	enc_free(s);
	heed_close(&h);
	return heed_exit_code(rc);
}
