/* fuzz_calib.c — the calibration-file loader (calib_parse), then the head
 * modes that read what it loaded.
 *
 * The first input byte is a control byte, the rest the file.  Bit 0 makes
 * the target rewrite the trailing checksum (and, with a model, the model
 * hash) so mutations get past them to the shape checks and the arrays
 * instead of dying at the checksum; bit 1 checks the file against a tiny
 * model's configuration, as heed does, and then draws attention rows of
 * every calibrated mode from it for inputs shorter and longer than L. */
#include <string.h>

#include "fuzz.h"
#include "heed/calib.h"
#include "heed/enc.h"

#define HASH_OFFSET 16
#define HEADER_LEN 96

/* The configuration tests/fuzz/mkseeds.py writes its seeds for. */
static const model_config tiny = {
	.arch = MODEL_ARCH_BERT, .vocab_size = 16, .hidden = 4, .layers = 1, .heads = 2,
	.ffn = 8, .max_pos = 8, .max_tokens = 8, .type_vocab = 2, .ln_eps = 1e-12f, .act = MODEL_ACT_GELU,
	.lowercase = true,
};

static void
put_u64(uint8_t *p, uint64_t v)
{
	for (int k = 0; k < 8; k++)
		p[k] = (uint8_t)(v >> (8 * k));
}

static void
fix_up(uint8_t *buf, size_t len, bool with_model)
{
	if (len < HEADER_LEN + 8)
		return;
	if (with_model)
		put_u64(buf + HASH_OFFSET, config_hash(&tiny));
	put_u64(buf + len - 8, util_hash64(buf, len - 8, 0));
}

static void
draw_rows(const calib *c)
{
	static const head_mode modes[] = { HEAD_AVERAGE, HEAD_SYNTH_DENSE, HEAD_SYNTH_RANDOM };
	const int lengths[] = { 1, 2, c->L, c->L + 3 };
	float x[4] = { 0.5f, -1.0f, 2.0f, 0.0f };

	for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++)
		for (size_t k = 0; k < sizeof lengths / sizeof lengths[0]; k++) {
			int n = lengths[k];
			float *row = malloc(sizeof *row * (size_t)n);
			for (int i = 0; i < n; i++)
				enc_mode_row(modes[m], c, c->L, c->layers - 1, c->heads - 1, n, i, x, row);
			free(row);
		}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool fix, with_model;
	calib *c = NULL;
	uint8_t *buf;
	heed_err e;

	if (size == 0)
		return 0;
	fix = data[0] & 1;
	with_model = data[0] & 2;
	buf = malloc(size - 1 ? size - 1 : 1);
	memcpy(buf, data + 1, size - 1);
	if (fix)
		fix_up(buf, size - 1, with_model);
	if (calib_parse(buf, size - 1, "fuzz", with_model ? &tiny : NULL, 0, &c, &e) == HEED_OK) {
		fuzz_check(c != NULL && c->layers > 0 && c->heads > 0 && c->L >= 2);
		if (with_model) {
			fuzz_check(c->layers == tiny.layers && c->hidden == tiny.hidden);
			/* heed caps inputs at max_tokens; L beyond that is a bigger layout. */
			if (c->L <= 4096)
				draw_rows(c);
		}
		calib_free(c);
	} else {
		fuzz_check(c == NULL && e.msg[0] != '\0');
	}
	free(buf);
	return 0;
}
