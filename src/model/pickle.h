/* pickle.h — a restricted unpickler for PyTorch state dicts (private to
 * src/model; torchbin.c is its one user).
 *
 * It runs the pickle virtual machine over a fixed set of opcodes and seven
 * kinds of value, never calling anything: the globals a state dict names
 * (collections.OrderedDict, torch._utils._rebuild_tensor_v2 and
 * _rebuild_parameter, torch.*Storage) are recognised by name and their
 * effect is built here, and every other global is refused by name.
 */
#ifndef HEED_PICKLE_H
#define HEED_PICKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heed/model.h"
#include "heed/util.h"

#define PK_MAX_DIMS 4

/* A storage a persistent id named: its data is found by the container
 * (a zip entry, or the bytes after the pickles of a legacy stream). */
typedef struct pk_storage {
	char *key;
	const char *type;   /* "FloatStorage"... (static) */
	bool weight;        /* F32/F16/BF16: kept; index dtypes are checked and dropped */
	st_dtype dtype;     /* when weight */
	size_t elem;        /* bytes per element */
	uint64_t numel;
	const uint8_t *data; /* numel * elem bytes, set by the container */
} pk_storage;

typedef struct pk_tensor {
	char *name;
	int storage;        /* index into pk_dict.s */
	uint64_t offset;    /* in elements */
	int ndim;
	int64_t shape[PK_MAX_DIMS];
} pk_tensor;

typedef struct pk_dict {
	pk_storage *s;
	int ns;
	pk_tensor *t;       /* in the file's order */
	int nt;
} pk_dict;

/* The state dict pickled at buf[0..len): stops at its STOP opcode, *used
 * says where.  legacy: persistent ids carry the legacy stream's sixth
 * field (a storage view, always None since torch 0.4).  Every tensor is
 * checked against its storage's numel here: contiguous, inside it. */
int pk_state_dict(const uint8_t *buf, size_t len, const char *file, bool legacy,
		  size_t *used, pk_dict *d, heed_err *e);

/* The three pickles that open a legacy stream: the magic number, protocol
 * version 1001 and a little-endian sys_info.  *used: bytes they span. */
int pk_legacy_header(const uint8_t *buf, size_t len, const char *file, size_t *used,
		     heed_err *e);

/* The legacy stream's list of storage keys (the order their data follows
 * in): indexes into d->s in *order (malloc'd, *n of them). */
int pk_storage_keys(const uint8_t *buf, size_t len, const char *file, const pk_dict *d,
		    size_t *used, int **order, int *n, heed_err *e);

/* Once every storage has data: the tensors as an st_file whose data point
 * into the storages (f->map is left to the caller). */
int pk_to_st(pk_dict *d, const char *file, st_file *f, heed_err *e);

void pk_dict_free(pk_dict *d);

#endif
