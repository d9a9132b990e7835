/* test_ui_queue.c — latest wins: stale jobs and results never get through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "queue.h"

static void
test_newest_job_wins(void **state)
{
	ui_queue q;
	ui_job j;
	int a[] = { 1, 2, 3 }, b[] = { 4, 5 };
	uint8_t modes[4] = { 0, 1, 0, 4 };
	uint64_t g1, g2;

	queue_init(&q, 8, 4);
	job_init(&j, 8, 4);
	g1 = queue_bump(&q);
	queue_submit(&q, g1, a, 3, modes);
	g2 = queue_bump(&q);
	assert_true(queue_stale(&q, g1));
	queue_submit(&q, g2, b, 2, modes);
	assert_true(queue_try_job(&q, &j));
	assert_int_equal(j.gen, g2);
	assert_int_equal(j.n, 2);
	assert_int_equal(j.ids[1], 5);
	assert_int_equal(j.modes[3], 4);
	assert_false(queue_try_job(&q, &j));   /* the older one is gone */
	queue_quit(&q);
	assert_false(queue_wait_job(&q, &j));
	job_free(&j);
	queue_destroy(&q);
}

static void
test_stale_result_dropped(void **state)
{
	ui_queue q;
	ui_result *front = result_new(), *back = result_new();
	ui_result *first_front = front;
	uint64_t g1, g2;

	queue_init(&q, 8, 1);
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
	result_free(front);
	result_free(back);
	queue_destroy(&q);
}

static void
test_result_buffers_reused(void **state)
{
	ui_result *r = result_new();
	float *attn;

	result_reserve(r, 16, 2, 3);
	attn = r->attn;
	result_reserve(r, 9, 2, 3);             /* smaller: no reallocation */
	assert_ptr_equal(r->attn, attn);
	assert_int_equal(r->cap_n, 16);
	result_reserve(r, 20, 2, 3);
	assert_int_equal(r->cap_n, 20);
	r->attn[2 * 3 * 20 * 20 - 1] = 1;       /* the whole buffer is there */
	result_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_newest_job_wins),
		cmocka_unit_test(test_stale_result_dropped),
		cmocka_unit_test(test_result_buffers_reused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
