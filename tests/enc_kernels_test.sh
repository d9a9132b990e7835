#!/bin/sh
# The encoder's golden test (tests/unit/test_enc: every attention weight
# within 1e-4 of the float64 reference) once more with each linear kernel
# below the one this CPU picks, so the AVX2 and portable code paths are
# checked on an AVX-512 machine too.
set -eu
bin=$(dirname "$HEED_BIN")/tests/unit/test_enc
for k in avx2 portable; do
	echo "== HEED_LINEAR_KERNEL=$k"
	HEED_LINEAR_KERNEL=$k "$bin" || { echo "test_enc failed with the $k kernel"; exit 1; }
done
