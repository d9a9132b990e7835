/* fuzz_st.c — the safetensors header and tensor table (st_parse).
 *
 * A file st_parse accepts must be safe to read in full: every tensor is
 * converted to F32, so ASan sees any data range outside the buffer, and the
 * byte counts must agree with shape and dtype. */
#include "fuzz_tensors.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_weights(data, size, st_parse, false);
	return 0;
}
