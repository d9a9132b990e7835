/* queue.h — the hand-over between the loop and the encoder thread.
 *
 * Latest wins.  A generation counter is bumped on every edit or toggle; a
 * job carries the generation it was made for and is stale as soon as the
 * counter moves on.  There is one pending-job slot (a newer job overwrites
 * an older one nobody has started) and frames travel by pointer swaps
 * between three buffers the two sides own in turn: the worker fills its
 * `back`, publishes it as `ready`, and the loop swaps a fresh `ready` into
 * its `front`.  No buffer is allocated per keystroke, and a stale frame is
 * never swapped in, so it can never be drawn.
 *
 * Locking: `mu` guards pending, has_job, quit, ready and has_ready.  The
 * generation is atomic so the worker can poll it between layers without
 * the lock.  A frame is written only by the thread that holds it as
 * `back` (the worker) and read only by the one that holds it as `front`
 * (the loop); the swaps under `mu` are the only hand-overs, so a frame is
 * never written while anyone reads it.
 */
#ifndef HEED_TUI_QUEUE_H
#define HEED_TUI_QUEUE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "frame.h"
#include "importance.h"

typedef struct ui_job {
	uint64_t gen;
	int n;
	int *ids;            /* [cap] */
	int *types;          /* [cap] token type ids */
	uint8_t *seg;        /* [cap] segment of each token: 0 (A), 1 (B) */
	bool pair;           /* the sentence is a pair */
	uint8_t *modes;      /* [nmodes] */
	frame_geom geom;     /* where the grid's thumbnails go */
	ui_imp_req imp;      /* the importance scan after the frame, if wanted */
	ui_words words;      /* its words (n 0: none given) */
	frame_probe_ask probe;  /* the head to look inside; layer -1: none */
	int cap, nmodes;
} ui_job;

typedef struct ui_queue {
	uv_mutex_t mu;
	uv_cond_t cv;
	atomic_uint_fast64_t gen;
	ui_job pending;
	bool has_job, quit;
	ui_frame *ready;
	bool has_ready;
	ui_imp imp;          /* the newest importance numbers (importance.h) */
	bool has_imp;
} ui_queue;

void queue_job_init(ui_job *j, int cap, int nmodes);
void queue_job_free(ui_job *j);
/* Fill j with tokens (ids, type ids, segments; at most its cap), modes,
 * geometry and words (NULL: none). */
void queue_job_set(ui_job *j, const tok_token *tok, int n, const uint8_t *modes,
		   const frame_geom *geom, const ui_words *words);

void queue_init(ui_queue *q, int cap, int nmodes);
void queue_destroy(ui_queue *q);
/* Invalidate everything in flight; returns the new generation. */
uint64_t queue_bump(ui_queue *q);
uint64_t queue_gen(ui_queue *q);
bool queue_stale(ui_queue *q, uint64_t gen);
/* Loop: offer the newest job (overwrites an unstarted one).  words (NULL:
 * none) are the sentence's words: given, the frame is made between words
 * too. */
void queue_submit(ui_queue *q, uint64_t gen, const int *ids, int n, const uint8_t *modes,
		  const frame_geom *geom, const ui_words *words);
/* The same for tokens with their type ids and segments (tok_token's
 * type and seg): a sentence pair. */
void queue_submit_tokens(ui_queue *q, uint64_t gen, const tok_token *tok, int n,
			 const uint8_t *modes, const frame_geom *geom, const ui_words *words);
/* Loop: the head the next jobs look inside (layer -1: none); it stays
 * until set again. */
void queue_set_probe(ui_queue *q, const frame_probe_ask *ask);
/* Worker: block until a job (copied into *into) or quit (returns false). */
bool queue_wait_job(ui_queue *q, ui_job *into);
/* Non-blocking variant, for tests and draining. */
bool queue_try_job(ui_queue *q, ui_job *into);
void queue_quit(ui_queue *q);
/* Worker: hand over *back; *back becomes the previous ready buffer. */
void queue_publish(ui_queue *q, ui_frame **back);
/* Loop: swap a ready, current frame into *front.  Returns true when
 * *front changed; a stale ready frame is dropped and false returned. */
bool queue_take(ui_queue *q, ui_frame **front);
/* Loop: what every job from now on asks of the importance scan. */
void queue_imp_request(ui_queue *q, const ui_imp_req *req);
/* Worker: hand over a copy of the importance numbers (progress or result). */
void queue_imp_publish(ui_queue *q, const ui_imp *p);
/* Loop: copy the newest importance numbers into *into if they are fresh
 * (not stale, not taken before); returns whether it did. */
bool queue_imp_take(ui_queue *q, ui_imp *into);

#endif
