/* worker.h — the encoder thread.  It owns OpenBLAS and two encoder states
 * (the job's head modes, and an all-input baseline for the deltas), takes
 * the newest job from the queue, polls the generation between layers to
 * abandon stale work, and wakes the loop with uv_async_send. */
#ifndef HEED_TUI_WORKER_H
#define HEED_TUI_WORKER_H

#include <uv.h>

#include "heed/calib.h"
#include "heed/enc.h"
#include "heed/model.h"
#include "queue.h"

typedef struct ui_worker {
	const model *m;
	const calib *cal;
	ui_queue *q;
	uv_async_t *done;
	enc_state *run, *base;
	ui_job job;
	ui_result *back;
	/* the baseline's top predictions at each [MASK]: a toggle changes
	 * nothing in the baseline, so they are kept until its ids change */
	struct {
		int pos, k;
		int ids[UI_BASE_TOPK];
		float probs[UI_BASE_TOPK];
	} base_top[UI_MAX_MASKS];
	int nbase_top;
	int mask_id;
	uv_thread_t tid;
	bool started;
} ui_worker;

int worker_start(ui_worker *w, const model *m, const calib *cal, int max_tokens,
		 int mask_id, int threads, ui_queue *q, uv_async_t *done, heed_err *e);
/* Ask the thread to finish (a running job is cancelled) and join it. */
void worker_stop(ui_worker *w);

#endif
