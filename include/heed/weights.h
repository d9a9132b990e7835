/* weights.h — a checkpoint's tensors by name, whatever files hold them.
 *
 * A Hugging Face folder keeps its weights in one of several layouts:
 * model.safetensors, pytorch_model.bin (PyTorch's zip archive, or the
 * legacy pickle-plus-storages stream of torch < 1.6), or either of them
 * split into shards named by an *.index.json.  wt_open() picks the layout
 * transformers would pick (safetensors first) and reads every file into an
 * st_file (model.h): validated tensors whose data lies in memory the set
 * owns.  The model loader then asks for tensors by name (wt_find) and never
 * learns which format they came from.
 */
#ifndef HEED_WEIGHTS_H
#define HEED_WEIGHTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heed/model.h"
#include "heed/util.h"

typedef enum {
	WT_SAFETENSORS,     /* model.safetensors */
	WT_TORCH_ZIP,       /* pytorch_model.bin, torch >= 1.6 zip archive */
	WT_TORCH_LEGACY,    /* pytorch_model.bin, torch < 1.6 pickle stream */
} wt_format;

typedef struct wt_set wt_set;

/* Open the weights of the model folder dir: model.safetensors,
 * model.safetensors.index.json, pytorch_model.bin or
 * pytorch_model.bin.index.json, the first that exists.  A folder with only
 * TensorFlow, Flax, GGUF or ONNX weights gets one line saying what heed
 * reads instead. */
int wt_open(const char *dir, wt_set **out, heed_err *e);
/* The tensor called name, or NULL. */
const st_tensor *wt_find(const wt_set *w, const char *name);
/* The tensors in name order, i < wt_count(w) (model_fingerprint). */
int wt_count(const wt_set *w);
const st_tensor *wt_at(const wt_set *w, int i);
/* The file the weights came from (the index of a sharded checkpoint). */
const char *wt_path(const wt_set *w);
/* How many files hold the tensors (shards; 1 when not sharded). */
int wt_files(const wt_set *w);
/* The format of the files; a sharded set has one format throughout. */
wt_format wt_format_of(const wt_set *w);
/* "safetensors", "PyTorch zip", "PyTorch legacy". */
const char *wt_format_name(wt_format f);
void wt_close(wt_set *w);

/* ---- pytorch_model.bin -------------------------------------------------- */

/* Read a pytorch_model.bin of either format into f (the same st_file a
 * safetensors file gives).  The pickle inside is read by a restricted
 * unpickler that knows a tensor state dict and nothing else: no code in
 * the file is ever run.  *fmt says which format it was. */
int pt_open(const char *path, st_file *f, wt_format *fmt, heed_err *e);

/* The two formats from memory, for the fuzzers.  A legacy stream's
 * tensors point into buf (f->map stays NULL); a zip's storages are read
 * out of the archive into f->map, as pt_open does from the file. */
int pt_parse_legacy(const uint8_t *buf, size_t len, const char *name, st_file *f,
		    heed_err *e);
int pt_parse_zip(const uint8_t *buf, size_t len, const char *name, st_file *f,
		 heed_err *e);

/* Read path whole into util_big_alloc'd memory and parse it there; on
 * success f->map owns the memory (safetensors.c; st_open is this with
 * st_parse).  Read, not mapped: a file that shrinks while heed reads it is
 * an error, never SIGBUS. */
typedef int (*st_parser)(const uint8_t *buf, size_t len, const char *name, st_file *f,
			 heed_err *e);
int st_open_with(const char *path, st_parser parse, st_file *f, heed_err *e);

#endif
