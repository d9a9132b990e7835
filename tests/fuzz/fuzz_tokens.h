/* fuzz_tokens.h — what the tokenizer-file targets check once a file was
 * accepted: each text tokenizes into ids the tokenizer names, with spans
 * inside the text (or -1 for added special tokens). */
#ifndef HEED_FUZZ_TOKENS_H
#define HEED_FUZZ_TOKENS_H

#include <string.h>

#include "fuzz.h"
#include "heed/tok.h"

static inline void
fuzz_check_encodes(const tok_vocab *v, const char *const *texts, size_t n)
{
	tok_result r;
	heed_err e;

	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(texts[i]);

		if (tok_encode(v, texts[i], len, false, 512, &r, &e) < 0)
			continue;
		for (int k = 0; k < r.n; k++) {
			fuzz_check(r.tok[k].id >= 0 && r.tok[k].id < tok_vocab_size(v));
			fuzz_check(tok_piece(v, r.tok[k].id) != NULL);
			fuzz_check(r.tok[k].begin == -1 ||
				   (r.tok[k].begin <= r.tok[k].end && (size_t)r.tok[k].end <= len));
		}
		tok_result_free(&r);
	}
}

#endif
