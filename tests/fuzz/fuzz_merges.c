/* fuzz_merges.c — vocab.json + merges.txt (tok_merges_parse): the input is
 * vocab.json, a NUL byte, then merges.txt.  An accepted pair tokenizes a
 * few texts into ids in range with spans inside the text. */
#include <string.h>

#include "fuzz_tokens.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const texts[] = { "Hello world, lowest newer!", " <mask>  x\xc3\xa9\xf0\x9f\x98\x80", "" };
	const uint8_t *nul = memchr(data, 0, size);
	size_t vl = nul ? (size_t)(nul - data) : size;
	tok_vocab *v = NULL;
	heed_err e = { "" };

	if (tok_merges_parse((const char *)data, vl, nul ? (const char *)nul + 1 : "",
			     nul ? size - vl - 1 : 0, &v, &e) != HEED_OK) {
		fuzz_check(v == NULL && e.msg[0] != '\0');
		return 0;
	}
	fuzz_check_encodes(v, texts, sizeof texts / sizeof texts[0]);
	tok_vocab_free(v);
	return 0;
}
