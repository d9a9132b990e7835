/* queue.c — job and result hand-over with generation-based dropping. */
#include "queue.h"

#include <stdlib.h>
#include <string.h>

#include "heed/util.h"

ui_result *
result_new(void)
{
	return xcalloc(1, sizeof(ui_result));
}

void
result_reserve(ui_result *r, int n, int layers, int heads)
{
	if ((size_t)n > r->cap_n || layers != r->layers || heads != r->heads) {
		size_t nn = (size_t)n * n;

		r->ids = xrealloc(r->ids, (size_t)n * sizeof *r->ids);
		r->attn = xrealloc(r->attn, (size_t)layers * heads * nn * sizeof *r->attn);
		r->entropy = xrealloc(r->entropy, (size_t)layers * heads * sizeof *r->entropy);
		r->cosine = xrealloc(r->cosine, (size_t)(layers + 1) * sizeof *r->cosine);
		r->cap_n = (size_t)n;
	}
	r->layers = layers;
	r->heads = heads;
}

void
result_free(ui_result *r)
{
	if (r == NULL)
		return;
	free(r->ids);
	free(r->attn);
	free(r->entropy);
	free(r->cosine);
	free(r);
}

void
job_init(ui_job *j, int cap, int nmodes)
{
	j->gen = 0;
	j->n = 0;
	j->cap = cap;
	j->nmodes = nmodes;
	j->ids = xcalloc((size_t)cap, sizeof *j->ids);
	j->modes = xcalloc((size_t)nmodes, 1);
}

void
job_free(ui_job *j)
{
	free(j->ids);
	free(j->modes);
	j->ids = NULL;
	j->modes = NULL;
}

void
job_copy(ui_job *dst, const ui_job *src)
{
	dst->gen = src->gen;
	dst->n = src->n;
	memcpy(dst->ids, src->ids, (size_t)src->n * sizeof *src->ids);
	memcpy(dst->modes, src->modes, (size_t)src->nmodes);
}

void
queue_init(ui_queue *q, int cap, int nmodes)
{
	memset(q, 0, sizeof *q);
	uv_mutex_init(&q->mu);
	uv_cond_init(&q->cv);
	atomic_init(&q->gen, 0);
	job_init(&q->pending, cap, nmodes);
	q->ready = result_new();
}

void
queue_destroy(ui_queue *q)
{
	job_free(&q->pending);
	result_free(q->ready);
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
queue_submit(ui_queue *q, uint64_t gen, const int *ids, int n, const uint8_t *modes)
{
	if (n > q->pending.cap)
		n = q->pending.cap;
	uv_mutex_lock(&q->mu);
	q->pending.gen = gen;
	q->pending.n = n;
	memcpy(q->pending.ids, ids, (size_t)n * sizeof *ids);
	memcpy(q->pending.modes, modes, (size_t)q->pending.nmodes);
	q->has_job = true;
	uv_cond_signal(&q->cv);
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
queue_publish(ui_queue *q, ui_result **back)
{
	ui_result *t;

	uv_mutex_lock(&q->mu);
	t = q->ready;
	q->ready = *back;
	*back = t;
	q->has_ready = true;
	uv_mutex_unlock(&q->mu);
}

bool
queue_take(ui_queue *q, ui_result **front)
{
	bool fresh = false;

	uv_mutex_lock(&q->mu);
	if (q->has_ready) {
		q->has_ready = false;
		if (!queue_stale(q, q->ready->gen)) {
			ui_result *t = q->ready;

			q->ready = *front;
			*front = t;
			fresh = true;
		}
	}
	uv_mutex_unlock(&q->mu);
	return fresh;
}
