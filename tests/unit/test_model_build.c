/* test_model_build.c — builders for the model tests (see the header). */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700  /* nftw, mkdtemp */
#endif
#include "test_model_build.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heed/util.h"

void
tb_init(tb *b)
{
	b->hdr = xstrdup("");
	b->hlen = 0;
	b->data = NULL;
	b->dlen = 0;
}

void
tb_free(tb *b)
{
	free(b->hdr);
	free(b->data);
}

void
tb_add(tb *b, const char *name, const char *dtype, int ndim, const int64_t *shape,
       const void *bytes, size_t nbytes)
{
	char dims[128] = "";
	char *entry, *h;
	size_t o = 0;

	for (int i = 0; i < ndim; i++)
		o += (size_t)snprintf(dims + o, sizeof dims - o, "%s%lld", i ? "," : "",
		    (long long)shape[i]);
	entry = xasprintf("%s\"%s\":{\"dtype\":\"%s\",\"shape\":[%s],\"data_offsets\":[%zu,%zu]}",
	    b->hlen ? "," : "", name, dtype, dims, b->dlen, b->dlen + nbytes);
	h = xasprintf("%s%s", b->hdr, entry);
	free(b->hdr);
	free(entry);
	b->hdr = h;
	b->hlen = strlen(h);
	b->data = xrealloc(b->data, b->dlen + nbytes);
	if (nbytes)
		memcpy(b->data + b->dlen, bytes, nbytes);
	b->dlen += nbytes;
}

/* Exact for the values the tests use (zero and normal F16 numbers). */
static uint16_t
to_half(float f)
{
	uint32_t x;
	int exp;

	memcpy(&x, &f, 4);
	if ((x & 0x7fffffffu) == 0)
		return (uint16_t)(x >> 16);
	exp = (int)((x >> 23) & 0xff) - 127 + 15;
	return (uint16_t)((x >> 16 & 0x8000) | (uint32_t)exp << 10 | (x >> 13 & 0x3ff));
}

void
tb_add_floats(tb *b, const char *name, const char *dtype, int ndim, const int64_t *shape,
	      const float *v)
{
	size_t n = 1, es = strcmp(dtype, "F32") == 0 ? 4 : 2;
	uint8_t *raw;
	uint32_t x;

	for (int i = 0; i < ndim; i++)
		n *= (size_t)shape[i];
	raw = xmalloc(n * es);
	for (size_t i = 0; i < n; i++) {
		memcpy(&x, &v[i], 4);
		if (es == 2)
			x = strcmp(dtype, "F16") == 0 ? to_half(v[i]) : x >> 16;
		for (size_t k = 0; k < es; k++)
			raw[i * es + k] = (uint8_t)(x >> (8 * k));
	}
	tb_add(b, name, dtype, ndim, shape, raw, n * es);
	free(raw);
}

uint8_t *
tb_raw(const char *json, const void *data, size_t dlen, size_t *len)
{
	size_t hl = strlen(json);
	uint8_t *img = xmalloc(8 + hl + dlen);

	for (int i = 0; i < 8; i++)
		img[i] = (uint8_t)((uint64_t)hl >> (8 * i));
	memcpy(img + 8, json, hl);
	if (dlen)
		memcpy(img + 8 + hl, data, dlen);
	*len = 8 + hl + dlen;
	return img;
}

uint8_t *
tb_image(const tb *b, size_t *len)
{
	char *json = xasprintf("{%s%s\"__metadata__\":{\"format\":\"pt\"}}", b->hdr,
	    b->hlen ? "," : "");
	uint8_t *img = tb_raw(json, b->data, b->dlen, len);

	free(json);
	return img;
}

char *
tmp_dir(void)
{
	char *d = xstrdup("/tmp/heed-test-model-XXXXXX");

	if (mkdtemp(d) == NULL)
		abort();
	return d;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

void
rm_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void
write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "wb");

	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		abort();
	free(p);
}

float
tiny_value(const char *canonical, size_t i)
{
	uint64_t h = util_hash64(canonical, strlen(canonical), 0);

	return (float)((int)((h + i * 7) % 97) - 48) / 64.0f;
}

/* One tensor of the tiny checkpoint: canonical name and shape. */
typedef struct tiny_t {
	char name[96];
	int64_t d[2];
	int nd;
	bool prefixed;
} tiny_t;

static void
push(tiny_t *t, int *n, bool prefixed, int64_t d0, int64_t d1, const char *fmt, int layer)
{
	snprintf(t[*n].name, sizeof t[*n].name, fmt, layer);
	t[*n].d[0] = d0;
	t[*n].d[1] = d1;
	t[*n].nd = d1 ? 2 : 1;
	t[*n].prefixed = prefixed;
	(*n)++;
}

static int
tiny_bert_list(tiny_t *t, const tiny_opts *o)
{
	static const char *const lin[] = {
		"encoder.layer.%d.attention.self.query", "encoder.layer.%d.attention.self.key",
		"encoder.layer.%d.attention.self.value", "encoder.layer.%d.attention.output.dense",
	};
	char buf[96];
	int n = 0;

	push(t, &n, true, TINY_V, TINY_H, "embeddings.word_embeddings.weight", 0);
	push(t, &n, true, TINY_P, TINY_H, "embeddings.position_embeddings.weight", 0);
	push(t, &n, true, 2, TINY_H, "embeddings.token_type_embeddings.weight", 0);
	push(t, &n, true, TINY_H, 0, "embeddings.LayerNorm.weight", 0);
	push(t, &n, true, TINY_H, 0, "embeddings.LayerNorm.bias", 0);
	for (int l = 0; l < TINY_L; l++) {
		for (int k = 0; k < 4; k++) {
			snprintf(buf, sizeof buf, "%s.weight", lin[k]);
			push(t, &n, true, TINY_H, TINY_H, buf, l);
			snprintf(buf, sizeof buf, "%s.bias", lin[k]);
			push(t, &n, true, TINY_H, 0, buf, l);
		}
		push(t, &n, true, TINY_H, 0, "encoder.layer.%d.attention.output.LayerNorm.weight", l);
		push(t, &n, true, TINY_H, 0, "encoder.layer.%d.attention.output.LayerNorm.bias", l);
		push(t, &n, true, TINY_F, TINY_H, "encoder.layer.%d.intermediate.dense.weight", l);
		push(t, &n, true, TINY_F, 0, "encoder.layer.%d.intermediate.dense.bias", l);
		push(t, &n, true, TINY_H, TINY_F, "encoder.layer.%d.output.dense.weight", l);
		push(t, &n, true, TINY_H, 0, "encoder.layer.%d.output.dense.bias", l);
		push(t, &n, true, TINY_H, 0, "encoder.layer.%d.output.LayerNorm.weight", l);
		push(t, &n, true, TINY_H, 0, "encoder.layer.%d.output.LayerNorm.bias", l);
	}
	if (o->mlm) {
		push(t, &n, false, TINY_H, TINY_H, "cls.predictions.transform.dense.weight", 0);
		push(t, &n, false, TINY_H, 0, "cls.predictions.transform.dense.bias", 0);
		push(t, &n, false, TINY_H, 0, "cls.predictions.transform.LayerNorm.weight", 0);
		push(t, &n, false, TINY_H, 0, "cls.predictions.transform.LayerNorm.bias", 0);
		push(t, &n, false, TINY_V, 0, "cls.predictions.bias", 0);
		if (o->untied_decoder || o->tied_copy)
			push(t, &n, false, TINY_V, TINY_H, "cls.predictions.decoder.weight", 0);
	}
	return n;
}

static int
tiny_distil_list(tiny_t *t, const tiny_opts *o)
{
	static const char *const lin[] = {"q_lin", "k_lin", "v_lin", "out_lin"};
	char buf[96];
	int n = 0;

	push(t, &n, true, TINY_V, TINY_H, "embeddings.word_embeddings.weight", 0);
	push(t, &n, true, TINY_P, TINY_H, "embeddings.position_embeddings.weight", 0);
	push(t, &n, true, TINY_H, 0, "embeddings.LayerNorm.weight", 0);
	push(t, &n, true, TINY_H, 0, "embeddings.LayerNorm.bias", 0);
	for (int l = 0; l < TINY_L; l++) {
		for (int k = 0; k < 4; k++) {
			snprintf(buf, sizeof buf, "transformer.layer.%%d.attention.%s.weight", lin[k]);
			push(t, &n, true, TINY_H, TINY_H, buf, l);
			snprintf(buf, sizeof buf, "transformer.layer.%%d.attention.%s.bias", lin[k]);
			push(t, &n, true, TINY_H, 0, buf, l);
		}
		push(t, &n, true, TINY_H, 0, "transformer.layer.%d.sa_layer_norm.weight", l);
		push(t, &n, true, TINY_H, 0, "transformer.layer.%d.sa_layer_norm.bias", l);
		push(t, &n, true, TINY_F, TINY_H, "transformer.layer.%d.ffn.lin1.weight", l);
		push(t, &n, true, TINY_F, 0, "transformer.layer.%d.ffn.lin1.bias", l);
		push(t, &n, true, TINY_H, TINY_F, "transformer.layer.%d.ffn.lin2.weight", l);
		push(t, &n, true, TINY_H, 0, "transformer.layer.%d.ffn.lin2.bias", l);
		push(t, &n, true, TINY_H, 0, "transformer.layer.%d.output_layer_norm.weight", l);
		push(t, &n, true, TINY_H, 0, "transformer.layer.%d.output_layer_norm.bias", l);
	}
	if (o->mlm) {
		push(t, &n, false, TINY_H, TINY_H, "vocab_transform.weight", 0);
		push(t, &n, false, TINY_H, 0, "vocab_transform.bias", 0);
		push(t, &n, false, TINY_H, 0, "vocab_layer_norm.weight", 0);
		push(t, &n, false, TINY_H, 0, "vocab_layer_norm.bias", 0);
		push(t, &n, false, TINY_V, 0, "vocab_projector.bias", 0);
		if (o->untied_decoder || o->tied_copy)
			push(t, &n, false, TINY_V, TINY_H, "vocab_projector.weight", 0);
	}
	return n;
}

/* The name as stored: prefix, and gamma/beta for old LayerNorms. */
static void
stored_name(char *out, size_t cap, const tiny_t *t, const tiny_opts *o)
{
	size_t n = strlen(t->name);
	const char *pre = t->prefixed && o->prefix ? o->prefix : "";

	if (o->gamma_beta && n > 16 && strcmp(t->name + n - 16, "LayerNorm.weight") == 0)
		snprintf(out, cap, "%s%.*sgamma", pre, (int)(n - 6), t->name);
	else if (o->gamma_beta && n > 14 && strcmp(t->name + n - 14, "LayerNorm.bias") == 0)
		snprintf(out, cap, "%s%.*sbeta", pre, (int)(n - 4), t->name);
	else
		snprintf(out, cap, "%s%s", pre, t->name);
}

static bool
is_decoder(const char *name)
{
	return strcmp(name, "cls.predictions.decoder.weight") == 0 ||
	    strcmp(name, "vocab_projector.weight") == 0;
}

uint8_t *
tiny_image(const tiny_opts *o, size_t *len)
{
	tiny_t t[64];
	int n = o->distil ? tiny_distil_list(t, o) : tiny_bert_list(t, o);
	float v[TINY_V * TINY_H + TINY_F * TINY_H + 64];
	char name[160];
	uint8_t *img;
	tb b;

	tb_init(&b);
	for (int i = 0; i < n; i++) {
		int64_t d[2] = {t[i].d[0], t[i].d[1]};
		/* a tied copy holds the word embeddings' values */
		const char *src = is_decoder(t[i].name) && o->tied_copy ?
		    "embeddings.word_embeddings.weight" : t[i].name;

		if (o->skip && strcmp(o->skip, t[i].name) == 0)
			continue;
		if (o->bad_shape && strcmp(o->bad_shape, t[i].name) == 0)
			d[0]++;
		for (size_t k = 0; k < (size_t)(d[0] * (t[i].nd == 2 ? d[1] : 1)); k++)
			v[k] = tiny_value(src, k);
		stored_name(name, sizeof name, &t[i], o);
		tb_add_floats(&b, name, o->dtype ? o->dtype : "F32", t[i].nd, d, v);
	}
	img = tb_image(&b, len);
	tb_free(&b);
	return img;
}

void
tiny_write(const char *dir, const tiny_opts *o)
{
	char *cfg;
	uint8_t *img;
	size_t len;

	if (o->distil)
		cfg = xasprintf("{\"model_type\":\"distilbert\",\"vocab_size\":%d,\"dim\":%d,"
		    "\"n_layers\":%d,\"n_heads\":%d,\"hidden_dim\":%d,"
		    "\"max_position_embeddings\":%d,\"activation\":\"gelu\"}",
		    TINY_V, TINY_H, TINY_L, TINY_HEADS, TINY_F, TINY_P);
	else
		cfg = xasprintf("{\"model_type\":\"bert\",\"vocab_size\":%d,\"hidden_size\":%d,"
		    "\"num_hidden_layers\":%d,\"num_attention_heads\":%d,\"intermediate_size\":%d,"
		    "\"max_position_embeddings\":%d,\"type_vocab_size\":2,"
		    "\"layer_norm_eps\":1e-12,\"hidden_act\":\"gelu\"}",
		    TINY_V, TINY_H, TINY_L, TINY_HEADS, TINY_F, TINY_P);
	write_file(dir, "config.json", cfg, strlen(cfg));
	free(cfg);
	img = tiny_image(o, &len);
	write_file(dir, "model.safetensors", img, len);
	free(img);
}
