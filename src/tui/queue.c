/* queue.c — job and frame hand-over with generation-based dropping (the
 * locking rules are in queue.h). */
#include "queue.h"

#include <stdlib.h>
#include <string.h>

#include "heed/util.h"

void
queue_job_init(ui_job *j, int cap, int nmodes)
{
	j->gen = 0;
	j->n = 0;
	j->cap = cap;
	j->nmodes = nmodes;
	j->ids = xcalloc((size_t)cap, sizeof *j->ids);
	j->types = xcalloc((size_t)cap, sizeof *j->types);
	j->seg = xcalloc((size_t)cap, 1);
	j->pair = false;
	j->modes = xcalloc((size_t)nmodes, 1);
	frame_words_init(&j->words, cap);
	j->probe = (frame_probe_ask){ -1, 0, 0 };
}

void
queue_job_free(ui_job *j)
{
	free(j->ids);
	free(j->types);
	free(j->seg);
	free(j->modes);
	frame_words_free(&j->words);
	j->types = NULL;
	j->seg = NULL;
	j->ids = NULL;
	j->modes = NULL;
}

static void
job_copy(ui_job *dst, const ui_job *src)
{
	dst->gen = src->gen;
	dst->n = src->n;
	memcpy(dst->ids, src->ids, (size_t)src->n * sizeof *src->ids);
	memcpy(dst->types, src->types, (size_t)src->n * sizeof *src->types);
	memcpy(dst->seg, src->seg, (size_t)src->n);
	dst->pair = src->pair;
	memcpy(dst->modes, src->modes, (size_t)src->nmodes);
	dst->geom = src->geom;
	dst->imp = src->imp;
	frame_words_copy(&dst->words, &src->words);
	dst->probe = src->probe;
}

void
queue_init(ui_queue *q, int cap, int nmodes)
{
	memset(q, 0, sizeof *q);
	uv_mutex_init(&q->mu);
	uv_cond_init(&q->cv);
	atomic_init(&q->gen, 0);
	queue_job_init(&q->pending, cap, nmodes);
	q->ready = frame_new();
	importance_init(&q->imp, nmodes);
}

void
queue_destroy(ui_queue *q)
{
	queue_job_free(&q->pending);
	frame_free(q->ready);
	importance_free(&q->imp);
	uv_cond_destroy(&q->cv);
	uv_mutex_destroy(&q->mu);
}

uint64_t
queue_bump(ui_queue *q)
{
	return atomic_fetch_add(&q->gen, 1) + 1;
}

uint64_t
queue_gen(ui_queue *q)
{
	return atomic_load(&q->gen);
}

bool
queue_stale(ui_queue *q, uint64_t gen)
{
	return atomic_load(&q->gen) != gen;
}

void
queue_submit(ui_queue *q, uint64_t gen, const int *ids, int n, const uint8_t *modes,
	     const frame_geom *geom, const ui_words *words)
{
	/* words past a cut would name tokens the job does not have */
	if (n > q->pending.cap) {
		n = q->pending.cap;
		words = NULL;
	}
	uv_mutex_lock(&q->mu);
	q->pending.gen = gen;
	q->pending.n = n;
	memcpy(q->pending.ids, ids, (size_t)n * sizeof *ids);
	memset(q->pending.types, 0, (size_t)n * sizeof *q->pending.types);
	memset(q->pending.seg, 0, (size_t)n);
	q->pending.pair = false;
	memcpy(q->pending.modes, modes, (size_t)q->pending.nmodes);
	q->pending.geom = *geom;
	if (words != NULL)
		frame_words_copy(&q->pending.words, words);
	else
		q->pending.words.n = 0;
	q->has_job = true;
	uv_cond_signal(&q->cv);
	uv_mutex_unlock(&q->mu);
}

void
queue_job_set(ui_job *j, const tok_token *tok, int n, const uint8_t *modes,
	      const frame_geom *geom, const ui_words *words)
{
	/* words past a cut would name tokens the job does not have */
	if (n > j->cap) {
		n = j->cap;
		words = NULL;
	}
	j->n = n;
	j->pair = false;
	for (int i = 0; i < n; i++) {
		j->ids[i] = tok[i].id;
		j->types[i] = tok[i].type;
		j->seg[i] = (uint8_t)(tok[i].seg != 0);
		j->pair |= tok[i].seg != 0;
	}
	memcpy(j->modes, modes, (size_t)j->nmodes);
	j->geom = *geom;
	if (words != NULL)
		frame_words_copy(&j->words, words);
	else
		j->words.n = 0;
}

void
queue_submit_tokens(ui_queue *q, uint64_t gen, const tok_token *tok, int n,
		    const uint8_t *modes, const frame_geom *geom, const ui_words *words)
{
	uv_mutex_lock(&q->mu);
	q->pending.gen = gen;
	queue_job_set(&q->pending, tok, n, modes, geom, words);
	q->has_job = true;
	uv_cond_signal(&q->cv);
	uv_mutex_unlock(&q->mu);
}

void
queue_set_probe(ui_queue *q, const frame_probe_ask *ask)
{
	uv_mutex_lock(&q->mu);
	q->pending.probe = *ask;
	uv_mutex_unlock(&q->mu);
}

/* Called with the mutex held. */
static bool
take_job(ui_queue *q, ui_job *into)
{
	if (!q->has_job)
		return false;
	job_copy(into, &q->pending);
	q->has_job = false;
	return true;
}

bool
queue_wait_job(ui_queue *q, ui_job *into)
{
	bool got = false;

	uv_mutex_lock(&q->mu);
	while (!q->quit && !(got = take_job(q, into)))
		uv_cond_wait(&q->cv, &q->mu);
	uv_mutex_unlock(&q->mu);
	return got;
}

bool
queue_try_job(ui_queue *q, ui_job *into)
{
	bool got;

	uv_mutex_lock(&q->mu);
	got = !q->quit && take_job(q, into);
	uv_mutex_unlock(&q->mu);
	return got;
}

void
queue_quit(ui_queue *q)
{
	uv_mutex_lock(&q->mu);
	q->quit = true;
	uv_cond_signal(&q->cv);
	uv_mutex_unlock(&q->mu);
}

void
queue_publish(ui_queue *q, ui_frame **back)
{
	ui_frame *t;

	uv_mutex_lock(&q->mu);
	t = q->ready;
	q->ready = *back;
	*back = t;
	q->has_ready = true;
	uv_mutex_unlock(&q->mu);
}

bool
queue_take(ui_queue *q, ui_frame **front)
{
	bool fresh = false;

	uv_mutex_lock(&q->mu);
	if (q->has_ready) {
		q->has_ready = false;
		if (!queue_stale(q, q->ready->gen)) {
			ui_frame *t = q->ready;

			q->ready = *front;
			*front = t;
			fresh = true;
		}
	}
	uv_mutex_unlock(&q->mu);
	return fresh;
}

void
queue_imp_request(ui_queue *q, const ui_imp_req *req)
{
	uv_mutex_lock(&q->mu);
	q->pending.imp = *req;
	uv_mutex_unlock(&q->mu);
}

void
queue_imp_publish(ui_queue *q, const ui_imp *p)
{
	uv_mutex_lock(&q->mu);
	importance_copy(&q->imp, p);
	q->has_imp = true;
	uv_mutex_unlock(&q->mu);
}

bool
queue_imp_take(ui_queue *q, ui_imp *into)
{
	bool fresh = false;

	uv_mutex_lock(&q->mu);
	if (q->has_imp && !queue_stale(q, q->imp.gen)) {
		importance_copy(into, &q->imp);
		fresh = true;
	}
	q->has_imp = false;
	uv_mutex_unlock(&q->mu);
	return fresh;
}
