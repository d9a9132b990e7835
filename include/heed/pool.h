/* pool.h — the process's one thread pool.
 *
 * Every part of heed that computes in parallel (the encoder's forward pass
 * in the explorer's worker, `heed bench`, `heed calibrate`) borrows the same
 * worker threads: a handle says how many threads one job may use, and the
 * workers behind it are started once per process, on first need, and shared.
 * Two encoders therefore never double the threads, and nothing keeps a core
 * busy between jobs: a worker polls for a few tens of microseconds after a
 * job (the next one usually comes sooner) and then sleeps on a condition
 * variable until one is posted.
 *
 * A job is fn(arg, part, parts) called once for every part; the caller runs
 * parts too.  Parts are claimed from one counter, so which thread runs a
 * part is left to chance: what a part computes must not depend on it.
 * Jobs posted from two threads at once do not queue: the second runs all its
 * parts on its own thread (same results, less parallelism).
 */
#ifndef HEED_POOL_H
#define HEED_POOL_H

typedef struct enc_pool enc_pool;
typedef void (*enc_pool_fn)(void *arg, int part, int parts);

/* A handle on the process pool for jobs of up to `threads` threads (the
 * caller included); starts workers if the pool has fewer than threads − 1.
 * Free the handle with enc_pool_free; the workers stay for the process. */
enc_pool *enc_pool_new(int threads);
void enc_pool_free(enc_pool *p);
/* Threads a job of this handle may use (1 for NULL). */
int enc_pool_parts(const enc_pool *p);
/* fn for parts 0 .. enc_pool_parts(p) − 1; p NULL runs fn(arg, 0, 1). */
void enc_pool_run(enc_pool *p, enc_pool_fn fn, void *arg);
/* The same with a part count of the caller's choosing (more parts than
 * threads balance better when a thread is slow to be scheduled). */
void enc_pool_run_parts(enc_pool *p, int parts, enc_pool_fn fn, void *arg);

#endif
