/* fuzz_zip.c — pytorch_model.bin as a zip archive (pt_parse_zip): libzip's
 * reading of the directory and entries, then the pickle and the storages
 * it names.  Whatever it accepts lies in the storage buffer it fills and
 * must be safe to read in full. */
#include <string.h>

#include "fuzz_tensors.h"
#include "heed/weights.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	st_file f;
	heed_err e;

	memcpy(buf, data, size);
	e.msg[0] = '\0';
	if (pt_parse_zip(buf, size, "fuzz", &f, &e) == HEED_OK) {
		fuzz_check_tensors(&f, f.map, f.map_len);
		st_close(&f);
	} else {
		fuzz_check(e.msg[0] != '\0');
		fuzz_check(f.n == 0 && f.t == NULL && f.map == NULL);
	}
	free(buf);
	return 0;
}
