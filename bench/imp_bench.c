/* imp_bench.c — how long the explorer's importance view (imp_heads) takes
 * for one sentence: every head switched alone, measured at a [MASK].
 *
 *   imp_bench [-m MODEL] [-n TOKENS] [-t THREADS] [-r RUNS] [-R MODE] [--no-mask]
 *             [--target MS]
 *
 * The sentence is a fixed text with one [MASK], cut to exactly TOKENS
 * tokens (--no-mask: measured as the last layer's distance instead); each run is a whole scan (the baseline and one run per head,
 * each from the head's layer on).  Prints the median, p95 and minimum,
 * what that is in whole forwards, and the load average, one line.
 * Built on demand: make -C build bench/imp_bench (bench/imp_speed does).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "heed/enc.h"
#include "heed/imp.h"
#include "heed/open.h"

#define TEXT "The man went to the [MASK] to buy a gallon of milk, and on the way home " \
	"he met an old friend who told him a long story about the weather, the harvest, " \
	"the price of bread and the trains that never run on time."

/* CPU time of the whole process, ms: on a loaded machine it counts what
 * the work took, not the time spent waiting for a core. */
static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "target", required_argument, NULL, 'T' }, { "no-mask", no_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	heed_open_opts oo = { NULL, NULL, NULL, HEED_OPEN_WEIGHTS | HEED_OPEN_VOCAB | HEED_OPEN_CALIB,
		NULL };
	heed_session s;
	heed_err e;
	int tokens = 32, threads = 2, runs = 10, c, masks[4];
	double target = 0.0, load[3] = { 0 };
	bool no_mask = false;
	const char *mode = "average";
	head_mode replace;

	while ((c = getopt_long(argc, argv, "m:n:t:r:R:", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': oo.model = optarg; break;
		case 'n': tokens = atoi(optarg); break;
		case 't': threads = atoi(optarg); break;
		case 'r': runs = atoi(optarg); break;
		case 'R': mode = optarg; break;
		case 'T': target = atof(optarg); break;
		case 'N': no_mask = true; break;
		default:
			fprintf(stderr, "usage: imp_bench [-m MODEL] [-n TOKENS] [-t THREADS] [-r RUNS] "
				"[-R MODE] [--no-mask] [--target MS]\n");
			return HEED_EXIT_USAGE;
		}
	}
	if (runs < 1 || threads < 1 || tokens < 3 || enc_mode_parse(mode, &replace) < 0) {
		fprintf(stderr, "imp_bench: bad -r, -t, -n or -R\n");
		return HEED_EXIT_USAGE;
	}
	if (heed_open(&oo, &s, &e) < 0) {
		fprintf(stderr, "imp_bench: %s\n", e.msg);
		return HEED_EXIT_BADFILE;
	}
	tok_result tr;
	if (tok_encode(s.vocab, TEXT, strlen(TEXT), s.cfg.lowercase, tokens, &tr, &e) < 0 ||
	    tr.n != tokens) {
		fprintf(stderr, "imp_bench: the sentence does not give %d tokens\n", tokens);
		return HEED_EXIT_USAGE;
	}
	int *ids = malloc(sizeof(int) * (size_t)tr.n);
	for (int i = 0; i < tr.n; i++)
		ids[i] = tr.tok[i].id;

	imp_ctx *ctx = imp_new(s.m, tokens, threads);
	imp_opts o;
	imp_result r;
	double *ms = malloc(sizeof(double) * (size_t)runs);

	imp_opts_init(&o);
	o.replace = replace;
	o.cal = s.cal;
	o.nmask = no_mask ? 0 : imp_find_masks(ids, tr.n, tok_vocab_specials(s.vocab).mask, masks, 4);
	o.mask_pos = masks;
	imp_result_init(&r);
	/* one scan to warm up (OpenBLAS buffers, page faults) */
	if (imp_heads(ctx, ids, tr.n, NULL, &o, &r, &e) < 0) {
		fprintf(stderr, "imp_bench: %s\n", e.msg);
		return HEED_EXIT_RUNTIME;
	}
	double c0 = cpu_ms();
	for (int k = 0; k < runs; k++) {
		double t0 = util_now_ms();
		(void)imp_heads(ctx, ids, tr.n, NULL, &o, &r, &e);
		ms[k] = util_now_ms() - t0;
	}
	double scan_cpu = (cpu_ms() - c0) / runs;
	qsort(ms, (size_t)runs, sizeof *ms, cmp_double);
	/* a forward for scale: every layer from the embeddings */
	enc_state *st = enc_new(s.m, tokens);
	enc_set_threads(st, threads);
	double fwd = 1e30, fwd_cpu;
	(void)enc_run(st, ids, tr.n, NULL, NULL, NULL, NULL, &e);
	c0 = cpu_ms();
	for (int k = 0; k < 4 * runs; k++) {
		ids[1] ^= 1;   /* new ids: a whole forward each time */
		double t0 = util_now_ms();
		(void)enc_run(st, ids, tr.n, NULL, NULL, NULL, NULL, &e);
		double t = util_now_ms() - t0;
		fwd = t < fwd ? t : fwd;
	}
	fwd_cpu = (cpu_ms() - c0) / (4 * runs);
	(void)getloadavg(load, 3);
	printf("imp_bench: %s, %d layers x %d heads, %d tokens, %d mask(s), %s, %d threads: "
	       "scan median %.1f ms, p95 %.1f ms, min %.1f ms (%d runs); fastest forward %.2f ms; "
	       "CPU per scan %.1f ms = %.1f forwards' CPU; load average %.2f %.2f %.2f",
	       s.dir, s.cfg.layers, s.cfg.heads, tokens, o.nmask, enc_mode_name(replace), threads,
	       ms[runs / 2], ms[(int)(0.95 * (runs - 1) + 0.5)], ms[0], runs, fwd,
	       scan_cpu, scan_cpu / fwd_cpu, load[0], load[1], load[2]);
	if (target > 0.0)
		printf("; target %.0f ms %s", target, ms[runs / 2] <= target ? "met" : "MISSED");
	printf("\n");
	enc_free(st);
	free(ms);
	free(ids);
	imp_result_free(&r);
	imp_free(ctx);
	tok_result_free(&tr);
	heed_close(&s);
	return 0;
}
