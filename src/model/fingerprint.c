/* fingerprint.c — one number that changes when a model's weights or its
 * tokenizer do, so that a calibration is never applied to (or merged with)
 * one made for other weights: config.json alone is the same for every
 * fine-tune of a base model.
 *
 * XXH3 (Debian's libxxhash) over every tensor — name, dtype, shape and raw
 * bytes — in name order, so neither the order tensors have in a file nor
 * the split into shards matters, then over every tokenizer file the folder has, by name
 * and contents.  XXH3 runs at memory speed: bert-base's 440 MB add tens of
 * milliseconds to a load that reads them anyway.
 */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "heed/model.h"
#include "heed/weights.h"

/* What a tokenizer can be read from, in any BERT-family folder. */
static const char *const tokenizer_files[] = {
	"vocab.txt", "tokenizer.json", "vocab.json", "merges.txt", "spiece.model",
	"sentencepiece.bpe.model", "spm.model", "tokenizer_config.json",
	"special_tokens_map.json", "added_tokens.json",
};

static void
hash_u64(XXH3_state_t *st, uint64_t v)
{
	uint8_t b[8];

	for (int k = 0; k < 8; k++)
		b[k] = (uint8_t)(v >> (8 * k));
	XXH3_64bits_update(st, b, sizeof b);
}

static void
hash_tensors(XXH3_state_t *st, const wt_set *w)
{
	for (int i = 0; i < wt_count(w); i++) {
		const st_tensor *t = wt_at(w, i);
		XXH3_64bits_update(st, t->name, strlen(t->name) + 1);
		hash_u64(st, (uint64_t)t->dtype);
		hash_u64(st, (uint64_t)t->ndim);
		for (int d = 0; d < t->ndim; d++)
			hash_u64(st, (uint64_t)t->shape[d]);
		hash_u64(st, (uint64_t)t->nbytes);
		XXH3_64bits_update(st, t->data, t->nbytes);
	}
}

/* Regular files only: a FIFO or a device named like a tokenizer file is
 * the tokenizer loader's to refuse, never a reason to block here. */
static void
hash_tokenizer(XXH3_state_t *st, const char *dir)
{
	for (size_t i = 0; i < sizeof tokenizer_files / sizeof *tokenizer_files; i++) {
		char *path = xasprintf("%s/%s", dir, tokenizer_files[i]), *buf;
		struct stat sb;
		size_t len;

		if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    util_read_file(path, &buf, &len, NULL) == HEED_OK) {
			XXH3_64bits_update(st, tokenizer_files[i], strlen(tokenizer_files[i]) + 1);
			hash_u64(st, (uint64_t)len);
			XXH3_64bits_update(st, buf, len);
			free(buf);
		}
		free(path);
	}
}

uint64_t
model_fingerprint(const wt_set *w, const char *dir)
{
	XXH3_state_t *st = XXH3_createState();
	uint64_t h;

	if (st == NULL)
		util_oom(0);   /* as xmalloc: out of memory exits 3 */
	XXH3_64bits_reset(st);
	hash_tensors(st, w);
	if (dir != NULL)
		hash_tokenizer(st, dir);
	h = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	return h != 0 ? h : 1;   /* 0 means "not known" to calib_load */
}
