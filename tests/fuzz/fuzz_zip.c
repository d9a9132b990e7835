/* fuzz_zip.c — pytorch_model.bin as a zip archive (pt_parse_zip): libzip's
 * reading of the directory and entries, then the pickle and the storages
 * it names.  Whatever it accepts lies in the storage buffer it fills and
 * must be safe to read in full. */
#include "fuzz_tensors.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_weights(data, size, pt_parse_zip, true);
	return 0;
}
