/* test_util.c — the growable string every module builds text in
 * (util_buf): always terminated, growing across many doublings, reusable,
 * and byte-exact with embedded NULs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "heed/util.h"

static void
test_buf_empty_is_a_string(void **state)
{
	util_buf b = { 0 };

	(void)state;
	util_buf_add(&b, "", 0);
	assert_non_null(b.s);
	assert_string_equal(b.s, "");
	assert_int_equal(b.n, 0);
	free(b.s);
}

static void
test_buf_grows(void **state)
{
	util_buf b = { 0 };
	char want[10001];

	(void)state;
	/* one byte at a time across many doublings, then a large block */
	for (int i = 0; i < 5000; i++) {
		want[i] = (char)('a' + i % 26);
		util_buf_add(&b, &want[i], 1);
		assert_int_equal(b.s[b.n], '\0');
		assert_true(b.cap > b.n);
	}
	memset(want + 5000, 'z', 5000);
	want[10000] = '\0';
	util_buf_add(&b, want + 5000, 5000);
	assert_int_equal(b.n, 10000);
	assert_string_equal(b.s, want);
	free(b.s);
}

static void
test_buf_reuse_and_nul(void **state)
{
	util_buf b = { 0 };
	char *mem;

	(void)state;
	util_buf_puts(&b, "first line\n");
	mem = b.s;
	b.n = 0;   /* tokenize reuses the memory for the next line */
	util_buf_puts(&b, "x");
	util_buf_add(&b, "a\0b", 3);
	assert_ptr_equal(b.s, mem);
	assert_int_equal(b.n, 4);
	assert_memory_equal(b.s, "xa\0b", 5);
	free(b.s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_empty_is_a_string),
		cmocka_unit_test(test_buf_grows),
		cmocka_unit_test(test_buf_reuse_and_nul),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
