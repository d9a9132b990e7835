/* fuzz_modes.c — the head-mode spec and preset parser (enc_modes_parse).
 *
 * Control byte, then text.  Bit 0: the text is a preset file (written to a
 * temporary file and parsed by path) rather than a spec; bit 1: parse with
 * calibration statistics, so top8= and papa-half are reachable.  Every
 * accepted table holds valid modes and survives enc_modes_save and a
 * re-parse unchanged; a refused spec leaves the caller's table untouched. */
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "heed/calib.h"
#include "heed/enc.h"

#define LAYERS 3
#define HEADS 4
#define NH (LAYERS * HEADS)

static const model_config cfg = {
	.arch = MODEL_ARCH_BERT, .vocab_size = 16, .hidden = 8, .layers = LAYERS,
	.heads = HEADS, .ffn = 16, .max_pos = 8, .max_tokens = 8, .type_vocab = 2, .ln_eps = 1e-12f,
};
static calib *cal;
static char dir[64];
static char *preset, *saved;

static void
cleanup(void)
{
	unlink(preset);
	unlink(saved);
	rmdir(dir);
	free(preset);
	free(saved);
	calib_free(cal);
}

/* Statistics with distinct divergences, so the ranking is a real order.
 * The parser reads specs relative to an empty directory: a spec that
 * happens to name a file there cannot exist, and absolute paths are
 * skipped, so the fuzzer never reads the machine's files (or /dev/zero). */
static void
setup(void)
{
	/* tmpfs where there is one: every accepted spec is saved (fsync). */
	snprintf(dir, sizeof dir, "%s/heed-fuzz-modes.XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(dir) == NULL || chdir(dir) != 0)
		fuzz_fail("cannot make a scratch directory");
	preset = xasprintf("%s/preset", dir);
	saved = xasprintf("%s/saved", dir);
	/* Zero synthesizer weights, but present: dense is a valid mode. */
	cal = calib_new(&cfg, 8, 2);
	cal->has_synth = true;
	atexit(cleanup);
	for (int k = 0; k < NH; k++)
		cal->stats[k].jsd = (double)((k * 7) % NH) / NH;
}

/* A mixed table to start from; without calibration only modes that need
 * none, or a saved preset could not be read back. */
static uint8_t
start_mode(int k, bool calibrated)
{
	static const uint8_t plain[] = { HEAD_INPUT, HEAD_SYNTH_RANDOM, HEAD_UNIFORM };

	return calibrated ? (uint8_t)(k % HEAD_MODE_COUNT) : plain[k % 3];
}

static bool
write_file(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	bool ok;

	if (f == NULL)
		return false;
	ok = fwrite(data, 1, size, f) == size;
	return fclose(f) == 0 && ok;
}

static void
check_roundtrip(const uint8_t *modes, const calib *c)
{
	uint8_t again[NH];
	heed_err e;

	for (int k = 0; k < NH; k++)
		fuzz_check(modes[k] < HEAD_MODE_COUNT);
	if (enc_modes_save(saved, modes, LAYERS, HEADS, &e) < 0)
		fuzz_fail("enc_modes_save: %s", e.msg);
	memset(again, HEAD_UNIFORM, sizeof again);
	if (enc_modes_parse(saved, LAYERS, HEADS, c, again, &e) < 0)
		fuzz_fail("a saved preset does not parse: %s", e.msg);
	fuzz_check(memcmp(modes, again, NH) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t modes[NH], before[NH];
	const calib *c;
	const char *spec;
	char *text;
	heed_err e;

	if (cal == NULL)
		setup();
	if (size == 0)
		return 0;
	c = data[0] & 2 ? cal : NULL;
	text = xmalloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (data[0] & 1) {
		if (!write_file(preset, data + 1, size - 1))
			fuzz_fail("cannot write %s", preset);
		spec = preset;
	} else {
		spec = text;
		if (!strchr(spec, '=') && !strchr(spec, ',') && strchr(spec, '/')) {
			free(text);
			return 0;
		}
	}
	for (int k = 0; k < NH; k++)
		modes[k] = before[k] = start_mode(k, c != NULL);
	if (enc_modes_parse(spec, LAYERS, HEADS, c, modes, &e) == HEED_OK)
		check_roundtrip(modes, c);
	else
		fuzz_check(memcmp(modes, before, NH) == 0 && e.msg[0] != '\0');
	free(text);
	return 0;
}
