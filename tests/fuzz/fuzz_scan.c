/* fuzz_scan.c — the scan partial-file loader (scan_parse, what `heed scan
 * --merge` and --ranking read), then everything the result is computed
 * from: the means and intervals of every head, the ranking and the curves,
 * and a merge of the file with itself.
 *
 * Invariants: an accepted file has its sentences sorted by index, each
 * once, inside the corpus and its shard, with ascending masks inside the
 * sentence and curve orders that are permutations of the heads; a merge
 * with itself is refused when it has a sentence; a refused file sets a
 * message and returns nothing.  Seeds (tests/fuzz/corpus/scan) are partial
 * files heed scan wrote for tests/fixtures/imp/bert-uhead. */
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "heed/scan.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	scan_data *d, *again;
	heed_err e;

	e.msg[0] = '\0';
	if (scan_parse((const char *)data, size, "fuzz.part", &d, &e) < 0) {
		fuzz_check(d == NULL && e.msg[0] != '\0');
		return 0;
	}
	fuzz_check(d->count + d->unmaskable <= d->seen);
	for (size_t i = 0; i < d->count; i++) {
		const scan_sentence *s = &d->s[i];
		fuzz_check(i == 0 || s->index > d->s[i - 1].index);
		fuzz_check(s->index < d->seen && s->nmask >= 1 && s->nmask <= s->ntok);
		for (int m = 0; m < s->nmask; m++)
			fuzz_check(s->mask_pos[m] >= 0 && s->mask_pos[m] < s->ntok &&
				   (m == 0 || s->mask_pos[m] > s->mask_pos[m - 1]));
	}
	int *order = malloc(sizeof(int) * (size_t)d->LH);
	double *acc = malloc(sizeof(double) * (size_t)(d->LH + 1));
	if (order == NULL || acc == NULL)
		fuzz_fail("out of memory");
	for (int mi = 0; mi < d->nmodes; mi++) {
		for (int lh = 0; lh < d->LH; lh++) {
			scan_stat st;
			scan_head_stat(d, mi, lh, lh % 2 == 0, &st);
			fuzz_check(d->count == 0 || !isnan(st.mean));
			fuzz_check(d->count < 2 || st.half >= 0.0);
		}
		scan_rank(d, mi, order);
		for (int lh = 0; lh < d->LH; lh++)
			fuzz_check(order[lh] >= 0 && order[lh] < d->LH);
		for (int o = 0; o < SCAN_ORDERS; o++) {
			scan_curve(d, mi, o, acc);
			for (int k = 0; d->has_curve && d->count > 0 && k <= d->LH; k++)
				fuzz_check(acc[k] >= 0.0 && acc[k] <= 1.0);
		}
	}
	free(order);
	free(acc);
	if (scan_parse((const char *)data, size, "again.part", &again, &e) != HEED_OK)
		fuzz_fail("the same bytes parsed twice differ");
	fuzz_check((scan_merge(d, again, &e) == HEED_OK) == (d->count == 0));
	scan_free(again);
	scan_free(d);
	return 0;
}
