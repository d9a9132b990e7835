/* queue.h — the hand-over between the loop and the encoder thread.
 *
 * Latest wins.  A generation counter is bumped on every edit or toggle; a
 * job carries the generation it was made for and is stale as soon as the
 * counter moves on.  There is one pending-job slot (a newer job overwrites
 * an older one nobody has started) and results travel by pointer swaps
 * between three buffers the two sides own in turn: the worker fills `back`,
 * publishes it as `ready`, and the loop swaps a fresh `ready` into `front`.
 * No buffer is allocated per keystroke, and a stale result is never swapped
 * in, so it can never be drawn.
 */
#ifndef HEED_TUI_QUEUE_H
#define HEED_TUI_QUEUE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#define UI_TOPK 5        /* predictions shown per [MASK] */
#define UI_BASE_TOPK 50  /* baseline depth searched for rank changes */
#define UI_MAX_MASKS 8

typedef struct ui_job {
	uint64_t gen;
	int n;
	int *ids;            /* [cap] */
	uint8_t *modes;      /* [nmodes] */
	int cap, nmodes;
} ui_job;

typedef struct ui_mask_pred {
	int pos;                    /* token index of the [MASK] */
	int k;
	int ids[UI_TOPK];
	float probs[UI_TOPK];
	int base_rank[UI_TOPK];     /* rank in the all-input baseline, -1 beyond UI_BASE_TOPK */
	float base_prob[UI_TOPK];   /* baseline probability, 0 when unknown */
} ui_mask_pred;

typedef struct ui_result {
	uint64_t gen;
	int err;                    /* HEED_OK or the failed run's code */
	char msg[256];
	int n, layers, heads;
	int *ids;                   /* [n] */
	float *attn;                /* [layers][heads][n][n] */
	double *entropy;            /* [layers*heads], nats */
	double *cosine;             /* [layers+1]: hidden states vs. the all-input baseline */
	int nmask;
	ui_mask_pred mask[UI_MAX_MASKS];
	bool has_mlm;
	bool modified;              /* some head is not in input mode */
	double ms;                  /* forward time of this job */
	int first_recomputed;
	size_t cap_n;               /* buffers sized for this many tokens */
} ui_result;

typedef struct ui_queue {
	uv_mutex_t mu;
	uv_cond_t cv;
	atomic_uint_fast64_t gen;
	ui_job pending;
	bool has_job, quit;
	ui_result *ready;
	bool has_ready;
} ui_queue;

/* Allocate a result for up to n tokens (buffers grow, never shrink). */
ui_result *result_new(void);
void result_reserve(ui_result *r, int n, int layers, int heads);
void result_free(ui_result *r);

void job_init(ui_job *j, int cap, int nmodes);
void job_free(ui_job *j);
void job_copy(ui_job *dst, const ui_job *src);

void queue_init(ui_queue *q, int cap, int nmodes);
void queue_destroy(ui_queue *q);
/* Invalidate everything in flight; returns the new generation. */
uint64_t queue_bump(ui_queue *q);
uint64_t queue_gen(ui_queue *q);
bool queue_stale(ui_queue *q, uint64_t gen);
/* Loop: offer the newest job (overwrites an unstarted one). */
void queue_submit(ui_queue *q, uint64_t gen, const int *ids, int n, const uint8_t *modes);
/* Worker: block until a job (copied into *into) or quit (returns false). */
bool queue_wait_job(ui_queue *q, ui_job *into);
/* Non-blocking variant, for tests and draining. */
bool queue_try_job(ui_queue *q, ui_job *into);
void queue_quit(ui_queue *q);
/* Worker: hand over *back; *back becomes the previous ready buffer. */
void queue_publish(ui_queue *q, ui_result **back);
/* Loop: swap a ready, current result into *front.  Returns true when
 * *front changed; a stale ready result is dropped and false returned. */
bool queue_take(ui_queue *q, ui_result **front);

#endif
