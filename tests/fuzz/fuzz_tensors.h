/* fuzz_tensors.h — what the weight-file targets check of an accepted
 * st_file: every tensor's byte count agrees with its shape and dtype, its
 * data lies inside [lo, lo + len) (the input, or the buffer the reader
 * filled), and all of it converts to F32, so ASan sees any stray read. */
#ifndef HEED_FUZZ_TENSORS_H
#define HEED_FUZZ_TENSORS_H

#include "fuzz.h"
#include "heed/model.h"

static inline void
fuzz_check_tensors(const st_file *f, const uint8_t *lo, size_t len)
{
	for (int i = 0; i < f->n; i++) {
		const st_tensor *t = &f->t[i];
		const uint8_t *p = t->data;
		size_t count = 1;
		float *dst;

		fuzz_check(t->name != NULL && t->ndim >= 0 && t->ndim <= 4);
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

#endif
