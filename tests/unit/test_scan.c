/* test_scan.c — a corpus scan's data (scan.h): the masks (seeded, 15% of
 * the non-special tokens, ascending), the means and Student-t intervals,
 * the curves' accuracy, the partial file's exact round trip, merging in any
 * order into the single run's numbers bit for bit, and the loader's
 * refusals.
 */
#define _POSIX_C_SOURCE 200809L   /* mkdtemp */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <math.h>

#include "heed/enc.h"
#include "heed/scan.h"

enum { LAYERS = 2, HEADS = 3, LH = LAYERS * HEADS, SENTENCES = 9 };

static const uint8_t modes2[2] = { HEAD_AVERAGE, HEAD_UNIFORM };

static void
test_masks(void **state)
{
	int ids[40], special[2] = { 101, 102 }, a[40], b[40], c[40];

	(void)state;
	for (int i = 0; i < 40; i++)
		ids[i] = 1000 + i;
	ids[0] = 101;
	ids[39] = 102;
	int na = scan_pick_masks(7, 3, ids, 40, special, 2, a);
	int nb = scan_pick_masks(7, 3, ids, 40, special, 2, b);
	int nc = scan_pick_masks(8, 3, ids, 40, special, 2, c);
	/* 38 candidates: round(5.7) = 6 */
	assert_int_equal(na, 6);
	assert_int_equal(nb, 6);
	assert_int_equal(nc, 6);
	assert_memory_equal(a, b, sizeof(int) * 6);
	assert_true(memcmp(a, c, sizeof(int) * 6) != 0);
	for (int k = 0; k < na; k++) {
		assert_true(a[k] > 0 && a[k] < 39);
		if (k > 0)
			assert_true(a[k] > a[k - 1]);
	}
	/* another sentence index draws other masks */
	nc = scan_pick_masks(7, 4, ids, 40, special, 2, c);
	assert_true(memcmp(a, c, sizeof(int) * 6) != 0);
	/* one candidate: masked; none: nothing */
	int three[3] = { 101, 5, 102 };
	assert_int_equal(scan_pick_masks(7, 0, three, 3, special, 2, c), 1);
	assert_int_equal(c[0], 1);
	assert_int_equal(scan_pick_masks(7, 0, three, 1, special, 2, c), 0);
	/* every position equally likely over many sentences */
	int seen[40] = { 0 };
	for (uint64_t i = 0; i < 4000; i++) {
		int n = scan_pick_masks(1, i, ids, 40, special, 2, c);
		for (int k = 0; k < n; k++)
			seen[c[k]]++;
	}
	for (int p = 1; p < 39; p++)
		assert_true(seen[p] > 4000 * 6 / 38 * 0.8 && seen[p] < 4000 * 6 / 38 * 1.2);
}

/* Sentences i = 0..SENTENCES-1 with made-up numbers, the ones of shard k/n
 * only (n 0: all), as a scan would have them. */
static scan_data *
make(int k, int n, bool curve)
{
	scan_data *d = scan_new("tiny", 0x1234, 7, LAYERS, HEADS, 2, modes2);

	d->seen = SENTENCES;
	d->length = 40;
	d->corpus = 0xc0c0a5e5ULL;
	d->calib = 0x5ca1ab1eULL;
	d->shard = k;
	d->shards = n;
	if (curve) {
		int papa[LH] = { 5, 4, 3, 2, 1, 0 };
		d->has_curve = true;
		/* orders fixed up front, as --ranking gives them */
		for (int mi = 0; mi < 2; mi++)
			for (int lh = 0; lh < LH; lh++)
				d->order[(size_t)mi * SCAN_ORDERS * LH + lh] = lh;
		for (int mi = 0; mi < 2; mi++)
			memcpy(d->order + ((size_t)mi * SCAN_ORDERS + SCAN_BY_PAPA) * LH, papa, sizeof papa);
		d->has_papa = true;
	}
	for (int i = 0; i < SENTENCES; i++) {
		if (n > 1 && i % n != k - 1)
			continue;
		scan_sentence *s = scan_add(d, (uint64_t)i, 10 + i, 1 + i % 3);
		for (int m = 0; m < s->nmask; m++) {
			s->mask_pos[m] = 1 + m;
			s->target[m] = 100 + i + m;
		}
		for (int c = 0; c < 2 * LH; c++) {
			s->kl[c] = 0.1 * (c + 1) + 1.0 / (3.0 + i) + (c % 5) * 1e-3 * i;
			s->drop[c] = (c - 4) * 0.07 + sin(i + c) / 7.0;
		}
		for (size_t h = 0; curve && h < (size_t)2 * SCAN_ORDERS * (LH + 1); h++)
			s->hits[h] = (int)((h + (size_t)i) % (size_t)(s->nmask + 1));
	}
	return d;
}

static void
test_stats(void **state)
{
	scan_data *d = make(0, 0, true);
	scan_stat st;
	double acc[LH + 1];

	(void)state;
	scan_head_stat(d, 1, 2, false, &st);
	double sum = 0.0, ss = 0.0;
	for (size_t i = 0; i < d->count; i++)
		sum += d->s[i].kl[LH + 2];
	double mean = sum / SENTENCES;
	for (size_t i = 0; i < d->count; i++)
		ss += (d->s[i].kl[LH + 2] - mean) * (d->s[i].kl[LH + 2] - mean);
	assert_float_equal(st.mean, mean, 1e-15);
	/* t(0.975, 8) = 2.306 */
	assert_float_equal(st.half, 2.306 * sqrt(ss / 8.0 / SENTENCES), 1e-4);
	/* accuracy: hits over masks */
	scan_curve(d, 0, SCAN_BY_PAPA, acc);
	uint64_t masks = scan_masks(d), hits = 0;
	for (size_t i = 0; i < d->count; i++)
		hits += (uint64_t)d->s[i].hits[(size_t)SCAN_BY_PAPA * (LH + 1) + 3];
	assert_float_equal(acc[3], (double)hits / (double)masks, 1e-15);
	/* ranking by mean kl: made-up kl grows with the head */
	int order[LH];
	scan_rank(d, 0, order);
	for (int k = 0; k < LH; k++)
		assert_int_equal(order[k], k);
	scan_free(d);
	/* one sentence: no interval */
	d = scan_new("tiny", 1, 1, LAYERS, HEADS, 2, modes2);
	d->seen = 1;
	scan_add(d, 0, 5, 1);
	scan_head_stat(d, 0, 0, true, &st);
	assert_true(isnan(st.half));
	scan_free(d);
}

static char dir[] = "/tmp/heed-scan-XXXXXX";

static scan_data *
round_trip(scan_data *d, const char *name, bool free_d)
{
	char path[256];
	scan_data *back;
	heed_err e;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	assert_int_equal(scan_save(path, d, &e), HEED_OK);
	if (scan_load(path, &back, &e) != HEED_OK)
		fail_msg("%s", e.msg);
	if (free_d)
		scan_free(d);
	return back;
}

static void
assert_same(const scan_data *a, const scan_data *b)
{
	size_t cells = 2 * LH;

	assert_int_equal(a->count, b->count);
	assert_int_equal(a->has_curve, b->has_curve);
	for (size_t i = 0; i < a->count; i++) {
		assert_int_equal(a->s[i].index, b->s[i].index);
		assert_int_equal(a->s[i].nmask, b->s[i].nmask);
		assert_memory_equal(a->s[i].kl, b->s[i].kl, sizeof(double) * cells);
		assert_memory_equal(a->s[i].drop, b->s[i].drop, sizeof(double) * cells);
		assert_memory_equal(a->s[i].mask_pos, b->s[i].mask_pos, sizeof(int) * (size_t)a->s[i].nmask);
		if (a->has_curve)
			assert_memory_equal(a->s[i].hits, b->s[i].hits,
			    sizeof(int) * 2 * SCAN_ORDERS * (LH + 1));
	}
}

static void
test_file_and_merge(void **state)
{
	heed_err e;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (int curve = 0; curve < 2; curve++) {
		scan_data *one = make(0, 0, curve), *back = round_trip(one, "one.part", false);
		/* bits, not digits: every double reads back the same */
		assert_same(one, back);
		/* and every setting the numbers depend on */
		assert_int_equal(back->length, 40);
		assert_false(back->emd);
		assert_int_equal(back->corpus, 0xc0c0a5e5ULL);
		assert_int_equal(back->calib, 0x5ca1ab1eULL);
		scan_free(back);
		one->emd = true;
		one->calib = 0;
		back = round_trip(one, "one.part", false);
		assert_true(back->emd);
		assert_int_equal(back->calib, 0);
		one->emd = false;
		one->calib = 0x5ca1ab1eULL;
		scan_free(back);
		/* three shards, saved, loaded and merged in another order */
		scan_data *p3 = round_trip(make(3, 3, curve), "p3.part", true);
		scan_data *p1 = round_trip(make(1, 3, curve), "p1.part", true);
		scan_data *p2 = round_trip(make(2, 3, curve), "p2.part", true);
		assert_int_equal(p1->shard, 1);
		assert_int_equal(scan_merge(p3, p1, &e), HEED_OK);
		assert_int_equal(scan_merge(p3, p2, &e), HEED_OK);
		assert_same(one, p3);
		for (int lh = 0; lh < LH; lh++) {
			scan_stat a, b;
			scan_head_stat(one, 1, lh, true, &a);
			scan_head_stat(p3, 1, lh, true, &b);
			assert_memory_equal(&a, &b, sizeof a);
		}
		/* the same shard again */
		scan_data *again = make(1, 3, curve);
		assert_int_equal(scan_merge(p3, again, &e), HEED_EINVAL);
		assert_non_null(strstr(e.msg, "twice"));
		scan_free(again);
		scan_free(p1);
		scan_free(p2);
		scan_free(p3);
		scan_free(one);
	}
	/* another seed, another curve order */
	scan_data *a = make(1, 2, true), *b = make(2, 2, true);
	b->seed = 8;
	assert_int_equal(scan_merge(a, b, &e), HEED_EMISMATCH);
	b->seed = 7;
	b->order[0] = 1;
	b->order[1] = 0;
	assert_int_equal(scan_merge(a, b, &e), HEED_EMISMATCH);
	assert_non_null(strstr(e.msg, "--ranking"));
	scan_free(a);
	scan_free(b);
}

/* Shards made with other settings are refused, naming the setting; the
 * refusal leaves the first file whole, so the same shard with the right
 * settings merges after it. */
static void
test_merge_refuses_other_settings(void **state)
{
	static const struct { const char *what; } want[] = {
		{ "another corpus" }, { "cut at 39 tokens, not 40 (--length)" },
		{ "masked-LM head emd, not transformers (--mlm-head)" },
		{ "a scan without a calibration, not with one (--calib)" },
		{ "a scan with another calibration (--calib)" },
		{ "masks of seed 0x8, not 0x7" }, { "a corpus of 11 sentences" },
	};
	heed_err e;

	(void)state;
	for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
		scan_data *a = make(1, 2, false), *b = make(2, 2, false);
		size_t had = a->count;
		switch (w) {
		case 0: b->corpus ^= 1; break;
		case 1: b->length = 39; break;
		case 2: b->emd = true; break;
		case 3: b->calib = 0; break;
		case 4: b->calib ^= 1; break;
		case 5: b->seed = 8; break;
		default: b->seen = 11; break;
		}
		assert_int_equal(scan_merge(a, b, &e), HEED_EMISMATCH);
		if (strstr(e.msg, want[w].what) == NULL)
			fail_msg("'%s' not in '%s'", want[w].what, e.msg);
		assert_int_equal(a->count, had);
		scan_free(b);
		b = make(2, 2, false);
		assert_int_equal(scan_merge(a, b, &e), HEED_OK);
		assert_int_equal(a->count, SENTENCES);
		scan_free(a);
		scan_free(b);
	}
	/* the other way round: a calibration in the second file only */
	scan_data *a = make(1, 2, false), *b = make(2, 2, false);
	a->calib = 0;
	assert_int_equal(scan_merge(a, b, &e), HEED_EMISMATCH);
	assert_non_null(strstr(e.msg, "a scan with a calibration, not without one (--calib)"));
	scan_free(a);
	scan_free(b);
}

static void
refused(const char *text, const char *why)
{
	scan_data *d;
	heed_err e;

	assert_int_equal(scan_parse(text, strlen(text), "x.part", &d, &e), HEED_EFORMAT);
	assert_null(d);
	if (strstr(e.msg, why) == NULL)
		fail_msg("'%s' not in '%s'", why, e.msg);
}

static void
test_refusals(void **state)
{
#define HEAD "{\"heed_scan\":2,\"model\":\"m\",\"fingerprint\":\"0000000000001234\"," \
	"\"seed\":\"0000000000000007\",\"length\":128,\"mlm_head\":\"transformers\"," \
	"\"corpus\":\"00000000c0c0a5e5\",\"calib\":null,\"layers\":1,\"heads\":2,\"modes\":[\"uniform\"]," \
	"\"shard\":0,\"shards\":0,\"seen\":2,\"unmaskable\":0,"
	const char *ok = HEAD "\"sentences\":[{\"i\":1,\"n\":4,\"masks\":[2],\"targets\":[9],"
	    "\"kl\":[0.5,1],\"drop\":[0,-1.5]}]}";
	scan_data *d;
	heed_err e;

	(void)state;
	assert_int_equal(scan_parse(ok, strlen(ok), "x.part", &d, &e), HEED_OK);
	assert_int_equal(d->count, 1);
	assert_float_equal(d->s[0].drop[1], -1.5, 0.0);
	scan_free(d);
	refused("[1,2", "x.part: line 1");
	refused("{\"heed_scan\":9}", "version 9");
	/* files of the first format lack the settings a merge must compare */
	refused("{\"heed_scan\":1}", "x.part: scan file version 1; this heed reads 2");
	const char *v2 = "{\"heed_scan\":2,\"model\":\"m\",\"fingerprint\":\"0000000000001234\","
	    "\"seed\":\"0000000000000007\",";
	char text[512];
	static const char *const settings[] = {
		"\"mlm_head\":\"transformers\",\"corpus\":\"00000000c0c0a5e5\",\"calib\":null",
		"\"length\":0,\"mlm_head\":\"transformers\",\"corpus\":\"00000000c0c0a5e5\",\"calib\":null",
		"\"length\":8,\"mlm_head\":\"sideways\",\"corpus\":\"00000000c0c0a5e5\",\"calib\":null",
		"\"length\":8,\"mlm_head\":\"emd\",\"calib\":null",
		"\"length\":8,\"mlm_head\":\"emd\",\"corpus\":\"00000000c0c0a5e5\"",
		"\"length\":8,\"mlm_head\":\"emd\",\"corpus\":\"00000000c0c0a5e5\",\"calib\":7",
		"\"length\":8,\"mlm_head\":\"emd\",\"corpus\":\"00000000c0c0a5e5\","
		    "\"calib\":\"0000000000000000\"",
	};
	for (size_t k = 0; k < sizeof settings / sizeof settings[0]; k++) {
		snprintf(text, sizeof text, "%s%s,\"layers\":1,\"heads\":2,\"modes\":[\"uniform\"],"
		    "\"shard\":0,\"shards\":0,\"seen\":2,\"unmaskable\":0,\"sentences\":[]}", v2,
		    settings[k]);
		refused(text, "length, mlm_head, corpus or calib");
	}
	refused(HEAD "\"sentences\":[{\"i\":2,\"n\":4,\"masks\":[2],\"targets\":[9],"
	    "\"kl\":[0.5,1],\"drop\":[0,1]}]}", "index");
	refused(HEAD "\"sentences\":[{\"i\":1,\"n\":4,\"masks\":[4],\"targets\":[9],"
	    "\"kl\":[0.5,1],\"drop\":[0,1]}]}", "mask outside");
	refused(HEAD "\"sentences\":[{\"i\":1,\"n\":4,\"masks\":[2],\"targets\":[9],"
	    "\"kl\":[0.5],\"drop\":[0,1]}]}", "kl or drop");
	refused(HEAD "\"sentences\":[{\"i\":1,\"n\":4,\"masks\":[2],\"targets\":[9],"
	    "\"kl\":[0.5,1],\"drop\":[0,1]},{\"i\":1,\"n\":4,\"masks\":[2],\"targets\":[9],"
	    "\"kl\":[0.5,1],\"drop\":[0,1]}]}", "twice");
	refused(HEAD "\"curve\":{\"papa\":false,\"heads\":[0,0,0,1,0,1,0,1]},\"sentences\":[]}",
	    "curve orders");
#undef HEAD
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_masks),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_file_and_merge),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_merge_refuses_other_settings),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[64];

	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (dir[strlen(dir) - 1] != 'X')
		rc |= system(cmd) != 0;
	return rc;
}
