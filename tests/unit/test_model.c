/* test_model.c — model_load on tiny checkpoints written by the test: every
 * naming scheme heed accepts, Q/K/V packing, tied and untied decoders, and
 * one clear error line for each missing or mis-shaped tensor. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "heed/model.h"
#include "test_model_build.h"

enum { H = TINY_H, F = TINY_F, V = TINY_V };

static void
expect_values(const float *p, const char *canonical, size_t n)
{
	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		if (p[i] != tiny_value(canonical, i))
			fail_msg("%s[%zu] = %g, want %g", canonical, i, (double)p[i],
			    (double)tiny_value(canonical, i));
}

/* Rows row0.. of a packed weight against a tensor of rows × cols. */
static void
expect_lin(const lin_weight *w, int row0, const char *canonical, int rows, int cols)
{
	assert_non_null(w->data);
	assert_int_equal(w->in, cols);
	for (int r = 0; r < rows; r++)
		for (int k = 0; k < cols; k++) {
			size_t i = (size_t)r * cols + k;
			float got = lin_at(w, row0 + r, k);
			if (got != tiny_value(canonical, i))
				fail_msg("%s[%zu] = %g, want %g", canonical, i, (double)got,
				    (double)tiny_value(canonical, i));
		}
}

static model *
load_tiny(const tiny_opts *o, char **dir)
{
	model *m = NULL;
	heed_err e;

	*dir = tmp_dir();
	tiny_write(*dir, o);
	if (model_load(*dir, &m, &e) != HEED_OK)
		fail_msg("model_load: %s", e.msg);
	return m;
}

static void
done(model *m, char *dir)
{
	model_free(m);
	rm_tree(dir);
	free(dir);
}

/* Q rows, then K rows, then V rows; biases likewise. */
static void
check_bert_layer(const model *m, int l)
{
	const layer_weights *w = &m->layer[l];
	char n[96];

#define CHECK(ptr, off, name, count) do { \
		snprintf(n, sizeof n, name, l); \
		expect_values((ptr) + (off), n, count); \
	} while (0)
#define CHECK_LIN(w, row0, name, rows, cols) do { \
		snprintf(n, sizeof n, name, l); \
		expect_lin(w, row0, n, rows, cols); \
	} while (0)
	assert_int_equal(w->wqkv.out, 3 * H);
	CHECK_LIN(&w->wqkv, 0, "encoder.layer.%d.attention.self.query.weight", H, H);
	CHECK_LIN(&w->wqkv, H, "encoder.layer.%d.attention.self.key.weight", H, H);
	CHECK_LIN(&w->wqkv, 2 * H, "encoder.layer.%d.attention.self.value.weight", H, H);
	CHECK(w->bqkv, 0, "encoder.layer.%d.attention.self.query.bias", H);
	CHECK(w->bqkv, H, "encoder.layer.%d.attention.self.key.bias", H);
	CHECK(w->bqkv, 2 * H, "encoder.layer.%d.attention.self.value.bias", H);
	CHECK_LIN(&w->wo, 0, "encoder.layer.%d.attention.output.dense.weight", H, H);
	CHECK(w->bo, 0, "encoder.layer.%d.attention.output.dense.bias", H);
	CHECK(w->ln1_g, 0, "encoder.layer.%d.attention.output.LayerNorm.weight", H);
	CHECK(w->ln1_b, 0, "encoder.layer.%d.attention.output.LayerNorm.bias", H);
	CHECK_LIN(&w->w1, 0, "encoder.layer.%d.intermediate.dense.weight", F, H);
	CHECK(w->b1, 0, "encoder.layer.%d.intermediate.dense.bias", F);
	CHECK_LIN(&w->w2, 0, "encoder.layer.%d.output.dense.weight", H, F);
	CHECK(w->b2, 0, "encoder.layer.%d.output.dense.bias", H);
	CHECK(w->ln2_g, 0, "encoder.layer.%d.output.LayerNorm.weight", H);
	CHECK(w->ln2_b, 0, "encoder.layer.%d.output.LayerNorm.bias", H);
}

static void
check_embeddings(const model *m, bool types)
{
	expect_lin(&m->word_emb, 0, "embeddings.word_embeddings.weight", V, H);
	/* lookups read whole rows */
	float row[H];
	for (int v = 0; v < V; v++) {
		lin_row(&m->word_emb, v, row);
		for (int k = 0; k < H; k++)
			assert_true(row[k] == lin_at(&m->word_emb, v, k));
	}
	expect_values(m->pos_emb, "embeddings.position_embeddings.weight", TINY_P * H);
	if (types)
		expect_values(m->type_emb, "embeddings.token_type_embeddings.weight", 2 * H);
	else
		assert_null(m->type_emb);
	expect_values(m->emb_ln_g, "embeddings.LayerNorm.weight", H);
	expect_values(m->emb_ln_b, "embeddings.LayerNorm.bias", H);
}

static void
check_bert(const tiny_opts *o)
{
	char *dir;
	model *m = load_tiny(o, &dir);

	assert_int_equal(m->cfg.arch, MODEL_ARCH_BERT);
	assert_int_equal(m->cfg.layers, TINY_L);
	assert_string_equal(m->dir, dir);
	assert_non_null(m->name);
	assert_true(m->load_ms >= 0);
	check_embeddings(m, true);
	for (int l = 0; l < TINY_L; l++)
		check_bert_layer(m, l);
	assert_int_equal(m->has_mlm, o->mlm);
	if (o->mlm) {
		expect_lin(&m->mlm_w, 0, "cls.predictions.transform.dense.weight", H, H);
		expect_values(m->mlm_b, "cls.predictions.transform.dense.bias", H);
		expect_values(m->mlm_ln_g, "cls.predictions.transform.LayerNorm.weight", H);
		expect_values(m->mlm_ln_b, "cls.predictions.transform.LayerNorm.bias", H);
		expect_values(m->mlm_bias, "cls.predictions.bias", V);
		/* tied: the very matrix of the embeddings */
		assert_int_equal(m->mlm_dec.out, V);
		expect_lin(&m->mlm_dec, 0, o->untied_decoder ? "cls.predictions.decoder.weight" :
			   "embeddings.word_embeddings.weight", V, H);
		if (o->untied_decoder)
			assert_ptr_not_equal(m->mlm_dec.data, m->word_emb.data);
		else
			assert_ptr_equal(m->mlm_dec.data, m->word_emb.data);
	} else {
		assert_null(m->mlm_w.data);
		assert_null(m->mlm_dec.data);
	}
	done(m, dir);
}

static void
test_bert_bare(void **state)
{
	check_bert(&(tiny_opts){.prefix = ""});
}

static void
test_bert_prefixed_mlm(void **state)
{
	check_bert(&(tiny_opts){.prefix = "bert.", .mlm = true});
}

static void
test_bert_gamma_beta(void **state)
{
	check_bert(&(tiny_opts){.prefix = "bert.", .gamma_beta = true, .mlm = true});
}

static void
test_bert_decoders(void **state)
{
	check_bert(&(tiny_opts){.prefix = "bert.", .mlm = true, .tied_copy = true});
	check_bert(&(tiny_opts){.prefix = "bert.", .mlm = true, .untied_decoder = true});
}

static void
test_bert_dtypes(void **state)
{
	char *dir;
	model *m;

	check_bert(&(tiny_opts){.prefix = "bert.", .mlm = true, .dtype = "F16"});
	check_bert(&(tiny_opts){.mlm = true, .dtype = "BF16"});
	m = load_tiny(&(tiny_opts){.dtype = "F16"}, &dir);
	assert_int_equal(m->file_dtype, ST_F16);
	done(m, dir);
	m = load_tiny(&(tiny_opts){.dtype = "BF16"}, &dir);
	assert_int_equal(m->file_dtype, ST_BF16);
	done(m, dir);
	m = load_tiny(&(tiny_opts){0}, &dir);
	assert_int_equal(m->file_dtype, ST_F32);
	done(m, dir);
}

static void
check_distil(const tiny_opts *o)
{
	static const char *const lin[] = {"q_lin", "k_lin", "v_lin"};
	char *dir, n[96];
	model *m = load_tiny(o, &dir);

	assert_int_equal(m->cfg.arch, MODEL_ARCH_DISTILBERT);
	check_embeddings(m, false);
	for (int l = 0; l < TINY_L; l++) {
		const layer_weights *w = &m->layer[l];
		for (int k = 0; k < 3; k++) {
			snprintf(n, sizeof n, "transformer.layer.%d.attention.%s.weight", l, lin[k]);
			expect_lin(&w->wqkv, k * H, n, H, H);
			snprintf(n, sizeof n, "transformer.layer.%d.attention.%s.bias", l, lin[k]);
			expect_values(w->bqkv + k * H, n, H);
		}
		snprintf(n, sizeof n, "transformer.layer.%d.attention.out_lin.weight", l);
		expect_lin(&w->wo, 0, n, H, H);
		snprintf(n, sizeof n, "transformer.layer.%d.sa_layer_norm.weight", l);
		expect_values(w->ln1_g, n, H);
		snprintf(n, sizeof n, "transformer.layer.%d.ffn.lin1.weight", l);
		expect_lin(&w->w1, 0, n, F, H);
		snprintf(n, sizeof n, "transformer.layer.%d.ffn.lin2.bias", l);
		expect_values(w->b2, n, H);
		snprintf(n, sizeof n, "transformer.layer.%d.output_layer_norm.bias", l);
		expect_values(w->ln2_b, n, H);
	}
	assert_int_equal(m->has_mlm, o->mlm);
	if (o->mlm) {
		expect_lin(&m->mlm_w, 0, "vocab_transform.weight", H, H);
		expect_values(m->mlm_ln_g, "vocab_layer_norm.weight", H);
		expect_values(m->mlm_bias, "vocab_projector.bias", V);
		expect_lin(&m->mlm_dec, 0, o->untied_decoder ? "vocab_projector.weight" :
			   "embeddings.word_embeddings.weight", V, H);
		if (!o->untied_decoder)
			assert_ptr_equal(m->mlm_dec.data, m->word_emb.data);
	}
	done(m, dir);
}

static void
test_distilbert(void **state)
{
	check_distil(&(tiny_opts){.distil = true, .prefix = "distilbert.", .mlm = true});
	check_distil(&(tiny_opts){.distil = true, .prefix = "", .dtype = "F16"});
	check_distil(&(tiny_opts){.distil = true, .prefix = "distilbert.", .mlm = true,
	    .untied_decoder = true});
}

/* The load must fail with HEED_EFORMAT and exactly this message. */
static void
expect_load_error(const tiny_opts *o, const char *msg)
{
	char *dir = tmp_dir(), *want = xasprintf("%s/model.safetensors: %s", dir, msg);
	model *m = (model *)1;
	heed_err e = {""};

	tiny_write(dir, o);
	assert_int_equal(model_load(dir, &m, &e), HEED_EFORMAT);
	assert_null(m);
	assert_string_equal(e.msg, want);
	free(want);
	rm_tree(dir);
	free(dir);
}

static void
test_missing_tensor(void **state)
{
	expect_load_error(&(tiny_opts){.prefix = "bert.",
	    .skip = "encoder.layer.1.attention.self.key.bias"},
	    "missing tensor bert.encoder.layer.1.attention.self.key.bias");
	expect_load_error(&(tiny_opts){.prefix = "", .mlm = true,
	    .skip = "cls.predictions.transform.LayerNorm.bias"},
	    "missing tensor cls.predictions.transform.LayerNorm.bias");
	expect_load_error(&(tiny_opts){.distil = true, .prefix = "distilbert.",
	    .skip = "transformer.layer.0.ffn.lin2.weight"},
	    "missing tensor distilbert.transformer.layer.0.ffn.lin2.weight");
	/* e.g. a RoBERTa file: nothing under any accepted name */
	expect_load_error(&(tiny_opts){.prefix = "roberta."},
	    "missing tensor embeddings.word_embeddings.weight (with or without the "
	    "\"bert.\" prefix); not a BERT checkpoint?");
}

static void
test_wrong_shape(void **state)
{
	expect_load_error(&(tiny_opts){.prefix = "",
	    .bad_shape = "encoder.layer.1.attention.self.query.weight"},
	    "encoder.layer.1.attention.self.query.weight has shape [9,8], expected [8,8]");
	expect_load_error(&(tiny_opts){.prefix = "bert.", .gamma_beta = true,
	    .bad_shape = "embeddings.LayerNorm.bias"},
	    "bert.embeddings.LayerNorm.beta has shape [9], expected [8]");
	expect_load_error(&(tiny_opts){.prefix = "bert.",
	    .bad_shape = "embeddings.word_embeddings.weight"},
	    "bert.embeddings.word_embeddings.weight has shape [17,8], expected [16,8]");
}

static void
test_truncated_file(void **state)
{
	char *dir = tmp_dir();
	tiny_opts o = {.prefix = "bert.", .mlm = true};
	model *m = NULL;
	heed_err e;
	uint8_t *img;
	size_t len;

	tiny_write(dir, &o);
	img = tiny_image(&o, &len);
	write_file(dir, "model.safetensors", img, len - 1);
	assert_int_equal(model_load(dir, &m, &e), HEED_EFORMAT);
	assert_null(m);
	assert_non_null(strstr(e.msg, "model.safetensors"));
	assert_non_null(strstr(e.msg, "truncated"));
	free(img);
	rm_tree(dir);
	free(dir);
}

static void
test_missing_files(void **state)
{
	char *dir = tmp_dir(), *p;
	model *m = NULL;
	heed_err e;

	assert_int_equal(model_load(dir, &m, &e), HEED_EIO);
	assert_non_null(strstr(e.msg, "config.json"));
	tiny_write(dir, &(tiny_opts){0});
	p = xasprintf("%s/model.safetensors", dir);
	remove(p);
	free(p);
	assert_int_equal(model_load(dir, &m, &e), HEED_EIO);
	assert_non_null(strstr(e.msg, "model.safetensors: not found"));
	assert_non_null(strstr(e.msg, "model.safetensors or pytorch_model.bin"));
	/* now read, and refused as what it is */
	write_file(dir, "pytorch_model.bin", "PK", 2);
	assert_int_equal(model_load(dir, &m, &e), HEED_EFORMAT);
	assert_non_null(strstr(e.msg, "pytorch_model.bin: neither a zip archive nor a pickle"));
	assert_null(m);
	rm_tree(dir);
	free(dir);
}

/* A config that disagrees with the weights is a shape error, not a crash. */
static void
test_config_mismatch(void **state)
{
	static const char cfg[] = "{\"model_type\":\"bert\",\"vocab_size\":16,\"hidden_size\":8,"
	    "\"num_hidden_layers\":3,\"num_attention_heads\":2,\"intermediate_size\":12,"
	    "\"max_position_embeddings\":10}";
	char *dir = tmp_dir(), *want;
	model *m = NULL;
	heed_err e;

	tiny_write(dir, &(tiny_opts){0});
	write_file(dir, "config.json", cfg, strlen(cfg));
	assert_int_equal(model_load(dir, &m, &e), HEED_EFORMAT);
	want = xasprintf("%s/model.safetensors: missing tensor "
	    "encoder.layer.2.attention.self.query.weight", dir);
	assert_string_equal(e.msg, want);
	free(want);
	rm_tree(dir);
	free(dir);
}

static void
test_hub_display_name(void **state)
{
	char *root = tmp_dir(), *dir = xasprintf("%s/models--org--tiny/snapshots/abc", root);
	char *mk = xasprintf("mkdir -p '%s'", dir);
	model *m = NULL;
	heed_err e;

	assert_int_equal(system(mk), 0);
	tiny_write(dir, &(tiny_opts){0});
	assert_int_equal(model_load(dir, &m, &e), HEED_OK);
	assert_string_equal(m->name, "org/tiny");
	model_free(m);
	free(mk);
	free(dir);
	dir = xasprintf("%s/plain/", root);
	mk = xasprintf("mkdir -p '%s'", dir);
	assert_int_equal(system(mk), 0);
	tiny_write(dir, &(tiny_opts){0});
	assert_int_equal(model_load(dir, &m, &e), HEED_OK);
	assert_string_equal(m->name, "plain");
	model_free(m);
	model_free(NULL);
	free(mk);
	free(dir);
	rm_tree(root);
	free(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bert_bare),
		cmocka_unit_test(test_bert_prefixed_mlm),
		cmocka_unit_test(test_bert_gamma_beta),
		cmocka_unit_test(test_bert_decoders),
		cmocka_unit_test(test_bert_dtypes),
		cmocka_unit_test(test_distilbert),
		cmocka_unit_test(test_missing_tensor),
		cmocka_unit_test(test_wrong_shape),
		cmocka_unit_test(test_truncated_file),
		cmocka_unit_test(test_missing_files),
		cmocka_unit_test(test_config_mismatch),
		cmocka_unit_test(test_hub_display_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
