/* test_ui_input.c — the sentence editor, with multi-byte characters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "input.h"

static void
type(ui_input *in, const char *s)
{
	assert_true(input_insert(in, s, strlen(s)));
}

static void
test_insert_and_move_utf8(void **state)
{
	ui_input in;

	input_init(&in);
	type(&in, "caf\xc3\xa9 \xe6\x97\xa5");   /* café 日 */
	assert_int_equal(in.len, 9);
	assert_true(input_left(&in));             /* before 日 (3 bytes) */
	assert_int_equal(in.cur, 6);
	assert_true(input_left(&in));             /* before the space */
	assert_true(input_left(&in));             /* before é (2 bytes) */
	assert_int_equal(in.cur, 3);
	assert_true(input_backspace(&in));        /* removes f */
	assert_string_equal(in.buf, "ca\xc3\xa9 \xe6\x97\xa5");
	assert_true(input_delete(&in));           /* removes é whole */
	assert_string_equal(in.buf, "ca \xe6\x97\xa5");
	assert_true(input_end(&in));
	assert_false(input_right(&in));
	assert_true(input_backspace(&in));
	assert_string_equal(in.buf, "ca ");
	assert_true(input_home(&in));
	assert_false(input_left(&in));
	assert_false(input_backspace(&in));
	assert_true(input_insert_cp(&in, 0x1F600));
	assert_int_equal(in.cur, 4);
	assert_int_equal(input_width(in.buf, 0, in.len), 2 + 3);
	input_free(&in);
}

static void
test_kills(void **state)
{
	ui_input in;

	input_init(&in);
	type(&in, "the cat  sat   ");
	assert_true(input_kill_word(&in));
	assert_string_equal(in.buf, "the cat  ");
	assert_true(input_kill_word(&in));
	assert_string_equal(in.buf, "the ");
	input_set(&in, "one two three");
	in.cur = 7;                               /* after "two" */
	assert_true(input_kill_line(&in));
	assert_string_equal(in.buf, " three");
	assert_int_equal(in.cur, 0);
	assert_false(input_kill_word(&in));
	input_free(&in);
}

static void
test_invalid_utf8_never_sticks(void **state)
{
	ui_input in;
	int steps = 0;

	input_init(&in);
	input_set(&in, "a\x80\x80\x80\x80\x80z\xff");
	while (input_left(&in))
		steps++;
	assert_int_equal(in.cur, 0);
	assert_true(steps >= 3);
	while (input_backspace(&in) || input_delete(&in))
		;
	assert_int_equal(in.len, 0);
	input_free(&in);
}

static void
test_history(void **state)
{
	ui_input in;

	input_init(&in);
	type(&in, "first");
	input_hist_push(&in);
	input_set(&in, "second");
	input_hist_push(&in);
	input_hist_push(&in);                     /* repeat: kept once */
	input_set(&in, "draft");
	assert_true(input_hist_prev(&in));
	assert_string_equal(in.buf, "second");
	assert_true(input_hist_prev(&in));
	assert_string_equal(in.buf, "first");
	assert_false(input_hist_prev(&in));
	assert_true(input_hist_next(&in));
	assert_true(input_hist_next(&in));
	assert_string_equal(in.buf, "draft");
	assert_false(input_hist_next(&in));
	input_free(&in);
}

static void
test_long_paste_is_capped(void **state)
{
	static char big[INPUT_MAX_BYTES + 100];
	ui_input in;

	memset(big, 'x', sizeof big);
	input_init(&in);
	assert_true(input_insert(&in, big, sizeof big));
	assert_int_equal(in.len, INPUT_MAX_BYTES);
	assert_false(input_insert(&in, "y", 1));
	assert_int_equal(strlen(in.buf), INPUT_MAX_BYTES);
	input_free(&in);
}

/* Bytes as wgetch delivers them: valid characters next to invalid bytes
 * survive, and every broken sequence is one U+FFFD. */
static void
feed_all(const char *bytes, size_t n, unsigned *cps, int *ncp)
{
	ui_utf8 d = { 0 };
	unsigned out[2];

	*ncp = 0;
	for (size_t i = 0; i < n; i++) {
		int k = input_utf8_feed(&d, (unsigned char)bytes[i], out);
		for (int j = 0; j < k; j++)
			cps[(*ncp)++] = out[j];
	}
}

static void
test_utf8_feed(void **state)
{
	unsigned cp[16];
	int n;

	(void)state;
	feed_all("ok \x80" "abc", 7, cp, &n);        /* the reproducer: 'abc' was lost */
	assert_int_equal(n, 7);
	assert_int_equal(cp[3], 0xFFFD);
	assert_int_equal(cp[4], 'a');
	assert_int_equal(cp[6], 'c');
	feed_all("caf\xc3\xa9", 5, cp, &n);          /* é split over two bytes */
	assert_int_equal(n, 4);
	assert_int_equal(cp[3], 0xE9);
	feed_all("\xe2\x82x", 3, cp, &n);            /* cut short, then 'x' */
	assert_int_equal(n, 2);
	assert_int_equal(cp[0], 0xFFFD);
	assert_int_equal(cp[1], 'x');
	feed_all("\xe0\x80\xaf", 3, cp, &n);        /* overlong '/' */
	assert_int_equal(n, 1);
	assert_int_equal(cp[0], 0xFFFD);
	feed_all("\xed\xa0\x80", 3, cp, &n);        /* a surrogate */
	assert_int_equal(cp[0], 0xFFFD);
	feed_all("\xf0\x9f\x98\x80\xff", 5, cp, &n);  /* emoji, then 0xFF */
	assert_int_equal(n, 2);
	assert_int_equal(cp[0], 0x1F600);
	assert_int_equal(cp[1], 0xFFFD);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_and_move_utf8),
		cmocka_unit_test(test_kills),
		cmocka_unit_test(test_invalid_utf8_never_sticks),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_long_paste_is_capped),
		cmocka_unit_test(test_utf8_feed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
