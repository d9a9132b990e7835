/* fuzz_spm.c — SentencePiece model files (tok_spm_parse, the protobuf-c
 * decoder and the precompiled charsmap it carries) on arbitrary bytes.  An
 * accepted model tokenizes a few texts into ids in range with spans inside
 * the text; a refused one says why and leaves nothing. */
#include <string.h>

#include "fuzz_tokens.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const texts[] = {
		"  Hello  World! caf\xc3\xa9 e\xcc\x81 \xef\xac\x81 \xe2\x91\xa0 \xf0\x9f\x91\x8b\xf0\x9f\x8f\xbd",
		"<s>x</s> <unk>", "",
	};
	tok_vocab *v = NULL;
	heed_err e = { "" };

	if (tok_spm_parse(data, size, &v, &e) != HEED_OK) {
		fuzz_check(v == NULL && e.msg[0] != '\0');
		return 0;
	}
	fuzz_check_encodes(v, texts, sizeof texts / sizeof texts[0]);
	tok_vocab_free(v);
	return 0;
}
