/* fuzz_config.c — config.json (config_parse).  An accepted config must
 * describe a network heed can build: positive sizes, heads dividing the
 * hidden size, positions for at least one token, and every row a weight
 * set the checkpoint holds. */
#include <string.h>

#include "fuzz.h"
#include "heed/model.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	model_config c;
	heed_err e;

	memcpy(buf, data, size);
	if (config_parse(buf, size, &c, &e) == HEED_OK) {
		fuzz_check(c.vocab_size > 0 && c.hidden > 0 && c.layers > 0);
		fuzz_check(c.heads > 0 && c.hidden % c.heads == 0);
		fuzz_check(c.ffn > 0 && c.max_pos > 0 && c.type_vocab >= 0);
		fuzz_check(c.emb > 0 && c.max_tokens > 0 && c.max_tokens <= c.max_pos);
		fuzz_check(c.pad_pos < c.vocab_size && c.groups > 0 && c.inner > 0);
		fuzz_check(c.arch < MODEL_ARCH_COUNT && c.layers % c.inner == 0);
		for (int r = 0; r < c.layers; r++) {
			int k = config_layer_set(&c, r);
			fuzz_check(k >= 0 && k < config_layer_sets(&c));
		}
		(void)config_hash(&c);
	} else {
		fuzz_check(e.msg[0] != '\0');
	}
	free(buf);
	return 0;
}
