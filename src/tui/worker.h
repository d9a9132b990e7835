/* worker.h — the encoder thread.  It owns two encoder states (the job's
 * head modes, and an all-input baseline for the deltas), takes the newest
 * job from the queue, polls the generation between layers to abandon stale
 * work, builds the whole frame the views will read, and wakes the loop
 * with uv_async_send.
 *
 * Threads: everything in ui_worker except `q` and `done` belongs to the
 * encoder thread between worker_start and worker_stop; the model, the
 * vocabulary and the calibration are shared read-only with the loop. */
#ifndef HEED_TUI_WORKER_H
#define HEED_TUI_WORKER_H

#include <uv.h>

#include "heed/calib.h"
#include "heed/enc.h"
#include "heed/imp.h"
#include "heed/model.h"
#include "heed/tok.h"
#include "queue.h"

typedef struct ui_worker {
	const model *m;
	const calib *cal;
	const tok_vocab *vocab;
	ui_queue *q;
	uv_async_t *done;
	enc_state *run, *base;
	ui_job job;
	ui_frame *back;
	/* the levels of the last thumbnails made (what the grid shows), for
	 * a burst's fit and hysteresis: prev_tw x prev_th pixels fitted for
	 * prev_tcap tokens, for prev_geom */
	uint8_t *prev_thumb;
	size_t prev_cap;
	int prev_tw, prev_th, prev_tcap;
	frame_geom prev_geom;
	/* the calibration's average rows for the last length, kept across
	 * frames (frame_derive) */
	frame_avg avg;
	/* the baseline's top predictions at each [MASK]: a toggle changes
	 * nothing in the baseline, so they are kept until its ids change */
	struct {
		int pos, k;
		int ids[UI_BASE_TOPK];
		float probs[UI_BASE_TOPK];
	} base_top[UI_MAX_MASKS];
	int nbase_top;
	/* the shown run's top predictions at one [MASK], as deep as the
	 * baseline's, to find where the baseline's best went */
	int now_ids[UI_BASE_TOPK];
	float now_probs[UI_BASE_TOPK];
	int mask_id;
	int threads, max_tokens;
	/* the importance scan (imp.h), made when the view first asks */
	imp_ctx *imp;
	imp_result imp_res;
	imp_curve imp_curve;
	ui_imp imp_out;            /* what is handed over, progress included */
	int *imp_order;            /* [layers*heads] */
	int imp_phase;             /* 0: heads, 1: curve */
	double imp_last_pub;       /* when progress was last handed over */
	/* what the last complete scan was for: the same request (a resize,
	 * a return to the view) is answered from it */
	int *imp_ids, *imp_types, imp_n;
	uint8_t *imp_modes;
	ui_imp_req imp_key;
	bool imp_valid;
	int imp_cancelled;
	bool imp_hold;             /* HEED_IMP_HOLD: the first scan waits to be cancelled */
	int watch[UI_WATCH];        /* word ids whose probability frames carry */
	int nwatch;
	uv_thread_t tid;
	bool started;
} ui_worker;

/* The encoder states and buffers without a thread, for worker_compute
 * (heed export); worker_stop frees them.  watch[0..nwatch): word ids
 * (-1: not in the vocabulary) whose probability at the first [MASK]
 * every frame carries (a lesson's). */
void worker_init(ui_worker *w, const model *m, const tok_vocab *vocab, const calib *cal,
		 int max_tokens, int threads, const int *watch, int nwatch);
/* Run one job on the calling thread: the frame the explorer would show
 * for tok[0..n) under modes, its thumbnails laid out for geom, and the
 * matrices between words too when words is not NULL (frame_words_cut).
 * *out is the worker's own frame, valid until the next call or
 * worker_stop. */
int worker_compute(ui_worker *w, const tok_token *tok, int n, const uint8_t *modes,
		   const frame_geom *geom, const ui_words *words, ui_frame **out, heed_err *e);
/* After worker_compute, on the calling thread: the importance scan of
 * that job's sentence (imp.h) for req, heads and curve, into *out, the
 * worker's own numbers (valid until the next call or worker_stop). */
int worker_importance(ui_worker *w, ui_imp_req req, const ui_imp **out, heed_err *e);
/* The same with a thread of its own that takes jobs from q and wakes done
 * for each frame. */
int worker_start(ui_worker *w, const model *m, const tok_vocab *vocab, const calib *cal,
		 int max_tokens, int threads, const int *watch, int nwatch, ui_queue *q,
		 uv_async_t *done, heed_err *e);
/* Ask the thread to finish (a running job is cancelled) and join it. */
void worker_stop(ui_worker *w);

#endif
