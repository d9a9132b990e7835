/* fuzz_st.c — the safetensors header and tensor table (st_parse).
 *
 * A file st_parse accepts must be safe to read in full: every tensor is
 * converted to F32, so ASan sees any data range outside the buffer, and the
 * byte counts must agree with shape and dtype. */
#include <string.h>

#include "fuzz.h"
#include "heed/model.h"

static size_t
elem_size(st_dtype dt)
{
	return dt == ST_F32 ? 4 : 2;
}

static void
check_tensor(const st_tensor *t, const uint8_t *data, size_t size)
{
	const uint8_t *p = t->data;
	size_t count = 1;
	float *dst;

	fuzz_check(t->name != NULL);
	fuzz_check(t->ndim >= 0 && t->ndim <= 4);
	for (int i = 0; i < t->ndim; i++)
		count *= (size_t)t->shape[i];
	fuzz_check(count * elem_size(t->dtype) == t->nbytes);
	fuzz_check(p >= data && p + t->nbytes <= data + size);
	dst = malloc(count ? count * sizeof *dst : 1);
	st_to_f32(t->dtype, t->data, dst, count);
	free(dst);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	st_file f;
	heed_err e;

	/* A private copy makes ASan see reads one past the input. */
	uint8_t *buf = malloc(size ? size : 1);

	memcpy(buf, data, size);
	if (st_parse(buf, size, "fuzz", &f, &e) == HEED_OK) {
		for (int i = 0; i < f.n; i++) {
			check_tensor(&f.t[i], buf, size);
			fuzz_check(st_find(&f, f.t[i].name) != NULL);
		}
		st_close(&f);
	} else {
		fuzz_check(e.msg[0] != '\0');
		fuzz_check(f.n == 0 && f.t == NULL);
	}
	free(buf);
	return 0;
}
