/* test_model_fam2.c — ModernBERT's and DeBERTa-v2/v3's config.json as the
 * published checkpoints write it, what heed refuses in them (with a
 * message naming the key), ModernBERT's layer windows and DeBERTa's
 * relative position buckets. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "heed/model.h"
#include "encoder_int.h"

/* answerdotai/ModernBERT-base's config.json (the keys that matter) */
static const char modernbert_base[] =
    "{\"architectures\":[\"ModernBertForMaskedLM\"],\"model_type\":\"modernbert\","
    "\"vocab_size\":50368,\"hidden_size\":768,\"intermediate_size\":1152,"
    "\"num_hidden_layers\":22,\"num_attention_heads\":12,\"hidden_activation\":\"gelu\","
    "\"max_position_embeddings\":8192,\"norm_eps\":1e-05,\"norm_bias\":false,"
    "\"attention_bias\":false,\"mlp_bias\":false,\"decoder_bias\":true,"
    "\"classifier_activation\":\"gelu\",\"classifier_bias\":false,"
    "\"global_attn_every_n_layers\":3,\"local_attention\":128,"
    "\"global_rope_theta\":160000.0,\"local_rope_theta\":10000.0,"
    "\"pad_token_id\":50283,\"cls_token_id\":50281,\"sep_token_id\":50282}";

/* microsoft/deberta-v3-base */
static const char deberta_v3_base[] =
    "{\"model_type\":\"deberta-v2\",\"attention_probs_dropout_prob\":0.1,"
    "\"hidden_act\":\"gelu\",\"hidden_dropout_prob\":0.1,\"hidden_size\":768,"
    "\"initializer_range\":0.02,\"intermediate_size\":3072,\"max_position_embeddings\":512,"
    "\"relative_attention\":true,\"position_buckets\":256,\"norm_rel_ebd\":\"layer_norm\","
    "\"share_att_key\":true,\"pos_att_type\":\"p2c|c2p\",\"layer_norm_eps\":1e-7,"
    "\"max_relative_positions\":-1,\"position_biased_input\":false,"
    "\"num_attention_heads\":12,\"num_hidden_layers\":12,\"type_vocab_size\":0,"
    "\"vocab_size\":128100}";

static int
parse(const char *json, model_config *c, heed_err *e)
{
	return config_parse(json, strlen(json), c, e);
}

/* base with its last '}' replaced by ,EXTRA} */
static int
parse_with(const char *base, const char *extra, model_config *c, heed_err *e)
{
	char buf[4096];

	snprintf(buf, sizeof buf, "%.*s,%s}", (int)strlen(base) - 1, base, extra);
	return parse(buf, c, e);
}

static void
test_modernbert_base(void **st)
{
	model_config c;
	heed_err e;

	(void)st;
	assert_int_equal(parse(modernbert_base, &c, &e), HEED_OK);
	assert_int_equal(c.arch, MODEL_ARCH_MODERNBERT);
	assert_int_equal(c.hidden, 768);
	assert_int_equal(c.ffn, 1152);
	assert_int_equal(c.layers, 22);
	assert_int_equal(c.type_vocab, 0);
	assert_float_equal(c.ln_eps, 1e-5f, 0);
	assert_float_equal(c.rope_global, 160000.0f, 0);
	assert_float_equal(c.rope_local, 10000.0f, 0);
	assert_false(c.norm_bias || c.attn_bias || c.mlp_bias || c.head_bias);
	assert_true(c.dec_bias);
	/* layers 0, 3, 6, ... global; the others see 64 tokens each side */
	for (int l = 0; l < c.layers; l++)
		assert_int_equal(model_layer_window(&c, l), l % 3 == 0 ? -1 : 64);
	/* transformers >= 4.56 writes the same as layer_types and rope_parameters */
	assert_int_equal(parse_with(modernbert_base, "\"layer_types\":[\"full_attention\","
	    "\"sliding_attention\",\"sliding_attention\",\"full_attention\",\"sliding_attention\","
	    "\"sliding_attention\",\"full_attention\",\"sliding_attention\",\"sliding_attention\","
	    "\"full_attention\",\"sliding_attention\",\"sliding_attention\",\"full_attention\","
	    "\"sliding_attention\",\"sliding_attention\",\"full_attention\",\"sliding_attention\","
	    "\"sliding_attention\",\"full_attention\",\"sliding_attention\",\"sliding_attention\","
	    "\"full_attention\"],\"rope_parameters\":{\"full_attention\":{\"rope_type\":\"default\","
	    "\"rope_theta\":80000.0},\"sliding_attention\":{\"rope_type\":\"default\","
	    "\"rope_theta\":5000.0}}", &c, &e), HEED_OK);
	assert_float_equal(c.rope_global, 80000.0f, 0);
	assert_float_equal(c.rope_local, 5000.0f, 0);
	/* other families have no windows */
	c.arch = MODEL_ARCH_BERT;
	assert_int_equal(model_layer_window(&c, 1), -1);
}

static void
test_modernbert_refused(void **st)
{
	model_config c;
	heed_err e;

	(void)st;
	assert_int_equal(parse_with(modernbert_base, "\"layer_types\":[\"full_attention\"]", &c, &e),
			 HEED_EFORMAT);
	assert_non_null(strstr(e.msg, "layer_types"));
	assert_int_equal(parse_with(modernbert_base, "\"rope_scaling\":{\"rope_type\":\"linear\","
	    "\"factor\":2.0}", &c, &e), HEED_EFORMAT);
	assert_non_null(strstr(e.msg, "rope"));
	assert_int_equal(parse_with(modernbert_base, "\"global_rope_theta\":-1", &c, &e), HEED_EFORMAT);
	assert_non_null(strstr(e.msg, "global_rope_theta"));
	assert_int_equal(parse_with(modernbert_base, "\"norm_bias\":\"no\"", &c, &e), HEED_EFORMAT);
	assert_non_null(strstr(e.msg, "norm_bias"));
	/* 768 / 256 = 3: an odd head size cannot be rotated in pairs */
	assert_int_equal(parse_with(modernbert_base, "\"num_attention_heads\":256", &c, &e),
			 HEED_EFORMAT);
	assert_non_null(strstr(e.msg, "odd"));
}

static void
test_deberta_v3_base(void **st)
{
	model_config c;
	heed_err e;
	/* make_log_bucket_position(r, 256, 512), from tools/reference (float32) */
	static const int r[] = { 0, 1, -1, 127, 128, 129, -129, 200, 300, 511, 512, 1000, -1000, 4000 };
	static const int b[] = { 0, 1, -1, 127, 128, 129, -129, 169, 207, 255, 256, 317, -317, 444 };

	(void)st;
	assert_int_equal(parse(deberta_v3_base, &c, &e), HEED_OK);
	assert_int_equal(c.arch, MODEL_ARCH_DEBERTA_V2);
	assert_int_equal(c.type_vocab, 0);
	assert_false(c.pos_input);
	assert_int_equal(c.rel_buckets, 256);
	assert_int_equal(c.rel_max, 512);   /* -1: max_position_embeddings */
	assert_int_equal(c.rel_span, 256);
	assert_true(c.rel_c2p && c.rel_p2c && c.rel_share_key && c.rel_norm);
	assert_int_equal(c.rel_terms, 2);
	assert_float_equal(c.ln_eps, 1e-7f, 0);
	for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
		int want = b[i] + 256 < 0 ? 0 : b[i] + 256 > 511 ? 511 : b[i] + 256;
		assert_int_equal(enc_deberta_index(&c, r[i]), want);
	}
	assert_int_equal(model_layer_window(&c, 3), -1);
	/* DeBERTa-v2 style: no buckets, distances clamped at max_relative_positions */
	assert_int_equal(parse_with(deberta_v3_base, "\"position_buckets\":-1,"
	    "\"max_relative_positions\":6,\"pos_att_type\":[\"c2p\"]", &c, &e), HEED_OK);
	assert_int_equal(c.rel_span, 6);
	assert_true(c.rel_c2p && !c.rel_p2c);
	assert_int_equal(c.rel_terms, 1);
	assert_int_equal(enc_deberta_index(&c, 5), 11);
	assert_int_equal(enc_deberta_index(&c, 9), 11);
	assert_int_equal(enc_deberta_index(&c, -9), 0);
	/* relative_attention false: plain BERT attention */
	assert_int_equal(parse_with(deberta_v3_base, "\"relative_attention\":false", &c, &e), HEED_OK);
	assert_int_equal(c.rel_span, 0);
	assert_int_equal(c.rel_terms, 0);
}

static void
test_deberta_refused(void **st)
{
	model_config c;
	heed_err e;

	(void)st;
	/* deberta-v2-xlarge's convolution layer */
	assert_int_equal(parse_with(deberta_v3_base, "\"conv_kernel_size\":3", &c, &e), HEED_EFORMAT);
	assert_non_null(strstr(e.msg, "conv_kernel_size"));
	assert_int_equal(parse_with(deberta_v3_base, "\"embedding_size\":128", &c, &e), HEED_EFORMAT);
	assert_non_null(strstr(e.msg, "embedding_size"));
	assert_int_equal(parse_with(deberta_v3_base, "\"attention_head_size\":32", &c, &e), HEED_EFORMAT);
	assert_non_null(strstr(e.msg, "attention_head_size"));
	assert_int_equal(parse_with(deberta_v3_base, "\"position_buckets\":2000", &c, &e), HEED_EFORMAT);
	assert_non_null(strstr(e.msg, "position_buckets"));
	assert_int_equal(parse_with(deberta_v3_base, "\"norm_rel_ebd\":7", &c, &e), HEED_EFORMAT);
	assert_non_null(strstr(e.msg, "norm_rel_ebd"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modernbert_base),
		cmocka_unit_test(test_modernbert_refused),
		cmocka_unit_test(test_deberta_v3_base),
		cmocka_unit_test(test_deberta_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
