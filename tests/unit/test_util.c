/* test_util.c — the growable string every module builds text in
 * (util_buf): always terminated, growing across many doublings, reusable,
 * and byte-exact with embedded NULs; and the number options' parsers
 * (util_parse_double beside util_parse_long): the whole string, in range,
 * one message style, the same in every locale. */
#include <locale.h>
#include <math.h>
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

static void
test_parse_double_accepts(void **state)
{
	static const struct { const char *s; double v; } ok[] = {
		{ "0", 0.0 }, { "1", 1.0 }, { "0.05", 0.05 }, { ".5", 0.5 }, { "1.", 1.0 },
		{ "1e-2", 0.01 }, { "2.5E-1", 0.25 }, { "1e+0", 1.0 }, { "000.125", 0.125 },
	};
	heed_err e;
	double v;

	(void)state;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		v = -7.0;
		assert_int_equal(util_parse_double("--x", ok[i].s, 0.0, 1.0, &v, &e), HEED_OK);
		assert_true(v == ok[i].v);
	}
	/* a sign only where the range has negatives */
	assert_int_equal(util_parse_double("--x", "-0.5", -1.0, 1.0, &v, &e), HEED_OK);
	assert_true(v == -0.5);
	assert_int_equal(util_parse_double("--x", "-0.5", 0.0, 1.0, &v, &e), HEED_EINVAL);
	/* the bounds are inclusive */
	assert_int_equal(util_parse_double("--x", "1", 0.0, 1.0, &v, &e), HEED_OK);
	assert_int_equal(util_parse_double("--x", "1.0000001", 0.0, 1.0, &v, &e), HEED_EINVAL);
}

static void
test_parse_double_refuses(void **state)
{
	static const char *const bad[] = {
		"", " 0.5", "0.5 ", "+0.5", "0.5x", ".", "-", "e5", "1e", "1e+", "0x1p-3",
		"inf", "INF", "infinity", "nan", "NAN(1)", "-inf", "1,5", "0..5", "1e5e5",
		"1e400", "1e-400", "2", "-0.1", "0.5\n",
	};
	heed_err e;
	double v = 42.0;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(util_parse_double("--max-loss", bad[i], 0.0, 1.0, &v, &e),
		    HEED_EINVAL);
		assert_true(v == 42.0);   /* untouched */
	}
	/* util_parse_long's style: the option, the text quoted, the range */
	assert_int_equal(util_parse_double("--max-loss", "2", 0.0, 1.0, &v, &e), HEED_EINVAL);
	assert_string_equal(e.msg, "--max-loss: '2' is not a number from 0 to 1");
	assert_int_equal(util_parse_long("--top-k", "0", 1, 100, &(long){ 0 }, &e), HEED_EINVAL);
	assert_string_equal(e.msg, "--top-k: '0' is not a number from 1 to 100");
}

/* Under a locale whose decimal point is ',' (where the system has one),
 * "0.25" still reads as a quarter and "0,25" is still refused: the
 * thread's locale is back as it was afterwards. */
static void
test_parse_double_ignores_locale(void **state)
{
	static const char *const names[] = { "de_DE.UTF-8", "fr_FR.UTF-8", "C.UTF-8", "C" };
	locale_t loc = (locale_t)0, before;
	heed_err e;
	double v = 0.0;

	(void)state;
	for (size_t i = 0; i < sizeof names / sizeof names[0] && loc == (locale_t)0; i++)
		loc = newlocale(LC_NUMERIC_MASK, names[i], (locale_t)0);
	assert_true(loc != (locale_t)0);
	before = uselocale(loc);
	assert_int_equal(util_parse_double("--x", "0.25", 0.0, 1.0, &v, &e), HEED_OK);
	assert_true(v == 0.25);
	assert_int_equal(util_parse_double("--x", "0,25", 0.0, 1.0, &v, &e), HEED_EINVAL);
	assert_true(uselocale((locale_t)0) == loc);
	uselocale(before);
	freelocale(loc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_empty_is_a_string),
		cmocka_unit_test(test_buf_grows),
		cmocka_unit_test(test_buf_reuse_and_nul),
		cmocka_unit_test(test_parse_double_accepts),
		cmocka_unit_test(test_parse_double_refuses),
		cmocka_unit_test(test_parse_double_ignores_locale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
