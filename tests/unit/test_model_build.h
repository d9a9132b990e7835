/* test_model_build.h — write safetensors images, config.json files and tiny
 * BERT / DistilBERT checkpoints for the model tests. */
#ifndef TEST_MODEL_BUILD_H
#define TEST_MODEL_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A safetensors image under construction: tensors are laid out back to back
 * in the order they are added. */
typedef struct tb {
	char *hdr;
	size_t hlen;
	uint8_t *data;
	size_t dlen;
} tb;

void tb_init(tb *b);
void tb_free(tb *b);
/* A tensor with raw little-endian bytes. */
void tb_add(tb *b, const char *name, const char *dtype, int ndim, const int64_t *shape,
	    const void *bytes, size_t nbytes);
/* A tensor of floats, stored as dtype (F32, F16 or BF16; values must be exact
 * in that dtype). */
void tb_add_floats(tb *b, const char *name, const char *dtype, int ndim,
		   const int64_t *shape, const float *v);
/* The whole file image (malloc'd). */
uint8_t *tb_image(const tb *b, size_t *len);
/* An image from hand-written header JSON and data. */
uint8_t *tb_raw(const char *json, const void *data, size_t dlen, size_t *len);

/* Temporary folders and files. */
char *tmp_dir(void);
void rm_tree(const char *dir);
void write_file(const char *dir, const char *name, const void *data, size_t len);

/* Tiny checkpoints: hidden 8, 2 layers, 2 heads, ffn 12, vocab 16, 10 positions. */
typedef struct tiny_opts {
	bool distil;
	const char *prefix;      /* "", "bert." or "distilbert." */
	bool gamma_beta;         /* old LayerNorm names */
	bool mlm;                /* write the masked-LM head */
	bool untied_decoder;     /* write a decoder weight that differs from word_emb */
	bool tied_copy;          /* write a decoder weight equal to word_emb */
	const char *dtype;       /* "F32" (default), "F16", "BF16" */
	const char *skip;        /* canonical name of a tensor to leave out */
	const char *bad_shape;   /* canonical name of a tensor written as [d0+1, ...] */
} tiny_opts;

enum { TINY_H = 8, TINY_L = 2, TINY_HEADS = 2, TINY_F = 12, TINY_V = 16, TINY_P = 10 };

/* The value every tiny tensor holds at index i: a function of its canonical
 * (unprefixed, new-style) name, exact in F16 and BF16. */
float tiny_value(const char *canonical, size_t i);
/* Write config.json and model.safetensors into dir. */
void tiny_write(const char *dir, const tiny_opts *o);
/* model.safetensors image of the tiny checkpoint. */
uint8_t *tiny_image(const tiny_opts *o, size_t *len);

#endif
