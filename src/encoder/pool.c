/* pool.c — the process's one thread pool (pool.h).
 *
 * Why not OpenBLAS's own threads: for a few tokens OpenBLAS runs a GEMM on
 * one thread (measured: bert-base at 8 tokens takes 37 ms with 1 or 2
 * OpenBLAS threads alike), so a short input streams every weight through
 * one core's share of memory bandwidth, and the per-head attention GEMMs
 * are too small to split at all.  The encoder therefore splits the work
 * itself — a linear layer by column panels, attention by heads — and calls
 * OpenBLAS single-threaded from each part.
 *
 * The parts are not tied to threads: the caller and the workers claim them
 * from one counter until none is left, and the caller waits only for parts
 * that were claimed.  A worker the kernel has not scheduled yet (the
 * terminal, tmux or another program holds the other core) therefore costs
 * nothing but its share of parallelism.
 *
 * Waiting, on both sides, is a short poll and then a sleep.  A forward pass
 * posts a job every few hundred microseconds, and a wake-up through the
 * kernel costs tens of them on a VM, so a worker polls for POOL_SPIN_NS
 * first; past that it sleeps on a condition variable, and so does the
 * caller waiting for the last part.  The earlier pool polled and then
 * called sched_yield() in a loop: 15% of a calibration's time, and with
 * another busy process on the machine every yield handed the core away for
 * a whole time slice, which is what made bench's p95 wide.  Wake-ups are
 * only paid for when someone sleeps: the sleeper announces itself (a
 * counter, set under the mutex) and the waker looks at it after publishing
 * its change; both are sequentially consistent, so at least one of them
 * sees the other (the store-load pattern of Dekker's algorithm).
 */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "heed/pool.h"
#include "heed/util.h"

#define POOL_SPIN_NS 30000L  /* poll this long before sleeping */
#define POOL_MAX_THREADS 64

struct enc_pool {
	int threads;            /* a handle: how many threads its jobs use */
};

/* The shared state.  The mutex guards growth and sleeping; the job itself
 * is published through the atomics. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t wake;        /* workers sleep here */
	pthread_cond_t finished;    /* the caller sleeps here */
	pthread_mutex_t submit;     /* one job at a time */
	int workers;                /* started so far */
	pthread_t th[POOL_MAX_THREADS];
	bool exit_hook;
	atomic_uint_fast64_t gen;   /* bumped once per job */
	/* (job << 32) | next part to claim: a claim carries its job, so a
	 * worker that wakes late can never take a part of the next one */
	atomic_uint_fast64_t ticket;
	atomic_int done;            /* parts of the current job finished */
	atomic_int sleepers;        /* workers asleep or about to be */
	atomic_bool caller_asleep;
	atomic_bool stop;
	/* the current job: written before ticket and gen are published */
	enc_pool_fn fn;
	void *arg;
	atomic_int parts, threads;
} P = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER,
	.finished = PTHREAD_COND_INITIALIZER,
	.submit = PTHREAD_MUTEX_INITIALIZER,
};

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static long
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000L + t.tv_nsec;
}

/* Poll cond(ud) for up to POOL_SPIN_NS; true if it became true. */
static bool
spin_until(bool (*cond)(void *), void *ud)
{
	long t0 = 0;

	for (int i = 0;; i++) {
		if (cond(ud))
			return true;
		cpu_relax();
		if ((i & 63) == 63) {
			long t = now_ns();
			if (t0 == 0)
				t0 = t;
			else if (t - t0 > POOL_SPIN_NS)
				return false;
		}
	}
}

typedef struct gen_wait {
	uint_fast64_t seen;
} gen_wait;

static bool
job_posted(void *v)
{
	const gen_wait *g = v;

	return atomic_load(&P.gen) != g->seen || atomic_load(&P.stop);
}

/* Wait until gen moves past seen (or stop); returns the new gen. */
static uint_fast64_t
wait_job(uint_fast64_t seen)
{
	gen_wait g = { seen };
	uint_fast64_t now;

	if (!spin_until(job_posted, &g)) {
		pthread_mutex_lock(&P.mu);
		atomic_fetch_add(&P.sleepers, 1);
		while (!job_posted(&g))
			pthread_cond_wait(&P.wake, &P.mu);
		atomic_fetch_sub(&P.sleepers, 1);
		pthread_mutex_unlock(&P.mu);
	}
	now = atomic_load(&P.gen);
	return now;
}

/* Claim and run parts of job `job` until none is left. */
static void
run_parts(uint_fast64_t job)
{
	uint_fast64_t t = atomic_load_explicit(&P.ticket, memory_order_acquire);

	for (;;) {
		uint_fast64_t part = t & 0xffffffffu;
		if (t >> 32 != (job & 0xffffffffu) || part >= (uint_fast64_t)atomic_load(&P.parts))
			return;
		/* success acquires the caller's fn, arg and parts for this job */
		if (!atomic_compare_exchange_weak_explicit(&P.ticket, &t, t + 1,
		    memory_order_acq_rel, memory_order_acquire))
			continue;
		int parts = atomic_load(&P.parts);
		P.fn(P.arg, (int)part, parts);
		if (atomic_fetch_add(&P.done, 1) + 1 == parts && atomic_load(&P.caller_asleep)) {
			pthread_mutex_lock(&P.mu);
			pthread_cond_signal(&P.finished);
			pthread_mutex_unlock(&P.mu);
		}
		t = atomic_load_explicit(&P.ticket, memory_order_acquire);
	}
}

static void *
worker_main(void *v)
{
	int index = (int)(intptr_t)v;   /* 1-based: the caller is thread 0 */
	uint_fast64_t seen = atomic_load(&P.gen);

	for (;;) {
		seen = wait_job(seen);
		if (atomic_load(&P.stop))
			return NULL;
		/* a job limited to fewer threads leaves this one out */
		if (index < atomic_load(&P.threads))
			run_parts(seen);
	}
}

/* At exit, the workers are stopped and joined, so leak checkers and
 * valgrind see every thread end. */
static void
pool_shutdown(void)
{
	pthread_mutex_lock(&P.mu);
	atomic_store(&P.stop, true);
	pthread_cond_broadcast(&P.wake);
	pthread_mutex_unlock(&P.mu);
	for (int i = 1; i <= P.workers; i++)
		pthread_join(P.th[i - 1], NULL);
	P.workers = 0;
}

enc_pool *
enc_pool_new(int threads)
{
	enc_pool *p = xcalloc(1, sizeof *p);

	if (threads < 1)
		threads = 1;
	if (threads > POOL_MAX_THREADS)
		threads = POOL_MAX_THREADS;
	pthread_mutex_lock(&P.mu);
	if (!P.exit_hook && threads > 1)
		P.exit_hook = atexit(pool_shutdown) == 0;
	while (P.exit_hook && !atomic_load(&P.stop) && P.workers < threads - 1) {
		if (pthread_create(&P.th[P.workers], NULL, worker_main,
		    (void *)(intptr_t)(P.workers + 1)) != 0)
			break;   /* fewer threads is slower, not wrong */
		P.workers++;
	}
	p->threads = P.workers + 1 < threads ? P.workers + 1 : threads;
	pthread_mutex_unlock(&P.mu);
	return p;
}

void
enc_pool_free(enc_pool *p)
{
	free(p);
}

int
enc_pool_parts(const enc_pool *p)
{
	return p != NULL ? p->threads : 1;
}

static bool
job_finished(void *v)
{
	(void)v;
	return atomic_load(&P.done) >= atomic_load(&P.parts);
}

void
enc_pool_run_parts(enc_pool *p, int parts, enc_pool_fn fn, void *arg)
{
	if (p == NULL || p->threads == 1 || parts <= 1 || pthread_mutex_trylock(&P.submit) != 0) {
		/* one thread, or another thread's job in flight (or this is a
		 * part of one): every part here, in order */
		for (int k = 0; k < parts; k++)
			fn(arg, k, parts);
		return;
	}
	uint_fast64_t job = atomic_load(&P.gen) + 1;

	P.fn = fn;
	P.arg = arg;
	atomic_store(&P.parts, parts);
	atomic_store(&P.threads, p->threads);
	atomic_store(&P.done, 0);
	atomic_store_explicit(&P.ticket, (job & 0xffffffffu) << 32, memory_order_release);
	atomic_store(&P.gen, job);
	if (atomic_load(&P.sleepers) > 0) {
		pthread_mutex_lock(&P.mu);
		pthread_cond_broadcast(&P.wake);
		pthread_mutex_unlock(&P.mu);
	}
	run_parts(job);
	if (!spin_until(job_finished, NULL)) {
		pthread_mutex_lock(&P.mu);
		atomic_store(&P.caller_asleep, true);
		while (!job_finished(NULL))
			pthread_cond_wait(&P.finished, &P.mu);
		atomic_store(&P.caller_asleep, false);
		pthread_mutex_unlock(&P.mu);
	}
	pthread_mutex_unlock(&P.submit);
}

void
enc_pool_run(enc_pool *p, enc_pool_fn fn, void *arg)
{
	enc_pool_run_parts(p, enc_pool_parts(p), fn, arg);
}
