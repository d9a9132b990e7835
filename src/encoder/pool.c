/* pool.c — the encoder's threads: one job at a time, split into parts.
 *
 * Why not OpenBLAS's own threads: for a few tokens OpenBLAS runs a GEMM on
 * one thread (measured: bert-base at 8 tokens takes 37 ms with 1 or 2
 * OpenBLAS threads alike), so a short input streams every weight through
 * one core's share of memory bandwidth, and the per-head attention GEMMs
 * are too small to split at all.  The encoder therefore splits the work
 * itself — a linear layer by column panels, attention by heads — and calls
 * OpenBLAS single-threaded from each part.
 *
 * A job is a function called as fn(arg, part, parts) for every part.  The
 * parts are not tied to threads: the caller and the workers claim them from
 * one counter until none is left, and the caller waits only for parts that
 * were claimed.  A worker the kernel has not scheduled yet (the terminal,
 * tmux or another program holds the other core) therefore costs nothing but
 * its share of parallelism; with fixed parts the caller waited for it up to
 * a scheduler tick, 4 ms, for a toggle whose work takes 1.  What a part
 * computes does not depend on which thread runs it, so neither do the
 * results.
 *
 * Between jobs the workers spin for a moment (a forward pass posts a job
 * every few hundred microseconds, and a condition-variable wake-up costs
 * tens of them on a VM), then sleep.
 */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "encoder_int.h"

/* polls before sleeping: some tens of microseconds (a PAUSE is 10–140
 * cycles depending on the CPU) */
#define POOL_SPIN 3000

struct enc_pool {
	int parts;              /* threads including the caller */
	pthread_t *th;
	pthread_mutex_t mu;
	pthread_cond_t wake;
	atomic_uint_fast64_t gen;   /* bumped once per job */
	/* (job << 32) | next part to claim: a claim carries its job, so a
	 * worker that wakes late can never take a part of the next one */
	atomic_uint_fast64_t ticket;
	atomic_int done;            /* parts of the current job finished */
	atomic_bool stop;
	enc_pool_fn fn;
	void *arg;
};

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Wait until gen moves past seen (or stop); returns the new gen. */
static uint_fast64_t
wait_job(enc_pool *p, uint_fast64_t seen)
{
	uint_fast64_t g;

	for (int i = 0; i < POOL_SPIN; i++) {
		g = atomic_load_explicit(&p->gen, memory_order_acquire);
		if (g != seen || atomic_load(&p->stop))
			return g;
		cpu_relax();
	}
	pthread_mutex_lock(&p->mu);
	while ((g = atomic_load(&p->gen)) == seen && !atomic_load(&p->stop))
		pthread_cond_wait(&p->wake, &p->mu);
	pthread_mutex_unlock(&p->mu);
	return g;
}

/* Claim and run parts of job `job` until none is left. */
static void
run_parts(enc_pool *p, uint_fast64_t job)
{
	uint_fast64_t t = atomic_load_explicit(&p->ticket, memory_order_acquire);

	for (;;) {
		uint_fast64_t part = t & 0xffffffffu;
		if (t >> 32 != (job & 0xffffffffu) || part >= (uint_fast64_t)p->parts)
			return;
		/* success acquires the caller's fn and arg for this job */
		if (!atomic_compare_exchange_weak_explicit(&p->ticket, &t, t + 1,
		    memory_order_acq_rel, memory_order_acquire))
			continue;
		p->fn(p->arg, (int)part, p->parts);
		atomic_fetch_add_explicit(&p->done, 1, memory_order_release);
		t = atomic_load_explicit(&p->ticket, memory_order_acquire);
	}
}

static void *
worker_main(void *v)
{
	enc_pool *p = v;
	uint_fast64_t seen = 0;

	for (;;) {
		seen = wait_job(p, seen);
		if (atomic_load(&p->stop))
			return NULL;
		run_parts(p, seen);
	}
}

enc_pool *
enc_pool_new(int parts)
{
	enc_pool *p = xcalloc(1, sizeof *p);

	p->parts = parts < 1 ? 1 : parts;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->wake, NULL);
	atomic_init(&p->gen, 0);
	atomic_init(&p->ticket, 0);
	atomic_init(&p->done, 0);
	atomic_init(&p->stop, false);
	p->th = xcalloc((size_t)p->parts, sizeof *p->th);
	for (int i = 1; i < p->parts; i++) {
		if (pthread_create(&p->th[i], NULL, worker_main, p) != 0) {
			/* fewer threads is slower, not wrong */
			p->parts = i;
			break;
		}
	}
	return p;
}

int
enc_pool_parts(const enc_pool *p)
{
	return p != NULL ? p->parts : 1;
}

void
enc_pool_run(enc_pool *p, enc_pool_fn fn, void *arg)
{
	if (p == NULL || p->parts == 1) {
		fn(arg, 0, 1);
		return;
	}
	uint_fast64_t job = atomic_load_explicit(&p->gen, memory_order_relaxed) + 1;

	p->fn = fn;
	p->arg = arg;
	atomic_store_explicit(&p->done, 0, memory_order_relaxed);
	atomic_store_explicit(&p->ticket, (job & 0xffffffffu) << 32, memory_order_release);
	pthread_mutex_lock(&p->mu);
	atomic_store_explicit(&p->gen, job, memory_order_release);
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->mu);
	run_parts(p, job);
	for (int i = 0; atomic_load_explicit(&p->done, memory_order_acquire) < p->parts; i++) {
		if (i < POOL_SPIN)
			cpu_relax();
		else
			sched_yield();
	}
}

void
enc_pool_free(enc_pool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	atomic_store(&p->stop, true);
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->mu);
	for (int i = 1; i < p->parts; i++)
		pthread_join(p->th[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->wake);
	free(p->th);
	free(p);
}
