/* derive_bench.c — what the explorer's frame costs the encoder thread on
 * top of the forward: frame_derive (labels, maxima, statistics, rollout,
 * differences, thumbnails) timed with the model's calibration and without
 * it, against one whole forward on the same thread.  The difference of the
 * two is what the calibration adds: each head's input dependence and its
 * difference from its average rows (frame.c, derive_head_stats), with the
 * rows made for every frame (frame_derive with avg NULL) or kept across
 * frames in a frame_avg, as the worker keeps them.
 *
 *   derive_bench [-m MODEL] [-n TOKENS] [-t THREADS] [-r RUNS]
 *
 * Frames are derived at TOKENS tokens each time (a toggle, a settle frame,
 * a selection: the same length), and alternating TOKENS and TOKENS - 1 (a
 * key that adds a token: the length changes every frame).  Prints the
 * least CPU milliseconds per frame over RUNS (what the work takes, on a
 * loaded machine too), the calibration's share in forwards, and the load
 * average.  Built on demand: make -C
 * build bench/derive_bench.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frame.h"
#include "heed/enc.h"
#include "heed/open.h"

#define TEXT "The man went to the [MASK] to buy a gallon of milk, and on the way home " \
	"he met an old friend who told him a long story about the weather, the harvest, " \
	"the price of bread and the trains that never run on time.  They talked until " \
	"the sun went down over the hills, and then he walked on along the river to his " \
	"house, where his wife was waiting at the door with the children and the dog, " \
	"and they all sat down to eat the bread and drink the milk he had brought home.  " \
	"In the morning the rain came, and the river rose over the fields; the man and his " \
	"friend went out with the neighbours to carry the sheep up the hill to the barn."

/* CPU time of this thread, ms: on a loaded machine it counts the work,
 * not the time spent waiting for a core. */
static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The encoder's last run (n tokens) into f, as the worker copies it. */
static void
fill(ui_frame *f, const enc_state *st, const int *ids, int n, int layers, int heads)
{
	size_t nn = (size_t)n * n;

	frame_reserve(f, n, layers, heads);
	f->n = n;
	memcpy(f->ids, ids, (size_t)n * sizeof *ids);
	for (int l = 0; l < layers; l++) {
		f->window[l] = enc_window(st, l);
		for (int h = 0; h < heads; h++)
			memcpy(f->attn + ((size_t)l * heads + h) * nn, enc_attn(st, l, h),
			    nn * sizeof *f->attn);
	}
}

/* The least CPU ms of runs frame_derive calls (c NULL: the rows made
 * for each frame), n tokens each, or n and n - 1 in turn (a, b: the two
 * frames' attention, filled before): the work itself, whatever else the
 * machine runs meanwhile. */
static double
time_derive(ui_frame *a, ui_frame *b, bool alternate, frame_avg *c, const tok_vocab *v,
	    const calib *cal, int runs)
{
	frame_geom g = { 160, 43, 2, SCALE_ABSOLUTE, 0, 1, false };
	double best = 1e30;

	frame_derive(a, c, v, cal, &g, NULL);   /* warm: buffers sized */
	frame_derive(b, c, v, cal, &g, NULL);
	for (int k = 0; k < runs; k++) {
		ui_frame *f = alternate && k % 2 ? b : a;
		double t0 = cpu_ms();

		frame_derive(f, c, v, cal, &g, NULL);
		t0 = cpu_ms() - t0;
		best = t0 < best ? t0 : best;
	}
	return best;
}

static void
report(const char *what, double on, double off, double fwd)
{
	printf("  %-36s %.3f ms with the calibration, %.3f without: it adds %.3f ms = "
	       "%.3f forwards\n", what, on, off, on - off, (on - off) / fwd);
}

int
main(int argc, char **argv)
{
	heed_open_opts oo = { NULL, NULL, NULL, HEED_OPEN_WEIGHTS | HEED_OPEN_VOCAB | HEED_OPEN_CALIB,
		NULL };
	heed_session s;
	heed_err e;
	int tokens = 128, threads = 1, runs = 40, c;
	double load[3] = { 0 };
	tok_result tr;

	while ((c = getopt(argc, argv, "m:n:t:r:")) != -1) {
		switch (c) {
		case 'm': oo.model = optarg; break;
		case 'n': tokens = atoi(optarg); break;
		case 't': threads = atoi(optarg); break;
		case 'r': runs = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: derive_bench [-m MODEL] [-n TOKENS] [-t THREADS] [-r RUNS]\n");
			return HEED_EXIT_USAGE;
		}
	}
	if (runs < 2 || threads < 1 || tokens < 4) {
		fprintf(stderr, "derive_bench: bad -r, -t or -n\n");
		return HEED_EXIT_USAGE;
	}
	if (heed_open(&oo, &s, &e) < 0) {
		fprintf(stderr, "derive_bench: %s\n", e.msg);
		return HEED_EXIT_BADFILE;
	}
	if (s.cal == NULL) {
		fprintf(stderr, "derive_bench: %s has no calibration (heed calibrate)\n", s.dir);
		return HEED_EXIT_BADFILE;
	}
	if (tok_encode(s.vocab, TEXT, strlen(TEXT), s.cfg.lowercase, tokens, &tr, &e) < 0 ||
	    tr.n != tokens) {
		fprintf(stderr, "derive_bench: the text does not give %d tokens\n", tokens);
		return HEED_EXIT_USAGE;
	}
	int L = s.cfg.layers, H = s.cfg.heads;
	int *ids = malloc(sizeof(int) * (size_t)tokens);
	for (int i = 0; i < tokens; i++)
		ids[i] = tr.tok[i].id;

	/* a whole forward on this thread, for scale */
	enc_state *st = enc_new(s.m, tokens);
	double fwd = 1e30;
	enc_set_threads(st, threads);
	(void)enc_run(st, ids, tokens, NULL, NULL, NULL, NULL, &e);
	for (int k = 0; k < runs; k++) {
		ids[1] ^= 1;   /* new ids: every layer again */
		double t0 = cpu_ms();
		(void)enc_run(st, ids, tokens, NULL, NULL, NULL, NULL, &e);
		t0 = cpu_ms() - t0;
		fwd = t0 < fwd ? t0 : fwd;
	}

	/* the two frames: n tokens, and the same text one token shorter
	 * (its [SEP] moved up) */
	ui_frame *a = frame_new(), *b = frame_new();
	(void)enc_run(st, ids, tokens, NULL, NULL, NULL, NULL, &e);
	fill(a, st, ids, tokens, L, H);
	ids[tokens - 2] = ids[tokens - 1];
	(void)enc_run(st, ids, tokens - 1, NULL, NULL, NULL, NULL, &e);
	fill(b, st, ids, tokens - 1, L, H);

	frame_avg cache = { NULL, 0, 0, NULL, NULL };
	double off_same = time_derive(a, b, false, NULL, s.vocab, NULL, runs);
	double off_alt = time_derive(a, b, true, NULL, s.vocab, NULL, runs);
	double made_same = time_derive(a, b, false, NULL, s.vocab, s.cal, runs);
	double made_alt = time_derive(a, b, true, NULL, s.vocab, s.cal, runs);
	double kept_same = time_derive(a, b, false, &cache, s.vocab, s.cal, runs);
	double kept_alt = time_derive(a, b, true, &cache, s.vocab, s.cal, runs);

	(void)getloadavg(load, 3);
	printf("derive_bench: %s, %d layers x %d heads, %d tokens; least CPU ms per frame of %d; "
	       "a forward %.3f ms on %d thread(s); load average %.2f %.2f %.2f\n", s.dir, L, H, tokens,
	       runs, fwd, threads, load[0], load[1], load[2]);
	report("rows made every frame, same length:", made_same, off_same, fwd);
	report("rows kept, same length:", kept_same, off_same, fwd);
	report("rows made every frame, length changing:", made_alt, off_alt, fwd);
	report("rows kept, length changing:", kept_alt, off_alt, fwd);
	frame_avg_free(&cache);
	frame_free(a);
	frame_free(b);
	enc_free(st);
	free(ids);
	tok_result_free(&tr);
	heed_close(&s);
	return 0;
}
