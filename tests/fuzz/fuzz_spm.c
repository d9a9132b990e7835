/* fuzz_spm.c — SentencePiece model files (tok_spm_build, the protobuf-c
 * decoder and the precompiled charsmap it carries) on arbitrary bytes, of
 * every model type.  An input of odd length is read as XLM-R's
 * sentencepiece.bpe.model (fairseq's ids) with ALBERT's casing and
 * DeBERTa's punctuation split (and ALBERT's digit-comma scores), an even
 * one as a bare spm.model; an odd one accepted is read again with a token
 * added past the pieces (added_tokens_decoder).  An
 * accepted model tokenizes a few texts into ids in range with spans inside
 * the text; a refused one says why and leaves nothing. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "fuzz_tokens.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const texts[] = {
		"  Hello  World! caf\xc3\xa9 e\xcc\x81 \xef\xac\x81 \xe2\x91\xa0 \xf0\x9f\x91\x8b\xf0\x9f\x8f\xbd",
		"<s>x</s> <unk>", "1,000, 23,456,7 \xc2\xb2, x", "a  <ent>b<ent>", "",
	};
	static json_t *cfg;
	tok_vocab *v = NULL;
	heed_err e = { "" };
	bool odd = size % 2 == 1;

	if (cfg == NULL)
		cfg = json_pack("{s:s, s:b, s:b}", "tokenizer_class", "AlbertTokenizer",
				"do_lower_case", 1, "split_by_punct", 1);
	if (tok_spm_build(data, size, odd ? cfg : NULL, odd ? "sentencepiece.bpe.model" : "spm.model",
			  &v, &e) != HEED_OK) {
		fuzz_check(v == NULL && e.msg[0] != '\0');
		return 0;
	}
	fuzz_check_encodes(v, texts, sizeof texts / sizeof texts[0]);
	if (odd) {
		/* again with a token tokenizer_config.json adds past the pieces */
		json_t *c2 = json_deep_copy(cfg);
		char key[16];

		snprintf(key, sizeof key, "%d", tok_vocab_size(v));
		json_object_set_new(c2, "added_tokens_decoder",
				    json_pack("{s:{s:s, s:b}}", key, "content", "<ent>", "lstrip", 1));
		tok_vocab_free(v);
		v = NULL;
		if (tok_spm_build(data, size, c2, "sentencepiece.bpe.model", &v, &e) == HEED_OK)
			fuzz_check_encodes(v, texts, sizeof texts / sizeof texts[0]);
		else
			fuzz_check(v == NULL && e.msg[0] != '\0');
		json_decref(c2);
	}
	tok_vocab_free(v);
	return 0;
}
