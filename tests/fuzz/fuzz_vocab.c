/* fuzz_vocab.c — vocab.txt (tok_vocab_parse).  Every id of an accepted
 * vocabulary maps to a piece and (for text without NUL bytes) the piece maps back to an id whose piece
 * is the same string (duplicated lines keep one of their ids). */
#include <string.h>

#include "fuzz.h"
#include "heed/tok.h"

/* roundtrip: a line with a NUL byte reads back as a shorter C string, which
 * cannot name the line it came from, so only NUL-free input is checked. */
static void
check_vocab(const tok_vocab *v, bool roundtrip)
{
	int n = tok_vocab_size(v);
	tok_specials sp = tok_vocab_specials(v);

	fuzz_check(n > 0);
	fuzz_check(tok_piece(v, -1) == NULL && tok_piece(v, n) == NULL);
	fuzz_check(sp.unk >= 0 && sp.unk < n);
	for (int i = 0; i < n; i++) {
		const char *p = tok_piece(v, i);
		int id;

		fuzz_check(p != NULL);
		if (!roundtrip)
			continue;
		id = tok_id(v, p);
		fuzz_check(id >= 0 && id < n && strcmp(tok_piece(v, id), p) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	tok_vocab *v;
	heed_err e;

	memcpy(buf, data, size);
	if (tok_vocab_parse(buf, size, &v, &e) == HEED_OK) {
		check_vocab(v, memchr(buf, '\0', size) == NULL);
		tok_vocab_free(v);
	} else {
		fuzz_check(e.msg[0] != '\0' && v == NULL);
	}
	free(buf);
	return 0;
}
