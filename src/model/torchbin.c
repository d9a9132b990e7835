/* torchbin.c — pytorch_model.bin in both of torch.save's formats.
 *
 * Zip (torch >= 1.6): an archive whose entries share one top folder
 * (named after the file torch.save wrote to, "archive" for a buffer):
 * FOLDER/data.pkl is the state dict's pickle and FOLDER/data/KEY the raw
 * bytes of each storage the pickle's persistent ids name.  libzip reads
 * the archive (central directory checked against the local headers, CRC
 * of every entry checked as it is read); each storage is read once,
 * straight into one buffer the tensors then point into, as safetensors'
 * data is.
 *
 * Legacy (torch < 1.6, _use_new_zipfile_serialization=False): five things
 * back to back: pickles of the magic number, protocol version 1001 and
 * sys_info; the state dict's pickle; a pickle of the list of storage keys;
 * then, for each key in that order, its element count as a little-endian
 * int64 and its bytes.  The file is read into memory whole (as a
 * safetensors file is) and the tensors point into it.
 *
 * Both pickles go through pickle.c, which runs nothing.
 */
#define _POSIX_C_SOURCE 200809L
#include "heed/weights.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "pickle.h"

/* data.pkl of a large model is a few hundred KB: anything this big is not
 * a state dict. */
#define PT_MAX_PICKLE (256u << 20)

/* ---- legacy ------------------------------------------------------------ */

/* The storages' bytes after the pickles, in the key list's order. */
static int
legacy_storages(const uint8_t *buf, size_t len, size_t pos, const char *name, pk_dict *d,
		const int *order, int n, heed_err *e)
{
	for (int i = 0; i < n; i++) {
		pk_storage *s = &d->s[order[i]];
		uint64_t numel;

		if (len - pos < 8)
			return err_set(e, HEED_EFORMAT, "%s: ends before storage %s (truncated file?)",
			    name, s->key);
		numel = 0;
		for (int k = 7; k >= 0; k--)
			numel = numel << 8 | buf[pos + (size_t)k];
		pos += 8;
		if (numel != s->numel)
			return err_set(e, HEED_EFORMAT, "%s: storage %s holds %llu elements, the "
			    "pickle said %llu", name, s->key, (unsigned long long)numel,
			    (unsigned long long)s->numel);
		if (numel * s->elem > len - pos)
			return err_set(e, HEED_EFORMAT, "%s: storage %s runs past the end of the file "
			    "(truncated file?)", name, s->key);
		s->data = buf + pos;
		pos += (size_t)numel * s->elem;
	}
	return HEED_OK;
}

int
pt_parse_legacy(const uint8_t *buf, size_t len, const char *name, st_file *f, heed_err *e)
{
	size_t pos = 0, used = 0;
	int *order = NULL, n = 0, rc;
	pk_dict d = {0};

	memset(f, 0, sizeof *f);
	rc = pk_legacy_header(buf, len, name, &used, e);
	pos += used;
	if (rc == HEED_OK && (rc = pk_state_dict(buf + pos, len - pos, name, true, &used, &d, e)) ==
	    HEED_OK)
		pos += used;
	if (rc == HEED_OK &&
	    (rc = pk_storage_keys(buf + pos, len - pos, name, &d, &used, &order, &n, e)) == HEED_OK)
		pos += used;
	if (rc == HEED_OK)
		rc = legacy_storages(buf, len, pos, name, &d, order, n, e);
	if (rc == HEED_OK)
		rc = pk_to_st(&d, name, f, e);
	free(order);
	pk_dict_free(&d);
	if (rc < 0)
		st_close(f);
	return rc;
}

/* ---- zip --------------------------------------------------------------- */

static int
zip_fail(const char *name, const char *what, zip_error_t *ze, heed_err *e)
{
	int rc = err_set(e, HEED_EFORMAT, "%s: %s: %s", name, what, zip_error_strerror(ze));

	zip_error_fini(ze);
	return rc;
}

/* Entry idx, exactly n bytes, into dst.  Reading one byte more lets libzip
 * reach the end of the entry, where it checks the CRC. */
static int
zip_read_entry(zip_t *z, zip_uint64_t idx, void *dst, zip_uint64_t n, const char *name,
	       const char *entry, heed_err *e)
{
	zip_file_t *zf = zip_fopen_index(z, idx, 0);
	zip_uint64_t got = 0;
	zip_int64_t r = 0;
	char extra;

	if (zf == NULL)
		return zip_fail(name, entry, zip_get_error(z), e);
	while (got < n && (r = zip_fread(zf, (char *)dst + got, n - got)) > 0)
		got += (zip_uint64_t)r;
	if (r >= 0 && got == n)
		r = zip_fread(zf, &extra, 1);
	if (r != 0 || got != n) {
		int rc = r < 0 ? err_set(e, HEED_EFORMAT, "%s: %s: %s", name, entry,
		    zip_error_strerror(zip_file_get_error(zf))) :
		    err_set(e, HEED_EFORMAT, "%s: %s is not the %llu bytes its header says", name,
		    entry, (unsigned long long)n);
		zip_fclose(zf);
		return rc;
	}
	zip_fclose(zf);
	return HEED_OK;
}

/* FOLDER/leaf: its index and size, or an error naming it. */
static int
zip_entry(zip_t *z, const char *prefix, const char *leaf, const char *name,
	  zip_uint64_t *idx, zip_uint64_t *size, heed_err *e)
{
	char *path = xasprintf("%s/%s", prefix, leaf);
	zip_int64_t i = zip_name_locate(z, path, ZIP_FL_ENC_RAW);
	zip_stat_t st;
	int rc = HEED_OK;

	zip_stat_init(&st);
	if (i < 0)
		rc = err_set(e, HEED_EFORMAT, "%s: the archive has no %s", name, path);
	else if (zip_stat_index(z, (zip_uint64_t)i, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
		rc = zip_fail(name, path, zip_get_error(z), e);
	free(path);
	if (rc == HEED_OK) {
		*idx = (zip_uint64_t)i;
		*size = st.size;
	}
	return rc;
}

/* The top folder every entry of a torch.save archive is in. */
static int
zip_prefix(zip_t *z, const char *name, char **prefix, heed_err *e)
{
	const char *first = zip_get_name(z, 0, ZIP_FL_ENC_RAW), *slash;

	if (first == NULL || (slash = strchr(first, '/')) == NULL || slash == first)
		return err_set(e, HEED_EFORMAT, "%s: a zip archive, but not one torch.save wrote "
		    "(no FOLDER/data.pkl)", name);
	*prefix = xasprintf("%.*s", (int)(slash - first), first);
	return HEED_OK;
}

/* Every storage's entry, read into one buffer (f->map). */
static int
zip_storages(zip_t *z, const char *prefix, const char *name, pk_dict *d, st_file *f,
	     heed_err *e)
{
	zip_uint64_t *idx = xcalloc((size_t)d->ns + 1, sizeof *idx), size;
	size_t total = 0, off = 0;
	int rc = HEED_OK, i;

	for (i = 0; rc == HEED_OK && i < d->ns; i++) {
		pk_storage *s = &d->s[i];
		char *leaf = xasprintf("data/%s", s->key);

		rc = zip_entry(z, prefix, leaf, name, &idx[i], &size, e);
		if (rc == HEED_OK && size != s->numel * s->elem)
			rc = err_set(e, HEED_EFORMAT, "%s: %s/%s holds %llu bytes; the pickle says "
			    "%llu elements of %zu", name, prefix, leaf, (unsigned long long)size,
			    (unsigned long long)s->numel, s->elem);
		if (rc == HEED_OK && size > SIZE_MAX - total)
			rc = err_set(e, HEED_EFORMAT, "%s: storages too large", name);
		total += (size_t)size;
		free(leaf);
	}
	if (rc == HEED_OK && total > 0) {
		f->map = util_big_alloc(total);
		f->map_len = total;
	}
	for (i = 0; rc == HEED_OK && i < d->ns; i++) {
		pk_storage *s = &d->s[i];
		char *entry = xasprintf("%s/data/%s", prefix, s->key);
		size_t n = (size_t)(s->numel * s->elem);

		if (n > 0) {
			rc = zip_read_entry(z, idx[i], (uint8_t *)f->map + off, n, name, entry, e);
			s->data = (uint8_t *)f->map + off;
			off += n;
		}
		free(entry);
	}
	free(idx);
	return rc;
}

/* Optional FOLDER/byteorder (torch >= 2.1): "little" or "big". */
static int
zip_byteorder(zip_t *z, const char *prefix, const char *name, heed_err *e)
{
	char *path = xasprintf("%s/byteorder", prefix), order[8] = {0};
	zip_int64_t i = zip_name_locate(z, path, ZIP_FL_ENC_RAW);
	zip_stat_t st;
	int rc = HEED_OK;

	free(path);
	if (i < 0)
		return HEED_OK;
	if (zip_stat_index(z, (zip_uint64_t)i, 0, &st) != 0 || st.size > 6)
		return err_set(e, HEED_EFORMAT, "%s: unreadable byteorder record", name);
	rc = zip_read_entry(z, (zip_uint64_t)i, order, st.size, name, "byteorder", e);
	if (rc == HEED_OK && strcmp(order, "little") != 0)
		rc = err_set(e, HEED_EFORMAT, "%s: written on a big-endian machine; heed reads "
		    "little-endian checkpoints", name);
	return rc;
}

static int
zip_parse(zip_t *z, const char *name, st_file *f, heed_err *e)
{
	zip_uint64_t idx, size;
	char *prefix = NULL;
	uint8_t *pkl = NULL;
	pk_dict d = {0};
	size_t used;
	int rc;

	rc = zip_prefix(z, name, &prefix, e);
	if (rc == HEED_OK) {
		char *ts = xasprintf("%s/constants.pkl", prefix);
		if (zip_name_locate(z, ts, ZIP_FL_ENC_RAW) >= 0)
			rc = err_set(e, HEED_EFORMAT, "%s: a TorchScript archive (torch.jit.save); "
			    "heed reads state dicts (torch.save, save_pretrained)", name);
		free(ts);
	}
	if (rc == HEED_OK)
		rc = zip_byteorder(z, prefix, name, e);
	if (rc == HEED_OK)
		rc = zip_entry(z, prefix, "data.pkl", name, &idx, &size, e);
	if (rc == HEED_OK && size > PT_MAX_PICKLE)
		rc = err_set(e, HEED_EFORMAT, "%s: a %llu-byte data.pkl is not a state dict", name,
		    (unsigned long long)size);
	if (rc == HEED_OK) {
		pkl = xmalloc(size ? (size_t)size : 1);
		rc = zip_read_entry(z, idx, pkl, size, name, "data.pkl", e);
	}
	if (rc == HEED_OK)
		rc = pk_state_dict(pkl, (size_t)size, name, false, &used, &d, e);
	free(pkl);
	if (rc == HEED_OK)
		rc = zip_storages(z, prefix, name, &d, f, e);
	if (rc == HEED_OK) {
		void *map = f->map;
		size_t map_len = f->map_len;

		rc = pk_to_st(&d, name, f, e);
		f->map = map;
		f->map_len = map_len;
	}
	pk_dict_free(&d);
	free(prefix);
	return rc;
}

/* Open the archive from src (consumed) and read it. */
static int
zip_from_source(zip_source_t *src, const char *name, st_file *f, heed_err *e)
{
	zip_error_t ze;
	zip_t *z;
	int rc;

	memset(f, 0, sizeof *f);
	zip_error_init(&ze);
	z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
	if (z == NULL) {
		zip_source_free(src);
		return zip_fail(name, "not a readable zip archive", &ze, e);
	}
	zip_error_fini(&ze);
	rc = zip_parse(z, name, f, e);
	zip_discard(z);
	if (rc < 0)
		st_close(f);
	return rc;
}

int
pt_parse_zip(const uint8_t *buf, size_t len, const char *name, st_file *f, heed_err *e)
{
	zip_error_t ze;
	zip_source_t *src;

	memset(f, 0, sizeof *f);
	zip_error_init(&ze);
	src = zip_source_buffer_create(buf, len, 0, &ze);
	if (src == NULL)
		return zip_fail(name, "zip", &ze, e);
	zip_error_fini(&ze);
	return zip_from_source(src, name, f, e);
}

/* ---- either ------------------------------------------------------------ */

int
pt_open(const char *path, st_file *f, wt_format *fmt, heed_err *e)
{
	uint8_t head[4] = {0};
	size_t size;
	ssize_t r;
	int fd, rc;

	memset(f, 0, sizeof *f);
	/* never blocks on a FIFO, refuses devices and folders */
	if ((rc = util_open_input(path, false, &fd, &size, e)) < 0)
		return rc;
	r = pread(fd, head, sizeof head, 0);
	close(fd);
	if (r == 4 && memcmp(head, "PK\x03\x04", 4) == 0) {
		zip_error_t ze;
		zip_source_t *src;

		*fmt = WT_TORCH_ZIP;
		zip_error_init(&ze);
		if ((src = zip_source_file_create(path, 0, -1, &ze)) == NULL)
			return zip_fail(path, "zip", &ze, e);
		zip_error_fini(&ze);
		return zip_from_source(src, path, f, e);
	}
	if (r < 1 || head[0] != 0x80)
		return err_set(e, HEED_EFORMAT, "%s: neither a zip archive nor a pickle; not a "
		    "checkpoint torch.save wrote", path);
	*fmt = WT_TORCH_LEGACY;
	return st_open_with(path, pt_parse_legacy, f, e);
}
