/* fuzz_merges.c — vocab.json + merges.txt (tok_merges_parse): the input is
 * vocab.json, a NUL byte, then merges.txt.  An accepted pair tokenizes a
 * few texts into ids in range with spans inside the text. */
#include <string.h>

#include "fuzz.h"
#include "heed/tok.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const texts[] = { "Hello world, lowest newer!", " <mask>  x\xc3\xa9\xf0\x9f\x98\x80", "" };
	const uint8_t *nul = memchr(data, 0, size);
	size_t vl = nul ? (size_t)(nul - data) : size;
	tok_vocab *v = NULL;
	heed_err e = { "" };
	tok_result r;

	if (tok_merges_parse((const char *)data, vl, nul ? (const char *)nul + 1 : "",
			     nul ? size - vl - 1 : 0, &v, &e) != HEED_OK) {
		fuzz_check(v == NULL && e.msg[0] != '\0');
		return 0;
	}
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		size_t len = strlen(texts[i]);

		if (tok_encode(v, texts[i], len, false, 512, &r, &e) < 0)
			continue;
		for (int k = 0; k < r.n; k++) {
			fuzz_check(r.tok[k].id >= 0 && r.tok[k].id < tok_vocab_size(v));
			fuzz_check(r.tok[k].begin == -1 ||
				   (r.tok[k].begin <= r.tok[k].end && (size_t)r.tok[k].end <= len));
		}
		tok_result_free(&r);
	}
	tok_vocab_free(v);
	return 0;
}
