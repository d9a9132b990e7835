/* fuzz_pickle.c — the restricted unpickler, through the legacy
 * pytorch_model.bin stream (pt_parse_legacy): five pickles and raw storage
 * bytes, every field of which comes from the file.  Whatever it accepts
 * points into the input and must be safe to read in full. */
#include <string.h>

#include "fuzz_tensors.h"
#include "heed/weights.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	st_file f;
	heed_err e;

	/* a private copy makes ASan see reads one past the input */
	memcpy(buf, data, size);
	e.msg[0] = '\0';
	if (pt_parse_legacy(buf, size, "fuzz", &f, &e) == HEED_OK) {
		fuzz_check(f.map == NULL);
		fuzz_check_tensors(&f, buf, size);
		st_close(&f);
	} else {
		fuzz_check(e.msg[0] != '\0');
		fuzz_check(f.n == 0 && f.t == NULL && f.map == NULL);
	}
	free(buf);
	return 0;
}
