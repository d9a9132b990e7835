/* test_weights.c — which files of a folder wt_open reads: sharded
 * checkpoints through their index, the format preference, and one line for
 * folders holding only weights heed does not read. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "heed/weights.h"
#include "test_model_build.h"

/* A one-tensor safetensors file holding [n] F32 values start, start+1... */
static void
write_shard(const char *dir, const char *file, const char *const *names, int nt, float start)
{
	tb b;
	uint8_t *img;
	size_t len;

	tb_init(&b);
	for (int t = 0; t < nt; t++) {
		float v[3] = {start + 3 * t, start + 3 * t + 1, start + 3 * t + 2};
		tb_add_floats(&b, names[t], "F32", 1, (int64_t[]){3}, v);
	}
	img = tb_image(&b, &len);
	write_file(dir, file, img, len);
	free(img);
	tb_free(&b);
}

static const char index_json[] =
	"{\"metadata\":{\"total_size\":48},\"weight_map\":{"
	"\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00001-of-00002.safetensors\","
	"\"c\":\"model-00002-of-00002.safetensors\",\"d\":\"model-00002-of-00002.safetensors\"}}";

static char *
sharded_dir(void)
{
	char *dir = tmp_dir();

	write_shard(dir, "model-00001-of-00002.safetensors", (const char *[]){"a", "b"}, 2, 0);
	write_shard(dir, "model-00002-of-00002.safetensors", (const char *[]){"c", "d"}, 2, 100);
	write_file(dir, "model.safetensors.index.json", index_json, sizeof index_json - 1);
	return dir;
}

static void
test_sharded(void **state)
{
	char *dir = sharded_dir(), *want = xasprintf("%s/model.safetensors.index.json", dir);
	wt_set *w;
	heed_err e;
	float v[3];

	(void)state;
	if (wt_open(dir, &w, &e) != HEED_OK)
		fail_msg("wt_open: %s", e.msg);
	assert_int_equal(wt_files(w), 2);
	assert_int_equal(wt_format_of(w), WT_SAFETENSORS);
	assert_string_equal(wt_path(w), want);
	for (int t = 0; t < 4; t++) {
		const char name[2] = {(char)('a' + t), 0};
		const st_tensor *x = wt_find(w, name);

		assert_non_null(x);
		st_to_f32(x->dtype, x->data, v, 3);
		assert_true(v[0] == (float)(t < 2 ? 3 * t : 100 + 3 * (t - 2)));
	}
	assert_null(wt_find(w, "e"));
	wt_close(w);
	rm_tree(dir);
	free(dir);
	free(want);
}

/* A single file wins over an index, as in transformers. */
static void
test_prefers_single_safetensors(void **state)
{
	char *dir = sharded_dir();
	wt_set *w;
	heed_err e;

	(void)state;
	write_shard(dir, "model.safetensors", (const char *[]){"z"}, 1, 7);
	assert_int_equal(wt_open(dir, &w, &e), HEED_OK);
	assert_int_equal(wt_files(w), 1);
	assert_non_null(wt_find(w, "z"));
	assert_null(wt_find(w, "a"));
	wt_close(w);
	rm_tree(dir);
	free(dir);
}

static void
expect_error(const char *dir, int code, const char *a, const char *b)
{
	wt_set *w = (wt_set *)1;
	heed_err e;

	assert_int_equal(wt_open(dir, &w, &e), code);
	assert_null(w);
	if (strstr(e.msg, a) == NULL || (b != NULL && strstr(e.msg, b) == NULL))
		fail_msg("message \"%s\" lacks \"%s\" / \"%s\"", e.msg, a, b ? b : "");
	assert_null(strchr(e.msg, '\n'));
}

static void
test_shard_errors(void **state)
{
	char *dir = sharded_dir(), *p;
	static const char escape[] = "{\"weight_map\":{\"a\":\"../model.safetensors\"}}";
	static const char missing[] = "{\"weight_map\":{\"a\":\"model-00003-of-00003.safetensors\"}}";

	(void)state;
	/* "b" in both shards */
	write_shard(dir, "model-00002-of-00002.safetensors", (const char *[]){"c", "b"}, 2, 100);
	expect_error(dir, HEED_EFORMAT, "tensor b is stored twice", NULL);
	write_file(dir, "model.safetensors.index.json", escape, sizeof escape - 1);
	expect_error(dir, HEED_EFORMAT, "model.safetensors.index.json", "same folder");
	write_file(dir, "model.safetensors.index.json", missing, sizeof missing - 1);
	expect_error(dir, HEED_EIO, "model-00003-of-00003.safetensors", NULL);
	write_file(dir, "model.safetensors.index.json", "{}", 2);
	expect_error(dir, HEED_EFORMAT, "weight_map", NULL);
	write_file(dir, "model.safetensors.index.json", "{", 1);
	expect_error(dir, HEED_EFORMAT, "model.safetensors.index.json", NULL);
	p = xasprintf("%s/model-00001-of-00002.safetensors", dir);
	assert_int_equal(truncate(p, 20), 0);
	write_file(dir, "model.safetensors.index.json", index_json, sizeof index_json - 1);
	expect_error(dir, HEED_EFORMAT, "model-00001-of-00002.safetensors", NULL);
	free(p);
	rm_tree(dir);
	free(dir);
}

static void
test_foreign_formats(void **state)
{
	static const struct {
		const char *file, *what, *hint;
	} c[] = {
		{"tf_model.h5", "TensorFlow", "from_tf=True"},
		{"flax_model.msgpack", "Flax", "from_flax=True"},
		{"model-q4_0.gguf", "GGUF", "original Hugging Face checkpoint"},
		{"onnx/model.onnx", "ONNX", "exported from"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		char *dir = tmp_dir(), *sub = xasprintf("%s/onnx", dir);

		mkdir(sub, 0700);
		write_file(dir, c[i].file, "x", 1);
		expect_error(dir, HEED_EFORMAT, c[i].file, c[i].what);
		expect_error(dir, HEED_EFORMAT, "heed reads model.safetensors", c[i].hint);
		rm_tree(dir);
		free(dir);
		free(sub);
	}
}

static void
test_empty_folder(void **state)
{
	char *dir = tmp_dir();

	(void)state;
	expect_error(dir, HEED_EIO, "model.safetensors: not found", NULL);
	rm_tree(dir);
	free(dir);
}

/* Small torch.save files: values and dtypes come through both formats. */
static void
test_torch_small(void **state)
{
	static const struct {
		const char *file;
		st_dtype dt;
		float v[2];
	} c[] = {
		{"one_tensor_legacy.bin", ST_F32, {1, 2}}, {"one_tensor_zip.bin", ST_F32, {1, 2}},
		{"half_legacy.bin", ST_F16, {0, 1.875f}}, {"half_zip.bin", ST_F16, {0, 1.875f}},
		{"parameter_legacy.bin", ST_F32, {1, 2}}, {"parameter_zip.bin", ST_F32, {1, 2}},
	};

	(void)state;
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		char *p = xasprintf("%s/fixtures/bin/misc/%s", HEED_TESTDIR, c[i].file);
		wt_format fmt;
		st_file f;
		heed_err e;
		float v[2];

		if (pt_open(p, &f, &fmt, &e) != HEED_OK)
			fail_msg("%s: %s", c[i].file, e.msg);
		assert_int_equal(fmt, strstr(c[i].file, "zip") ? WT_TORCH_ZIP : WT_TORCH_LEGACY);
		assert_int_equal(f.n, 1);
		assert_string_equal(f.t[0].name, "w");
		assert_int_equal(f.t[0].dtype, c[i].dt);
		assert_int_equal(f.t[0].ndim, 1);
		assert_int_equal(f.t[0].shape[0], 2);
		st_to_f32(f.t[0].dtype, f.t[0].data, v, 2);
		assert_true(v[0] == c[i].v[0] && v[1] == c[i].v[1]);
		st_close(&f);
		free(p);
	}
}

/* Each hostile file: refused with one line naming it and the problem. */
static void
test_torch_hostile(void **state)
{
	static const struct {
		const char *file, *msg;
	} c[] = {
		{"os_system.bin", "refers to os.system, which is not part of a tensor state dict"},
		{"builtins_eval.bin", "refers to builtins.eval"},
		{"reduce_unknown.bin", "REDUCE of torch.FloatStorage"},
		{"newobj.bin", "opcode NEWOBJ builds an object"},
		{"truncated.bin", "not a readable zip archive"},
		{"past_end.bin", "not a readable zip archive"},
		{"size_past_storage.bin", "tensor w: 4 elements from offset 0 run past its storage of 2"},
		{"offset_past_storage.bin", "tensor w: 2 elements from offset 3 run past"},
		{"noncontiguous.bin", "tensor w is not contiguous"},
		{"short_storage.bin", "storage 0 holds 1 elements, the pickle said 2"},
		{"truncated_legacy.bin", "storage 0 runs past the end of the file"},
		{"short_entry.bin", "archive/data/0 holds 4 bytes"},
		{"no_stop.bin", "ends before STOP"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		char *p = xasprintf("%s/fixtures/bin/hostile/%s", HEED_TESTDIR, c[i].file);
		wt_format fmt;
		st_file f;
		heed_err e;

		assert_int_equal(pt_open(p, &f, &fmt, &e), HEED_EFORMAT);
		assert_true(f.n == 0 && f.t == NULL && f.map == NULL);
		if (strncmp(e.msg, p, strlen(p)) != 0 || strstr(e.msg, c[i].msg) == NULL)
			fail_msg("%s: message \"%s\" lacks \"%s\"", c[i].file, e.msg, c[i].msg);
		assert_null(strchr(e.msg, '\n'));
		free(p);
	}
}

/* Shards of torch files, and safetensors preferred over a .bin beside it. */
static void
test_torch_folders(void **state)
{
	char *dir = xasprintf("%s/fixtures/bin/zip-sharded", HEED_TESTDIR), *tmp = tmp_dir();
	wt_set *w;
	heed_err e;

	(void)state;
	if (wt_open(dir, &w, &e) != HEED_OK)
		fail_msg("wt_open: %s", e.msg);
	assert_int_equal(wt_files(w), 2);
	assert_int_equal(wt_format_of(w), WT_TORCH_ZIP);
	assert_non_null(wt_find(w, "bert.embeddings.word_embeddings.weight"));
	assert_non_null(wt_find(w, "cls.predictions.decoder.weight"));
	/* int64 buffers are checked and dropped, as in safetensors */
	assert_null(wt_find(w, "bert.embeddings.position_ids"));
	wt_close(w);
	write_shard(tmp, "model.safetensors", (const char *[]){"z"}, 1, 7);
	write_file(tmp, "pytorch_model.bin", "junk", 4);
	assert_int_equal(wt_open(tmp, &w, &e), HEED_OK);
	assert_int_equal(wt_format_of(w), WT_SAFETENSORS);
	wt_close(w);
	rm_tree(tmp);
	free(tmp);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sharded),
		cmocka_unit_test(test_prefers_single_safetensors),
		cmocka_unit_test(test_shard_errors),
		cmocka_unit_test(test_foreign_formats),
		cmocka_unit_test(test_empty_folder),
		cmocka_unit_test(test_torch_small),
		cmocka_unit_test(test_torch_hostile),
		cmocka_unit_test(test_torch_folders),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
