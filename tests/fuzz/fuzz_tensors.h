/* fuzz_tensors.h — the body of the weight-file targets (safetensors, and
 * pytorch_model.bin as a legacy stream or a zip).  Each target is one call
 * of fuzz_weights with its parser; what is checked of an accepted st_file:
 * every tensor's byte count agrees with its shape and dtype, its data lies
 * inside the input or, for a reader that fills f->map (a zip's storages),
 * inside that buffer, it can be found by name, and all of it converts to
 * F32, so ASan sees any stray read.  A refused file must say why and keep
 * nothing. */
#ifndef HEED_FUZZ_TENSORS_H
#define HEED_FUZZ_TENSORS_H

#include <string.h>

#include "fuzz.h"
#include "heed/model.h"
#include "heed/weights.h"

static inline void
fuzz_check_tensors(const st_file *f, const uint8_t *lo, size_t len)
{
	for (int i = 0; i < f->n; i++) {
		const st_tensor *t = &f->t[i];
		const uint8_t *p = t->data;
		size_t count = 1;
		float *dst;

		fuzz_check(t->name != NULL && t->ndim >= 0 && t->ndim <= 4);
		fuzz_check(st_find(f, t->name) != NULL);
		for (int k = 0; k < t->ndim; k++)
			count *= (size_t)t->shape[k];
		fuzz_check(count * (t->dtype == ST_F32 ? 4 : 2) == t->nbytes);
		if (t->nbytes > 0)
			fuzz_check(lo != NULL && p >= lo && p + t->nbytes <= lo + len);
		dst = malloc(count ? count * sizeof *dst : 1);
		st_to_f32(t->dtype, t->data, dst, count);
		free(dst);
	}
}

/* fuzz_weights: PARSE the input.  FILLS_MAP says where an accepted file's
 * tensors live: in a buffer the reader filled (f->map), or in the input
 * itself (then f->map stays NULL). */
static inline void
fuzz_weights(const uint8_t *data, size_t size, st_parser parse, bool fills_map)
{
	uint8_t *buf = malloc(size ? size : 1);
	st_file f;
	heed_err e;

	/* a private copy makes ASan see reads one past the input */
	memcpy(buf, data, size);
	e.msg[0] = '\0';
	if (parse(buf, size, "fuzz", &f, &e) == HEED_OK) {
		if (fills_map) {
			fuzz_check_tensors(&f, f.map, f.map_len);
		} else {
			fuzz_check(f.map == NULL);
			fuzz_check_tensors(&f, buf, size);
		}
		st_close(&f);
	} else {
		fuzz_check(e.msg[0] != '\0');
		fuzz_check(f.n == 0 && f.t == NULL && f.map == NULL);
	}
	free(buf);
}

#endif
