/* test_ui_queue.c — latest wins: stale jobs and frames never get through,
 * the three frame buffers rotate without loss, and two threads hammering
 * the queue agree on all of it (the TSan build runs this too). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "palette.h"
#include "queue.h"

#define CAP 8
#define NMODES 4

static const frame_geom geom = { 80, 20, 2, SCALE_ABSOLUTE, PAL_VIRIDIS, DEPTH_256, false };

static void
test_newest_job_wins(void **state)
{
	ui_queue q;
	ui_job j;
	int a[] = { 1, 2, 3 }, b[] = { 4, 5 };
	uint8_t modes[NMODES] = { 0, 1, 0, 4 };
	uint64_t g1, g2;

	queue_init(&q, CAP, NMODES);
	queue_job_init(&j, CAP, NMODES);
	assert_false(queue_try_job(&q, &j));    /* nothing yet */
	g1 = queue_bump(&q);
	queue_submit(&q, g1, a, 3, modes, &geom, NULL);
	g2 = queue_bump(&q);
	assert_int_equal(g2, g1 + 1);
	assert_true(queue_stale(&q, g1));
	assert_false(queue_stale(&q, g2));
	queue_submit(&q, g2, b, 2, modes, &geom, NULL);
	assert_true(queue_try_job(&q, &j));
	assert_int_equal(j.gen, g2);
	assert_int_equal(j.n, 2);
	assert_memory_equal(j.ids, b, sizeof b);
	assert_memory_equal(j.modes, modes, sizeof modes);
	assert_memory_equal(&j.geom, &geom, sizeof geom);
	assert_false(queue_try_job(&q, &j));   /* the older one is gone */
	queue_quit(&q);
	assert_false(queue_wait_job(&q, &j));
	queue_job_free(&j);
	queue_destroy(&q);
}

static void
test_long_job_is_cut_to_capacity(void **state)
{
	ui_queue q;
	ui_job j;
	int ids[CAP + 3];
	uint8_t modes[NMODES] = { 0 };

	for (int i = 0; i < CAP + 3; i++)
		ids[i] = 100 + i;
	queue_init(&q, CAP, NMODES);
	queue_job_init(&j, CAP, NMODES);
	queue_submit(&q, queue_bump(&q), ids, CAP + 3, modes, &geom, NULL);
	assert_true(queue_try_job(&q, &j));
	assert_int_equal(j.n, CAP);
	assert_memory_equal(j.ids, ids, CAP * sizeof *ids);
	queue_job_free(&j);
	queue_destroy(&q);
}

static void
test_stale_frame_dropped(void **state)
{
	ui_queue q;
	ui_frame *front = frame_new(), *back = frame_new();
	ui_frame *first_front = front;
	uint64_t g1, g2;

	queue_init(&q, CAP, 1);
	g1 = queue_bump(&q);
	back->gen = g1;
	g2 = queue_bump(&q);                    /* an edit while it ran */
	queue_publish(&q, &back);
	assert_false(queue_take(&q, &front));   /* dropped, front unchanged */
	assert_ptr_equal(front, first_front);
	assert_false(queue_take(&q, &front));   /* and only once */

	back->gen = g2;
	queue_publish(&q, &back);
	assert_true(queue_take(&q, &front));
	assert_int_equal(front->gen, g2);
	assert_ptr_not_equal(front, first_front);
	/* three distinct buffers rotate; none is lost or shared */
	assert_ptr_not_equal(front, back);
	assert_ptr_not_equal(front, q.ready);
	assert_ptr_not_equal(back, q.ready);
	frame_free(front);
	frame_free(back);
	queue_destroy(&q);
}

/* ---- two threads ---------------------------------------------------------- */

#define ROUNDS 2000

typedef struct race {
	ui_queue q;
	ui_frame *back;
	int published;
} race;

/* The worker's side: take each job, stamp a frame with its generation
 * and a checksum of its ids, publish it. */
static void
producer(void *arg)
{
	race *r = arg;
	ui_job j;

	queue_job_init(&j, CAP, NMODES);
	while (queue_wait_job(&r->q, &j)) {
		if (queue_stale(&r->q, j.gen))
			continue;
		r->back->gen = j.gen;
		r->back->n = j.n;
		r->back->first_recomputed = j.ids[0];
		queue_publish(&r->q, &r->back);
		r->published++;
	}
	queue_job_free(&j);
}

static void
test_two_threads_newest_wins(void **state)
{
	race r;
	uv_thread_t tid;
	ui_frame *front = frame_new();
	uint8_t modes[NMODES] = { 0 };
	uint64_t last = 0, newest = 0;
	int taken = 0;

	memset(&r, 0, sizeof r);
	queue_init(&r.q, CAP, NMODES);
	r.back = frame_new();
	assert_int_equal(uv_thread_create(&tid, producer, &r), 0);
	for (int i = 1; i <= ROUNDS; i++) {
		int ids[1] = { i };

		newest = queue_bump(&r.q);
		queue_submit(&r.q, newest, ids, 1, modes, &geom, NULL);
		if (queue_take(&r.q, &front)) {
			/* never an old frame, never one from another job */
			assert_true(front->gen > last);
			assert_int_equal(front->first_recomputed, (int)front->gen);
			last = front->gen;
			taken++;
		}
	}
	/* the last job's frame always arrives */
	while (last != newest) {
		if (queue_take(&r.q, &front)) {
			assert_true(front->gen > last);
			last = front->gen;
			taken++;
		}
		uv_sleep(1);
	}
	queue_quit(&r.q);
	uv_thread_join(&tid);
	assert_int_equal(front->gen, newest);
	assert_int_equal(front->first_recomputed, ROUNDS);
	assert_true(taken >= 1);
	assert_true(taken <= r.published);
	frame_free(front);
	frame_free(r.back);
	queue_destroy(&r.q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_newest_job_wins),
		cmocka_unit_test(test_long_job_is_cut_to_capacity),
		cmocka_unit_test(test_stale_frame_dropped),
		cmocka_unit_test(test_two_threads_newest_wins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
