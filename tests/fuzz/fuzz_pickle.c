/* fuzz_pickle.c — the restricted unpickler, through the legacy
 * pytorch_model.bin stream (pt_parse_legacy): five pickles and raw storage
 * bytes, every field of which comes from the file.  Whatever it accepts
 * points into the input and must be safe to read in full. */
#include "fuzz_tensors.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_weights(data, size, pt_parse_legacy, false);
	return 0;
}
