/* fuzz_tokjson.c — tokenizer.json (tok_json_load) on arbitrary bytes.  An
 * accepted tokenizer names every id it can produce, and tokenizing a few
 * texts, alone and as a pair, gives ids in range with spans inside their
 * sentence; a refused one says why and leaves nothing. */
#include <string.h>

#include "fuzz.h"
#include "heed/tok.h"

static const char *const texts[] = {
	"Hello, World! caf\xc3\xa9 na\xc3\xafve 3.14 \xe4\xb8\xad\xe6\x96\x87",
	"  [MASK] <mask> \xf0\x9f\x91\x8b\xf0\x9f\x8f\xbd e\xcc\x81 \xef\xac\x81",
	"",
	"\xff\xfe bad \xc3",
};

static void
check(const tok_vocab *v, tok_ws *w, const char *a, const char *b)
{
	size_t al = strlen(a), bl = b ? strlen(b) : 0;
	tok_result r;
	heed_err e;

	if (tok_encode_pair(v, w, a, al, b, bl, true, 4096, &r, &e) < 0) {
		fuzz_check(e.msg[0] != '\0');
		return;
	}
	fuzz_check(r.n <= r.n_full && r.n <= 4096);
	for (int i = 0; i < r.n; i++) {
		const tok_token *t = &r.tok[i];
		size_t len = t->seq == 1 ? bl : al;

		fuzz_check(t->id >= 0 && t->id < tok_vocab_size(v));
		fuzz_check(tok_piece(v, t->id) != NULL);
		fuzz_check((t->seq == -1 && t->begin == -1 && t->end == -1) ||
			   (t->seq >= 0 && t->begin >= 0 && t->begin <= t->end && (size_t)t->end <= len));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tok_vocab *v = NULL;
	heed_err e = { "" };
	tok_ws *w;

	if (tok_json_load((const char *)data, size, "tokenizer.json", &v, &e) != HEED_OK) {
		fuzz_check(v == NULL && e.msg[0] != '\0');
		return 0;
	}
	w = tok_ws_new();
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		check(v, w, texts[i], NULL);
		check(v, w, texts[i], texts[(i + 1) % 4]);
	}
	tok_ws_free(w);
	tok_vocab_free(v);
	return 0;
}
