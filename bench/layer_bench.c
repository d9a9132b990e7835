/* layer_bench.c — what one ModernBERT layer costs, local against global, as
 * the input grows: a local layer (sliding window) should grow like n, a
 * global one's attention like n².
 *
 *   layer_bench [-m MODEL] [-n 512,1024,2048] [-t THREADS] [-r RUNS] [-c]
 *
 * For each length, one whole forward fills the state, then every layer is
 * run again on its own kept input, RUNS times (the layer overwrites its
 * output with the same numbers): whole, and attention only (its norm, the
 * Q/K/V projection, RoPE, scores, softmax, context).  Prints per length the
 * median milliseconds of a local and of a global layer (the median over
 * the layers of each kind of their medians over the runs), each with its
 * growth over the previous length, and the load average.  -c times the
 * process's CPU instead of the wall clock (on a busy machine the wall clock
 * counts the waits for a core too).
 * Built on demand: make -C build bench/layer_bench (bench/layer_speed does).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "heed/enc.h"
#include "heed/open.h"
#include "encoder_int.h"

#define MAX_LENGTHS 8

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* CPU time of the whole process, ms: on a loaded machine it counts what
 * the work took, not the time spent waiting for a core. */
static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static bool use_cpu;

/* Median over `runs` runs of layer l alone, ms (wall, or CPU with -c). */
static double
time_layer(enc_state *s, int l, bool attention_only, int runs, double *t)
{
	for (int r = 0; r < runs; r++) {
		double t0 = use_cpu ? cpu_ms() : util_now_ms();
		enc_modernbert_layer(s, l, NULL, NULL, attention_only);
		t[r] = (use_cpu ? cpu_ms() : util_now_ms()) - t0;
	}
	return median(t, runs);
}

typedef struct row {
	int n;
	double ms[2][2];     /* [local, global][whole, attention] */
} row;

static int
measure(const model *m, int n, int threads, int runs, row *out, heed_err *e)
{
	const model_config *c = &m->cfg;
	int *ids = xmalloc(sizeof(int) * (size_t)n), cnt[2] = { 0, 0 };
	double *t = xmalloc(sizeof(double) * (size_t)runs);
	double *per[2][2];
	enc_state *s = NULL;
	int rc;

	for (int k = 0; k < 2; k++)
		for (int a = 0; a < 2; a++)
			per[k][a] = xmalloc(sizeof(double) * (size_t)c->layers);
	/* ids spread over the vocabulary; [CLS]-like first and last do not
	 * matter to the cost */
	for (int i = 0; i < n; i++)
		ids[i] = 1000 + (int)(((long)i * 7919) % (c->vocab_size - 1000));
	if ((rc = heed_enc_reserve(m, &s, n, threads, e)) < 0)
		goto out;
	if ((rc = enc_run(s, ids, n, NULL, NULL, NULL, NULL, e)) < 0)
		goto out;
	for (int l = 0; l < c->layers; l++) {
		int k = model_layer_window(c, l) < 0;   /* 0 local, 1 global */
		/* warm the layer's weights and the attention buffer once */
		enc_modernbert_layer(s, l, NULL, NULL, false);
		per[k][0][cnt[k]] = time_layer(s, l, false, runs, t);
		per[k][1][cnt[k]] = time_layer(s, l, true, runs, t);
		cnt[k]++;
	}
	out->n = n;
	for (int k = 0; k < 2; k++)
		for (int a = 0; a < 2; a++)
			out->ms[k][a] = cnt[k] > 0 ? median(per[k][a], cnt[k]) : 0.0;
out:
	enc_free(s);
	for (int k = 0; k < 2; k++)
		for (int a = 0; a < 2; a++)
			free(per[k][a]);
	free(t);
	free(ids);
	return rc;
}

static void
cell(double ms, double prev)
{
	if (prev > 0.0)
		printf("  %9.2f (x%4.2f)", ms, ms / prev);
	else
		printf("  %9.2f        ", ms);
}

int
main(int argc, char **argv)
{
	heed_open_opts oo = { NULL, NULL, NULL, HEED_OPEN_WEIGHTS, NULL };
	int lengths[MAX_LENGTHS] = { 512, 1024, 2048 }, nl = 3, threads = 2, runs = 5, c, rc;
	row rows[MAX_LENGTHS];
	double load[3] = { 0 };
	heed_session h;
	heed_err e;

	while ((c = getopt(argc, argv, "m:n:t:r:ch")) != -1) {
		switch (c) {
		case 'm': oo.model = optarg; break;
		case 'n': {
			char *p = optarg, *end;
			for (nl = 0; nl < MAX_LENGTHS && *p != '\0'; nl++) {
				lengths[nl] = (int)strtol(p, &end, 10);
				if (end == p || lengths[nl] < 2)
					goto usage;
				p = *end == ',' ? end + 1 : end;
			}
			break;
		}
		case 't': threads = atoi(optarg); break;
		case 'r': runs = atoi(optarg); break;
		case 'c': use_cpu = true; break;
		default:
usage:
			fprintf(stderr, "usage: layer_bench [-m MODEL] [-n N,N,...] [-t THREADS] "
			    "[-r RUNS] [-c]\n");
			return 1;
		}
	}
	if (threads < 1 || runs < 1 || nl < 1)
		goto usage;
	if ((rc = heed_open(&oo, &h, &e)) < 0) {
		fprintf(stderr, "heed: %s\n", e.msg);
		return heed_exit_code(rc);
	}
	if (h.m->cfg.arch != MODEL_ARCH_MODERNBERT) {
		fprintf(stderr, "heed: %s: not a ModernBERT checkpoint\n", h.dir);
		heed_close(&h);
		return 2;
	}
	for (int i = 0; i < nl; i++)
		if ((rc = measure(h.m, lengths[i], threads, runs, &rows[i], &e)) < 0) {
			fprintf(stderr, "heed: %s\n", e.msg);
			heed_close(&h);
			return heed_exit_code(rc);
		}
	if (getloadavg(load, 3) < 0)
		load[0] = -1.0;
	const model_config *cf = &h.m->cfg;
	int global = 0;
	for (int l = 0; l < cf->layers; l++)
		global += model_layer_window(cf, l) < 0;
	printf("%s: %d layers (%d global, %d local: keys within %d), %d thread%s, "
	    "median of %d runs, %s, load average %.2f\n", h.m->name, cf->layers, global,
	    cf->layers - global, cf->half_window, threads, threads > 1 ? "s" : "", runs,
	    use_cpu ? "CPU time" : "wall time", load[0]);
	printf("%6s  %-17s  %-17s  %-17s  %-17s\n", "tokens", "local ms/layer", "global ms/layer",
	    "local attention", "global attention");
	for (int i = 0; i < nl; i++) {
		printf("%6d", rows[i].n);
		for (int a = 0; a < 2; a++)
			for (int k = 0; k < 2; k++)
				cell(rows[i].ms[k][a], i > 0 ? rows[i - 1].ms[k][a] : 0.0);
		printf("\n");
	}
	printf("(xN: over the previous length; attention: the layer's norm, Q/K/V "
	    "projection, RoPE, scores, softmax and context)\n");
	heed_close(&h);
	return 0;
}
