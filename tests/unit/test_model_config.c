/* test_model_config.c — config.json for BERT and DistilBERT, its errors,
 * and model_resolve against a fake Hugging Face cache. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700  /* setenv, utimes */
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>

#include "heed/calib.h"
#include "heed/model.h"
#include "test_model_build.h"

static const char bert_base[] =
    "{\"architectures\":[\"BertForMaskedLM\"],\"hidden_act\":\"gelu\",\"hidden_size\":768,"
    "\"intermediate_size\":3072,\"layer_norm_eps\":1e-12,\"max_position_embeddings\":512,"
    "\"model_type\":\"bert\",\"num_attention_heads\":12,\"num_hidden_layers\":12,"
    "\"position_embedding_type\":\"absolute\",\"type_vocab_size\":2,\"vocab_size\":30522}";

static const char distil_base[] =
    "{\"activation\":\"gelu\",\"architectures\":[\"DistilBertForMaskedLM\"],\"dim\":768,"
    "\"hidden_dim\":3072,\"max_position_embeddings\":512,\"model_type\":\"distilbert\","
    "\"n_heads\":12,\"n_layers\":6,\"vocab_size\":30522}";

static int
parse(const char *json, model_config *c, heed_err *e)
{
	return config_parse(json, strlen(json), c, e);
}

static void
test_bert(void **state)
{
	model_config c;
	heed_err e;

	assert_int_equal(parse(bert_base, &c, &e), HEED_OK);
	assert_int_equal(c.arch, MODEL_ARCH_BERT);
	assert_int_equal(c.vocab_size, 30522);
	assert_int_equal(c.hidden, 768);
	assert_int_equal(c.layers, 12);
	assert_int_equal(c.heads, 12);
	assert_int_equal(c.ffn, 3072);
	assert_int_equal(c.max_pos, 512);
	assert_int_equal(c.type_vocab, 2);
	assert_float_equal(c.ln_eps, 1e-12f, 0);
	assert_int_equal(c.act, MODEL_ACT_GELU);
	assert_true(c.lowercase);
}

static void
test_distilbert(void **state)
{
	model_config c;
	heed_err e;

	assert_int_equal(parse(distil_base, &c, &e), HEED_OK);
	assert_int_equal(c.arch, MODEL_ARCH_DISTILBERT);
	assert_int_equal(c.hidden, 768);
	assert_int_equal(c.layers, 6);
	assert_int_equal(c.heads, 12);
	assert_int_equal(c.ffn, 3072);
	assert_int_equal(c.type_vocab, 0);
	assert_float_equal(c.ln_eps, 1e-12f, 0);
	/* no model_type: the architectures list decides */
	assert_int_equal(parse("{\"architectures\":[\"DistilBertModel\"],\"dim\":4,\"n_layers\":1,"
	    "\"n_heads\":2,\"hidden_dim\":8,\"max_position_embeddings\":4,\"vocab_size\":3,"
	    "\"activation\":\"relu\",\"do_lower_case\":false}", &c, &e), HEED_OK);
	assert_int_equal(c.arch, MODEL_ARCH_DISTILBERT);
	assert_int_equal(c.act, MODEL_ACT_RELU);
	assert_false(c.lowercase);
}

static void
test_activations_and_defaults(void **state)
{
	static const char *const fmt = "{\"hidden_size\":8,\"num_hidden_layers\":1,"
	    "\"num_attention_heads\":2,\"intermediate_size\":8,\"max_position_embeddings\":4,"
	    "\"vocab_size\":3%s}";
	model_config c;
	heed_err e;
	char *j;

	j = xasprintf(fmt, "");
	assert_int_equal(parse(j, &c, &e), HEED_OK);
	assert_int_equal(c.act, MODEL_ACT_GELU);
	assert_int_equal(c.type_vocab, 2);
	free(j);
	j = xasprintf(fmt, ",\"hidden_act\":\"gelu_new\",\"layer_norm_eps\":1e-5,"
	    "\"type_vocab_size\":1");
	assert_int_equal(parse(j, &c, &e), HEED_OK);
	assert_int_equal(c.act, MODEL_ACT_GELU_TANH);
	assert_float_equal(c.ln_eps, 1e-5f, 0);
	assert_int_equal(c.type_vocab, 1);
	free(j);
	j = xasprintf(fmt, ",\"hidden_act\":\"gelu_pytorch_tanh\"");
	assert_int_equal(parse(j, &c, &e), HEED_OK);
	assert_int_equal(c.act, MODEL_ACT_GELU_TANH);
	free(j);
}

/* Each error is HEED_EFORMAT and names the key. */
static void
expect_err(const char *json, const char *needle)
{
	model_config c;
	heed_err e = {""};

	assert_int_equal(parse(json, &c, &e), HEED_EFORMAT);
	if (strstr(e.msg, needle) == NULL || strstr(e.msg, "config.json") == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", e.msg, needle);
}

static void
test_errors(void **state)
{
	static const char *const fmt = "{\"hidden_size\":%s,\"num_hidden_layers\":1,"
	    "\"num_attention_heads\":%s,\"intermediate_size\":8,\"max_position_embeddings\":4,"
	    "\"vocab_size\":3%s}";
	static const struct {
		const char *hidden, *heads, *extra, *needle;
	} cases[] = {
		{"8", "3", "", "not divisible"},
		{"0", "2", "", "\"hidden_size\" is 0"},
		{"-8", "2", "", "hidden_size"},
		{"2097152", "2", "", "hidden_size"},
		{"8.5", "2", "", "\"hidden_size\" is not an integer"},
		{"\"8\"", "2", "", "hidden_size"},
		{"8", "2", ",\"hidden_act\":\"swish\"", "hidden_act"},
		{"8", "2", ",\"layer_norm_eps\":-1", "layer_norm_eps"},
		{"8", "2", ",\"type_vocab_size\":0", "type_vocab_size"},
		{"8", "2", ",\"model_type\":\"gpt2\"", "model_type \"gpt2\" is not supported "
		    "(heed runs bert, distilbert, roberta, camembert, xlm-roberta, electra, albert"},
		{"8", "2", ",\"architectures\":[\"GPT2LMHeadModel\"]", "\"GPT2LMHeadModel\" is not"},
		/* another family whose classes start like RoBERTa's */
		{"8", "2", ",\"architectures\":[\"RobertaPreLayerNormForMaskedLM\"]",
		    "RobertaPreLayerNorm"},
		{"8", "2", ",\"model_type\":\"roberta\",\"pad_token_id\":3", "pad_token_id"},
		{"8", "2", ",\"model_type\":\"albert\",\"num_hidden_groups\":2", "num_hidden_groups"},
		{"8", "2", ",\"model_type\":\"albert\",\"embedding_size\":0", "embedding_size"},
		{"8", "2", ",\"position_embedding_type\":\"relative_key\"", "position_embedding_type"},
	};
	char *j;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		j = xasprintf(fmt, cases[i].hidden, cases[i].heads, cases[i].extra);
		expect_err(j, cases[i].needle);
		free(j);
	}
	expect_err("{\"vocab_size\":3,\"hidden_size\":8}", "missing key \"num_hidden_layers\"");
	expect_err("{\"model_type\":\"distilbert\",\"vocab_size\":3,\"dim\":8}",
	    "missing key \"n_layers\"");
	expect_err("{\"model_type\":\"distilbert\",\"dim\":8,\"n_layers\":1,\"n_heads\":3,"
	    "\"hidden_dim\":8,\"max_position_embeddings\":4,\"vocab_size\":3}", "dim 8");
	expect_err("{\"model_type\":\"roberta\",\"hidden_size\":8,\"num_hidden_layers\":1,"
	    "\"num_attention_heads\":2,\"intermediate_size\":8,\"max_position_embeddings\":2,"
	    "\"vocab_size\":3}", "max_position_embeddings 2 leaves no position after padding_idx 1");
	expect_err("{\"hidden_size\":", "not valid JSON");
	expect_err("[]", "not a JSON object");
}

/* Each family from model_type, the same from architectures alone, and the
 * fields in which it differs from BERT. */
static void
test_families(void **state)
{
	static const char *const fmt = "{\"hidden_size\":8,\"num_hidden_layers\":6,"
	    "\"num_attention_heads\":2,\"intermediate_size\":8,\"max_position_embeddings\":20,"
	    "\"vocab_size\":30%s}";
	static const struct {
		const char *extra;
		model_arch arch;
		int emb, pad_pos, max_tokens, layers, type_vocab;
		model_act act, head_act;
	} cases[] = {
		{",\"model_type\":\"bert\"", MODEL_ARCH_BERT, 8, -1, 20, 6, 2,
		    MODEL_ACT_GELU, MODEL_ACT_GELU},
		{",\"architectures\":[\"BertModel\"],\"hidden_act\":\"relu\"", MODEL_ARCH_BERT,
		    8, -1, 20, 6, 2, MODEL_ACT_RELU, MODEL_ACT_RELU},
		{",\"model_type\":\"roberta\",\"type_vocab_size\":1", MODEL_ARCH_ROBERTA, 8, 1, 18,
		    6, 1, MODEL_ACT_GELU, MODEL_ACT_GELU},
		{",\"model_type\":\"xlm-roberta\",\"pad_token_id\":0,\"hidden_act\":\"relu\"",
		    MODEL_ARCH_ROBERTA, 8, 0, 19, 6, 2, MODEL_ACT_RELU, MODEL_ACT_GELU},
		{",\"model_type\":\"camembert\"", MODEL_ARCH_ROBERTA, 8, 1, 18, 6, 2,
		    MODEL_ACT_GELU, MODEL_ACT_GELU},
		{",\"architectures\":[\"XLMRobertaForMaskedLM\"]", MODEL_ARCH_ROBERTA, 8, 1, 18, 6, 2,
		    MODEL_ACT_GELU, MODEL_ACT_GELU},
		{",\"model_type\":\"electra\",\"embedding_size\":4,\"hidden_act\":\"relu\"",
		    MODEL_ARCH_ELECTRA, 4, -1, 20, 6, 2, MODEL_ACT_RELU, MODEL_ACT_GELU},
		{",\"architectures\":[\"ElectraForPreTraining\"]", MODEL_ARCH_ELECTRA, 128, -1, 20,
		    6, 2, MODEL_ACT_GELU, MODEL_ACT_GELU},
		{",\"model_type\":\"albert\",\"embedding_size\":4,\"num_hidden_groups\":4,"
		    "\"inner_group_num\":2", MODEL_ARCH_ALBERT, 4, -1, 20, 12, 2,
		    MODEL_ACT_GELU_TANH, MODEL_ACT_GELU_TANH},
		{",\"architectures\":[\"AlbertForMaskedLM\"],\"hidden_act\":\"gelu\"",
		    MODEL_ARCH_ALBERT, 128, -1, 20, 6, 2, MODEL_ACT_GELU, MODEL_ACT_GELU},
	};
	model_config c;
	heed_err e;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *j = xasprintf(fmt, cases[i].extra);
		if (parse(j, &c, &e) != HEED_OK)
			fail_msg("%s: %s", j, e.msg);
		assert_int_equal(c.arch, cases[i].arch);
		assert_int_equal(c.emb, cases[i].emb);
		assert_int_equal(c.pad_pos, cases[i].pad_pos);
		assert_int_equal(c.max_tokens, cases[i].max_tokens);
		/* the layout has a slot for every position an input can reach, and no more */
		assert_int_equal(calib_default_L(&c), cases[i].max_tokens);
		assert_int_equal(c.layers, cases[i].layers);
		assert_int_equal(c.type_vocab, cases[i].type_vocab);
		assert_int_equal(c.act, cases[i].act);
		assert_int_equal(c.head_act, cases[i].head_act);
		free(j);
	}
	assert_string_equal(model_arch_name(MODEL_ARCH_ROBERTA), "RoBERTa");
}

/* ALBERT's rows and the weight sets they run (AlbertTransformer's
 * group_idx = int(i / (num_hidden_layers / num_hidden_groups))). */
static void
test_albert_sets(void **state)
{
	static const char *const fmt = "{\"model_type\":\"albert\",\"hidden_size\":8,"
	    "\"num_hidden_layers\":%d,\"num_hidden_groups\":%d,\"inner_group_num\":%d,"
	    "\"num_attention_heads\":2,\"intermediate_size\":8,\"max_position_embeddings\":20,"
	    "\"vocab_size\":30}";
	model_config c;
	heed_err e;
	char *j;

	j = xasprintf(fmt, 12, 1, 1);
	assert_int_equal(parse(j, &c, &e), HEED_OK);
	assert_int_equal(config_layer_sets(&c), 1);
	for (int r = 0; r < 12; r++)
		assert_int_equal(config_layer_set(&c, r), 0);
	free(j);
	/* 5 layers over 2 groups: 5 / 2 = 2.5, so rows 0-2 run group 0 */
	j = xasprintf(fmt, 5, 2, 1);
	assert_int_equal(parse(j, &c, &e), HEED_OK);
	assert_int_equal(config_layer_sets(&c), 2);
	static const int five[] = { 0, 0, 0, 1, 1 };
	for (int r = 0; r < 5; r++)
		assert_int_equal(config_layer_set(&c, r), five[r]);
	free(j);
	/* 3 layers of one group with 2 inner layers: 6 rows, sets 0 1 0 1 0 1 */
	j = xasprintf(fmt, 3, 1, 2);
	assert_int_equal(parse(j, &c, &e), HEED_OK);
	assert_int_equal(c.layers, 6);
	assert_int_equal(config_layer_sets(&c), 2);
	for (int r = 0; r < 6; r++)
		assert_int_equal(config_layer_set(&c, r), r % 2);
	free(j);
	/* BERT: every row its own */
	assert_int_equal(parse(bert_base, &c, &e), HEED_OK);
	assert_int_equal(config_layer_sets(&c), 12);
	assert_int_equal(config_layer_set(&c, 7), 7);
}

static void
test_hash(void **state)
{
	model_config a, b;
	heed_err e;

	assert_int_equal(parse(bert_base, &a, &e), HEED_OK);
	b = a;
	assert_true(config_hash(&a) == config_hash(&b));
	b.lowercase = !b.lowercase;  /* tokenizer only: same network */
	assert_true(config_hash(&a) == config_hash(&b));
	b = a;
	b.layers = 11;
	assert_true(config_hash(&a) != config_hash(&b));
	b = a;
	b.ln_eps = 1e-5f;
	assert_true(config_hash(&a) != config_hash(&b));
	b = a;
	b.act = MODEL_ACT_GELU_TANH;
	assert_true(config_hash(&a) != config_hash(&b));
	/* calibration files written before the families came keep their hash */
	assert_true(config_hash(&a) == 0x5a47516be018be08ULL);
	b = a;
	b.arch = MODEL_ARCH_ROBERTA;
	assert_true(config_hash(&a) != config_hash(&b));
	a = b;
	b.pad_pos = 0;
	assert_true(config_hash(&a) != config_hash(&b));
	b = a;
	b.emb = 4;
	assert_true(config_hash(&a) != config_hash(&b));
}

/* ---- files ------------------------------------------------------------ */

static void
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
mkdirs(const char *path)
{
	char *p = xstrdup(path);

	for (char *s = p + 1; *s; s++) {
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	}
	mkdir(p, 0755);
	free(p);
}

static void
test_load_casing(void **state)
{
	char *d = tmp_dir(), *cfg = xasprintf("%s/config.json", d);
	char *tok = xasprintf("%s/tokenizer_config.json", d);
	model_config c;
	heed_err e;

	put(cfg, bert_base);
	assert_int_equal(config_load(cfg, &c, &e), HEED_OK);
	assert_true(c.lowercase);
	put(tok, "{\"do_lower_case\": false, \"model_max_length\": 512}");
	assert_int_equal(config_load(cfg, &c, &e), HEED_OK);
	assert_false(c.lowercase);
	put(tok, "{\"do_lower_case\": ");
	assert_int_equal(config_load(cfg, &c, &e), HEED_EFORMAT);
	assert_non_null(strstr(e.msg, "tokenizer_config.json"));
	/* config.json's own key wins */
	put(cfg, "{\"do_lower_case\":true,\"hidden_size\":8,\"num_hidden_layers\":1,"
	    "\"num_attention_heads\":2,\"intermediate_size\":8,\"max_position_embeddings\":4,"
	    "\"vocab_size\":3}");
	assert_int_equal(config_load(cfg, &c, &e), HEED_OK);
	assert_true(c.lowercase);
	put(cfg, "{\"hidden_size\":8}");
	assert_int_equal(config_load(cfg, &c, &e), HEED_EFORMAT);
	assert_non_null(strstr(e.msg, cfg));  /* the real path, not "config.json" */
	remove(cfg);
	assert_int_equal(config_load(cfg, &c, &e), HEED_EIO);
	rm_tree(d);
	free(tok);
	free(cfg);
	free(d);
}

/* A fake hub cache: models--ORG--NAME/{refs/main, snapshots/<rev>/}. */
static char *
fake_repo(const char *home, const char *repo, const char *ref, const char *const *revs,
	  int nrev)
{
	char *root = xasprintf("%s/hub/%s", home, repo), *p;

	for (int i = 0; i < nrev; i++) {
		p = xasprintf("%s/snapshots/%s", root, revs[i]);
		mkdirs(p);
		free(p);
		p = xasprintf("%s/snapshots/%s/config.json", root, revs[i]);
		put(p, "{}");
		free(p);
	}
	if (ref != NULL) {
		p = xasprintf("%s/refs", root);
		mkdirs(p);
		free(p);
		p = xasprintf("%s/refs/main", root);
		put(p, ref);
		free(p);
	}
	return root;
}

static void
expect_resolves(const char *arg, const char *want)
{
	char *out = NULL;
	heed_err e;

	if (model_resolve(arg, &out, &e) != HEED_OK)
		fail_msg("%s: %s", arg, e.msg);
	assert_string_equal(out, want);
	free(out);
}

static void
set_mtime(const char *path, time_t t)
{
	struct timeval tv[2] = {{t, 0}, {t, 0}};

	utimes(path, tv);
}

static void
test_resolve_hub(void **state)
{
	static const char *const two[] = {"aaaa1111", "bbbb2222"};
	static const char *const one[] = {"cccc3333"};
	char *home = tmp_dir(), *r1, *r2, *r3, *want, *out = NULL;
	heed_err e;

	unsetenv("HF_HUB_CACHE");
	setenv("HF_HOME", home, 1);
	r1 = fake_repo(home, "models--bert-base-uncased", "aaaa1111\n", two, 2);
	r2 = fake_repo(home, "models--google--bert_uncased_L-2_H-128_A-2", NULL, one, 1);
	r3 = fake_repo(home, "models--org--stale", "deadbeef", two, 2);

	want = xasprintf("%s/snapshots/aaaa1111", r1);
	expect_resolves("bert-base-uncased", want);
	free(want);
	want = xasprintf("%s/snapshots/cccc3333", r2);
	expect_resolves("google/bert_uncased_L-2_H-128_A-2", want);
	free(want);
	/* refs/main names a missing snapshot: fall back to the newest one */
	want = xasprintf("%s/snapshots/aaaa1111", r3);
	set_mtime(want, 2000000000);
	free(want);
	want = xasprintf("%s/snapshots/bbbb2222", r3);
	set_mtime(want, 1000000000);
	free(want);
	want = xasprintf("%s/snapshots/aaaa1111", r3);
	expect_resolves("org/stale", want);
	free(want);

	assert_int_equal(model_resolve("org/absent", &out, &e), HEED_ENOTFOUND);
	assert_null(out);
	assert_non_null(strstr(e.msg, "models--org--absent"));
	assert_non_null(strstr(e.msg, home));
	assert_int_equal(model_resolve("/no/such/folder", &out, &e), HEED_ENOTFOUND);
	assert_int_equal(model_resolve("a/b/c", &out, &e), HEED_ENOTFOUND);
	assert_int_equal(model_resolve("../x", &out, &e), HEED_ENOTFOUND);
	/* an existing folder is used as is; a file is not a model */
	expect_resolves(home, home);
	want = xasprintf("%s/refs/main", r1);
	assert_int_equal(model_resolve(want, &out, &e), HEED_ENOTFOUND);
	assert_non_null(strstr(e.msg, "not a folder"));
	free(want);

	unsetenv("HF_HOME");
	rm_tree(home);
	free(r1);
	free(r2);
	free(r3);
	free(home);
}

static void
test_resolve_bundled(void **state)
{
	char *d = tmp_dir(), *out = NULL;
	heed_err e;

	setenv("HEED_MODEL_DIR", d, 1);
	expect_resolves(NULL, d);
	expect_resolves("", d);
	rmdir(d);
	assert_int_equal(model_resolve(NULL, &out, &e), HEED_ENOTFOUND);
	assert_non_null(strstr(e.msg, "HEED_MODEL_DIR"));
	unsetenv("HEED_MODEL_DIR");
	/* without the variable: the installed or source-tree heed-mini, or a
	 * message naming both places */
	if (model_resolve(NULL, &out, &e) == HEED_OK) {
		assert_non_null(strstr(out, "heed-mini"));
		free(out);
	} else {
		assert_non_null(strstr(e.msg, "assets/models/heed-mini"));
	}
	free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bert),
		cmocka_unit_test(test_distilbert),
		cmocka_unit_test(test_activations_and_defaults),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_albert_sets),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_load_casing),
		cmocka_unit_test(test_resolve_hub),
		cmocka_unit_test(test_resolve_bundled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
