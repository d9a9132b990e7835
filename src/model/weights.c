/* weights.c — which files of a model folder hold its weights, and one
 * by-name index over all of them.
 *
 * The order is transformers' own (modeling_utils.from_pretrained):
 * model.safetensors, model.safetensors.index.json, pytorch_model.bin,
 * pytorch_model.bin.index.json.  Safetensors wins when a folder has both
 * because it is the format that cannot carry code and needs no unpickling.
 * Every file becomes an st_file; the set keeps them and a sorted array of
 * pointers to their tensors, so a lookup is a binary search and a name
 * present in two shards is found (and refused) once, at open.
 */
#define _POSIX_C_SOURCE 200809L
#include "heed/weights.h"

#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* More shards than any published checkpoint has; the cap keeps a hostile
 * index from opening thousands of files. */
#define WT_MAX_SHARDS 4096

struct wt_set {
	st_file *part;           /* one per file */
	int nparts;
	const st_tensor **byname; /* every tensor of every part, sorted by name */
	int n;
	wt_format format;
	char *path;              /* the file (or index) the user's folder gave */
};

/* Anything by that name counts: a FIFO or a folder there is then refused
 * by name when it is opened, rather than reported as missing. */
static bool
file_exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

const char *
wt_format_name(wt_format f)
{
	switch (f) {
	case WT_SAFETENSORS:
		return "safetensors";
	case WT_TORCH_ZIP:
		return "PyTorch zip";
	case WT_TORCH_LEGACY:
		return "PyTorch legacy";
	}
	return "?";
}

static int
byname_cmp(const void *a, const void *b)
{
	const st_tensor *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* Index every tensor of every part; a name twice is an error, since which
 * copy transformers would use depends on shard order. */
static int
wt_index(wt_set *w, heed_err *e)
{
	size_t total = 0;
	int i, j, k = 0;

	for (i = 0; i < w->nparts; i++)
		total += (size_t)w->part[i].n;
	w->byname = xcalloc(total ? total : 1, sizeof *w->byname);
	for (i = 0; i < w->nparts; i++)
		for (j = 0; j < w->part[i].n; j++)
			w->byname[k++] = &w->part[i].t[j];
	w->n = k;
	qsort(w->byname, (size_t)w->n, sizeof *w->byname, byname_cmp);
	for (i = 1; i < w->n; i++)
		if (strcmp(w->byname[i - 1]->name, w->byname[i]->name) == 0)
			return err_set(e, HEED_EFORMAT, "%s: tensor %s is stored twice (in two shards?)",
			    w->path, w->byname[i]->name);
	return HEED_OK;
}

const st_tensor *
wt_find(const wt_set *w, const char *name)
{
	st_tensor key = {.name = (char *)name};
	const st_tensor *kp = &key, *const *hit;

	hit = bsearch(&kp, w->byname, (size_t)w->n, sizeof *w->byname, byname_cmp);
	return hit != NULL ? *hit : NULL;
}

int
wt_count(const wt_set *w)
{
	return w->n;
}

const st_tensor *
wt_at(const wt_set *w, int i)
{
	return w->byname[i];
}

const char *
wt_path(const wt_set *w)
{
	return w->path;
}

int
wt_files(const wt_set *w)
{
	return w->nparts;
}

wt_format
wt_format_of(const wt_set *w)
{
	return w->format;
}

void
wt_close(wt_set *w)
{
	if (w == NULL)
		return;
	for (int i = 0; i < w->nparts; i++)
		st_close(&w->part[i]);
	free(w->part);
	free(w->byname);
	free(w->path);
	free(w);
}

/* One weights file of either family into part, its format into *fmt. */
static int
open_one(const char *path, bool torch, st_file *part, wt_format *fmt, heed_err *e)
{
	if (!torch) {
		*fmt = WT_SAFETENSORS;
		return st_open(path, part, e);
	}
	return pt_open(path, part, fmt, e);
}

/* A shard is a file beside the index: no folders, nothing hidden. */
static bool
shard_name_ok(const char *s)
{
	return s[0] != '\0' && s[0] != '.' && strchr(s, '/') == NULL && strchr(s, '\\') == NULL;
}

/* The distinct file names of weight_map, in first-seen order. */
static int
shard_names(const json_t *map, const char *index, const char ***names, int *n, heed_err *e)
{
	const char *key, **v = NULL;
	json_t *val;
	int i, cap = 0;

	*n = 0;
	json_object_foreach((json_t *)map, key, val) {
		const char *f = json_string_value(val);

		if (f == NULL || !shard_name_ok(f)) {
			free(v);
			return err_set(e, HEED_EFORMAT, "%s: weight_map entry %.200s does not name a "
			    "file in the same folder", index, key);
		}
		for (i = 0; i < *n && strcmp(v[i], f) != 0; i++)
			;
		if (i < *n)
			continue;
		if (*n == WT_MAX_SHARDS) {
			free(v);
			return err_set(e, HEED_EFORMAT, "%s: more than %d shards", index,
			    WT_MAX_SHARDS);
		}
		if (*n == cap)
			v = xrealloc(v, sizeof *v * (size_t)(cap = cap ? 2 * cap : 8));
		v[(*n)++] = f;
	}
	*names = v;
	return HEED_OK;
}

/* model.safetensors.index.json / pytorch_model.bin.index.json:
 * {"metadata": {...}, "weight_map": {"tensor": "shard file", ...}}. */
static int
open_sharded(wt_set *w, const char *dir, const char *index, bool torch, heed_err *e)
{
	json_error_t jerr;
	const json_t *map;
	const char **names = NULL;
	json_t *root = json_load_file(index, JSON_REJECT_DUPLICATES, &jerr);
	int n = 0, i, rc;

	if (root == NULL)
		return err_set(e, file_exists(index) ? HEED_EFORMAT : HEED_EIO,
		    "%s: %s (line %d)", index, jerr.text, jerr.line);
	map = json_object_get(root, "weight_map");
	if (!json_is_object(map) || json_object_size(map) == 0)
		rc = err_set(e, HEED_EFORMAT, "%s: no \"weight_map\" object naming the shards", index);
	else
		rc = shard_names(map, index, &names, &n, e);
	if (rc == HEED_OK)
		w->part = xcalloc((size_t)n, sizeof *w->part);
	for (i = 0; rc == HEED_OK && i < n; i++) {
		char *p = xasprintf("%s/%s", dir, names[i]);
		wt_format fmt;

		rc = open_one(p, torch, &w->part[i], &fmt, e);
		if (rc == HEED_OK) {
			w->nparts++;
			if (i == 0)
				w->format = fmt;
			else if (fmt != w->format)
				rc = err_set(e, HEED_EFORMAT, "%s: shards in two formats (%s and %s)",
				    p, wt_format_name(w->format), wt_format_name(fmt));
		}
		free(p);
	}
	free(names);
	json_decref(root);
	return rc;
}

/* Weights heed does not read, and what to do instead. */
static const struct {
	const char *suffix;
	const char *what;
	const char *instead;
} wt_foreign[] = {
	{"tf_model.h5", "TensorFlow weights",
	 "load it in transformers with from_tf=True and save_pretrained()"},
	{"flax_model.msgpack", "Flax weights",
	 "load it in transformers with from_flax=True and save_pretrained()"},
	{".gguf", "GGUF (llama.cpp) weights",
	 "use the original Hugging Face checkpoint"},
	{".onnx", "an ONNX export", "use the checkpoint it was exported from"},
};

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The first foreign weights file in dir (or its onnx/ folder, where
 * optimum puts exports), as an index into wt_foreign, or -1. */
static int
foreign_in(const char *dir, char **found)
{
	char *sub = xasprintf("%s/onnx", dir);
	const char *dirs[] = {dir, sub};
	int hit = -1;

	for (int d = 0; d < 2 && hit < 0; d++) {
		DIR *dp = opendir(dirs[d]);
		struct dirent *de;

		while (dp != NULL && hit < 0 && (de = readdir(dp)) != NULL)
			for (size_t k = 0; k < sizeof wt_foreign / sizeof wt_foreign[0]; k++)
				if (ends_with(de->d_name, wt_foreign[k].suffix)) {
					*found = xasprintf("%s%s", d ? "onnx/" : "", de->d_name);
					hit = (int)k;
					break;
				}
		if (dp != NULL)
			closedir(dp);
	}
	free(sub);
	return hit;
}

static int
no_weights(const char *dir, heed_err *e)
{
	char *found = NULL;
	int k = foreign_in(dir, &found), rc;

	if (k >= 0)
		rc = err_set(e, HEED_EFORMAT, "%s/%s: %s; heed reads model.safetensors or "
		    "pytorch_model.bin (or their sharded *.index.json): %s", dir, found,
		    wt_foreign[k].what, wt_foreign[k].instead);
	else
		rc = err_set(e, HEED_EIO, "%s/model.safetensors: not found (a model folder needs "
		    "config.json, a tokenizer, and model.safetensors or pytorch_model.bin)", dir);
	free(found);
	return rc;
}

int
wt_open(const char *dir, wt_set **out, heed_err *e)
{
	static const struct {
		const char *name;
		bool torch, sharded;
	} order[] = {
		{"model.safetensors", false, false},
		{"model.safetensors.index.json", false, true},
		{"pytorch_model.bin", true, false},
		{"pytorch_model.bin.index.json", true, true},
	};
	wt_set *w = xcalloc(1, sizeof *w);
	int rc = HEED_OK;
	size_t i;

	*out = NULL;
	for (i = 0; i < sizeof order / sizeof order[0]; i++) {
		w->path = xasprintf("%s/%s", dir, order[i].name);
		if (file_exists(w->path))
			break;
		free(w->path);
		w->path = NULL;
	}
	if (w->path == NULL)
		rc = no_weights(dir, e);
	else if (order[i].sharded)
		rc = open_sharded(w, dir, w->path, order[i].torch, e);
	else {
		w->part = xcalloc(1, sizeof *w->part);
		rc = open_one(w->path, order[i].torch, &w->part[0], &w->format, e);
		w->nparts = rc == HEED_OK;
	}
	if (rc == HEED_OK)
		rc = wt_index(w, e);
	if (rc < 0) {
		wt_close(w);
		return rc;
	}
	*out = w;
	return HEED_OK;
}
