/* fuzz_folder.c — a whole model folder at once: config.json, vocab.txt,
 * model.safetensors and a calibration file, opened by heed_open as every
 * command opens one, then run on a sentence.  The single-file targets
 * cannot find what only the files together do wrong: a vocabulary that
 * does not fit the configuration, weights whose shapes agree with one file
 * and not the other, a calibration for other weights.
 *
 * Input (tests/robust/mkfolderseeds.py writes the seeds):
 *     u32 LE len(config) | u32 LE len(vocab) | u32 LE len(weights) |
 *     config | vocab | weights | heed.calib (the rest; none when empty)
 * Lengths past the input are cut to what there is.
 *
 * Invariants: heed_open either fails with a message or gives a session
 * whose parts agree (vocabulary size, token cap); a forward on a sentence
 * either fails with a message or gives rows that sum to 1 unless
 * heed_check_finite says they are not finite; top-k ids are in the
 * vocabulary. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "heed/open.h"

static char dir[64];

static void
put(const char *name, const uint8_t *data, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (len == 0 && strcmp(name, "heed.calib") == 0) {
		unlink(path);
		return;
	}
	f = fopen(path, "wb");
	if (f == NULL)
		fuzz_fail("cannot write %s", path);
	if (len > 0 && fwrite(data, 1, len, f) != len)
		fuzz_fail("cannot write %s", path);
	fclose(f);
}

static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void
run_sentence(heed_session *s)
{
	static const char text[] = "the cats sat on the [MASK] .";
	enc_state *st = NULL;
	tok_result r;
	heed_err e;
	int ids[16], top[3];
	float p[3];

	if (tok_encode(s->vocab, text, sizeof text - 1, s->cfg.lowercase,
	    s->max_tokens < 16 ? s->max_tokens : 16, &r, &e) < 0) {
		fuzz_check(e.msg[0] != '\0');
		return;
	}
	for (int i = 0; i < r.n; i++) {
		fuzz_check(r.tok[i].id >= 0 && r.tok[i].id < s->cfg.vocab_size);
		ids[i] = r.tok[i].id;
	}
	if (heed_enc_reserve(s->m, &st, r.n, 1, &e) == HEED_OK &&
	    enc_run(st, ids, r.n, s->modes, s->cal, NULL, NULL, &e) == HEED_OK) {
		if (heed_check_finite(st, s->m, NULL, NULL, &e) == HEED_OK) {
			for (int l = 0; l < s->cfg.layers; l++)
				for (int h = 0; h < s->cfg.heads; h++)
					for (int q = 0; q < r.n; q++) {
						const float *row = enc_attn(st, l, h) + (size_t)q * r.n;
						double sum = 0;
						for (int k = 0; k < r.n; k++)
							sum += row[k];
						/* rows of local-window heads may be masked */
						fuzz_check(sum < 1.001);
					}
		} else {
			fuzz_check(e.msg[0] != '\0');
		}
		if (s->m->has_mlm) {
			int k = enc_mlm_topk(st, r.n > 1 ? 1 : 0, 3, top, p, &e);
			for (int j = 0; j < k; j++)
				fuzz_check(top[j] >= 0 && top[j] < s->cfg.vocab_size);
		}
	}
	enc_free(st);
	tok_result_free(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	heed_open_opts o = { .flags = HEED_OPEN_WEIGHTS | HEED_OPEN_VOCAB | HEED_OPEN_CALIB };
	size_t len[3], off = 12;
	heed_session s;
	heed_err e;

	if (dir[0] == '\0') {
		snprintf(dir, sizeof dir, "%s/heed-fuzz-folder.XXXXXX",
		    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
		if (mkdtemp(dir) == NULL)
			fuzz_fail("mkdtemp");
	}
	if (size < 12)
		return 0;
	for (int i = 0; i < 3; i++) {
		len[i] = get_u32(data + 4 * i);
		if (len[i] > size - off)
			len[i] = size - off;
		off += len[i];
	}
	off = 12;
	put("config.json", data + off, len[0]);
	off += len[0];
	put("vocab.txt", data + off, len[1]);
	off += len[1];
	put("model.safetensors", data + off, len[2]);
	off += len[2];
	put("heed.calib", data + off, size - off);
	o.model = dir;
	if (heed_open(&o, &s, &e) < 0) {
		fuzz_check(e.msg[0] != '\0');
		return 0;
	}
	fuzz_check(s.m != NULL && s.vocab != NULL && s.modes != NULL);
	fuzz_check(s.max_tokens >= 1 && s.max_tokens <= HEED_MAX_TOKENS);
	fuzz_check(s.cal != NULL || s.cal_err.msg[0] != '\0');
	if (s.max_tokens >= 3)
		run_sentence(&s);
	heed_close(&s);
	return 0;
}
