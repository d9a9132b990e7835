/* safetensors.c — read a .safetensors file and check every header field
 * against the bytes actually present before anything reads tensor data.
 *
 * Layout: 8-byte little-endian header length N, N bytes of JSON, raw data.
 * The file comes from the user, so a bad one must be a clear error, never a
 * crash: every offset, shape and dtype is validated here, once.
 */
#define _POSIX_C_SOURCE 200809L
#include "heed/model.h"
#include "heed/weights.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#endif

/* Real headers are a few hundred KB; anything near this is an attack or junk. */
#define ST_MAX_HEADER (100u << 20)
#define ST_MAX_DIMS 4

/* A validated header entry, whether or not it is kept in the tensor list. */
typedef struct st_range {
	size_t begin, end;
	const char *name;
} st_range;

/* Dtypes a checkpoint may legitimately carry that heed does not convert.
 * Integer and bool tensors are index buffers (position_ids, token_type_ids
 * in older checkpoints), never weights, so they are checked and skipped. */
static const struct {
	const char *name;
	size_t size;
} st_index_dtypes[] = {
	{"BOOL", 1}, {"U8", 1}, {"I8", 1}, {"I16", 2}, {"U16", 2},
	{"I32", 4}, {"U32", 4}, {"I64", 8}, {"U64", 8},
};

/* Float dtypes heed cannot convert: an error if a tensor uses one. */
static const char *const st_float_unsupported[] = {
	"F64", "F8_E4M3", "F8_E5M2", "F8_E4M3FN", "F8_E5M2FNUZ", "F8_E4M3FNUZ",
};

static size_t
st_elem_size(st_dtype dt)
{
	return dt == ST_F32 ? 4 : 2;
}

/* Weights and biases (and old LayerNorm gamma/beta) are parameters;
 * position_ids and the like are index buffers. */
static bool
st_is_parameter(const char *tname)
{
	static const char *const leaf[] = { ".weight", ".bias", ".gamma", ".beta" };
	size_t n = strlen(tname);

	for (size_t i = 0; i < sizeof leaf / sizeof leaf[0]; i++) {
		size_t k = strlen(leaf[i]);
		if (n >= k && strcmp(tname + n - k, leaf[i]) == 0)
			return true;
	}
	return false;
}

/* Returns 1 for a convertible dtype, 0 for a skipped index dtype, or an
 * error code for anything else. */
static int
st_dtype_parse(const char *s, const char *file, const char *tname,
	       st_dtype *dt, size_t *elem, heed_err *e)
{
	static const char *const names[] = {"F32", "F16", "BF16"};
	size_t i;

	for (i = 0; i < 3; i++) {
		if (strcmp(s, names[i]) == 0) {
			*dt = (st_dtype)i;
			*elem = st_elem_size(*dt);
			return 1;
		}
	}
	for (i = 0; i < sizeof st_index_dtypes / sizeof st_index_dtypes[0]; i++) {
		if (strcmp(s, st_index_dtypes[i].name) != 0)
			continue;
		/* index buffers are skipped; a parameter in an integer dtype would
		 * otherwise be reported as missing, which it is not */
		if (st_is_parameter(tname))
			return err_set(e, HEED_EFORMAT,
			    "%s: tensor %s has dtype %s; heed reads F32, F16 and BF16 weights",
			    file, tname, s);
		*elem = st_index_dtypes[i].size;
		return 0;
	}
	for (i = 0; i < sizeof st_float_unsupported / sizeof st_float_unsupported[0]; i++) {
		if (strcmp(s, st_float_unsupported[i]) == 0)
			return err_set(e, HEED_EFORMAT,
			    "%s: tensor %s has dtype %s; heed reads F32, F16 and BF16 weights",
			    file, tname, s);
	}
	return err_set(e, HEED_EFORMAT, "%s: tensor %s has unknown dtype \"%.32s\"",
	    file, tname, s);
}

/* JSON integer in [0, max] into *out. */
static int
st_json_size(const json_t *v, uint64_t max, uint64_t *out)
{
	json_int_t x;

	if (!json_is_integer(v))
		return -1;
	x = json_integer_value(v);
	if (x < 0 || (uint64_t)x > max)
		return -1;
	*out = (uint64_t)x;
	return 0;
}

/* shape -> ndim, dims and element count, refusing products that overflow. */
static int
st_parse_shape(const json_t *shape, const char *file, const char *tname,
	       st_tensor *t, size_t *count, heed_err *e)
{
	size_t i, n = 1;
	uint64_t d;

	if (!json_is_array(shape))
		return err_set(e, HEED_EFORMAT, "%s: tensor %s: \"shape\" is not an array",
		    file, tname);
	if (json_array_size(shape) > ST_MAX_DIMS)
		return err_set(e, HEED_EFORMAT, "%s: tensor %s has %zu dimensions (at most %d)",
		    file, tname, json_array_size(shape), ST_MAX_DIMS);
	t->ndim = (int)json_array_size(shape);
	for (i = 0; i < (size_t)t->ndim; i++) {
		if (st_json_size(json_array_get(shape, i), INT64_MAX, &d) != 0)
			return err_set(e, HEED_EFORMAT,
			    "%s: tensor %s: shape[%zu] is not a non-negative integer",
			    file, tname, i);
		t->shape[i] = (int64_t)d;
		if (d != 0 && n > SIZE_MAX / d)
			return err_set(e, HEED_EFORMAT,
			    "%s: tensor %s: shape product overflows", file, tname);
		n *= (size_t)d;
	}
	*count = n;
	return HEED_OK;
}

static int
st_parse_offsets(const json_t *off, size_t data_len, const char *file,
		 const char *tname, st_range *r, heed_err *e)
{
	uint64_t b, end;

	if (!json_is_array(off) || json_array_size(off) != 2 ||
	    st_json_size(json_array_get(off, 0), UINT64_MAX, &b) != 0 ||
	    st_json_size(json_array_get(off, 1), UINT64_MAX, &end) != 0)
		return err_set(e, HEED_EFORMAT,
		    "%s: tensor %s: \"data_offsets\" is not [begin, end]", file, tname);
	if (b > end)
		return err_set(e, HEED_EFORMAT,
		    "%s: tensor %s: data_offsets [%llu, %llu] end before they begin", file, tname,
		    (unsigned long long)b, (unsigned long long)end);
	if (end > data_len)
		return err_set(e, HEED_EFORMAT,
		    "%s: tensor %s: data_offsets [%llu, %llu] outside the %zu data bytes "
		    "(truncated file?)", file, tname,
		    (unsigned long long)b, (unsigned long long)end, data_len);
	r->begin = (size_t)b;
	r->end = (size_t)end;
	return HEED_OK;
}

/* One header entry.  Returns 1 when t was filled, 0 when the entry is a
 * skipped index tensor, or an error code. */
static int
st_parse_entry(const char *tname, const json_t *v, const uint8_t *data,
	       size_t data_len, const char *file, st_tensor *t, st_range *r,
	       heed_err *e)
{
	const json_t *dt = json_object_get(v, "dtype");
	size_t count = 0, elem = 0;
	int keep, rc;

	if (!json_is_object(v))
		return err_set(e, HEED_EFORMAT, "%s: tensor %s: entry is not an object", file, tname);
	if (dt == NULL)
		return err_set(e, HEED_EFORMAT, "%s: tensor %s: \"dtype\" missing", file, tname);
	if (!json_is_string(dt))
		return err_set(e, HEED_EFORMAT, "%s: tensor %s: \"dtype\" is %s, not a name such "
		    "as \"F32\"", file, tname, json_is_number(dt) ? "a number" : "not a string");
	keep = st_dtype_parse(json_string_value(dt), file, tname, &t->dtype, &elem, e);
	if (keep < 0)
		return keep;
	if ((rc = st_parse_shape(json_object_get(v, "shape"), file, tname, t, &count, e)) < 0)
		return rc;
	if ((rc = st_parse_offsets(json_object_get(v, "data_offsets"), data_len, file,
	    tname, r, e)) < 0)
		return rc;
	if (count > SIZE_MAX / elem || count * elem != r->end - r->begin)
		return err_set(e, HEED_EFORMAT,
		    "%s: tensor %s: shape needs %zu elements of %zu bytes but data_offsets "
		    "span %zu bytes", file, tname, count, elem, r->end - r->begin);
	r->name = tname;
	t->data = data + r->begin;
	t->nbytes = r->end - r->begin;
	return keep;
}

/* Names end up in error messages on the user's terminal: no escapes. */
static bool
st_name_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static int
st_range_cmp(const void *a, const void *b)
{
	const st_range *x = a, *y = b;

	if (x->begin != y->begin)
		return x->begin < y->begin ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

/* Two tensors sharing bytes would let one write alias another's weights.
 * Sorted by begin, each non-empty range must start at or after the furthest
 * end seen so far (empty tensors occupy nothing and may sit anywhere). */
static int
st_check_overlap(st_range *r, size_t n, const char *file, heed_err *e)
{
	const st_range *far = NULL;
	size_t i;

	qsort(r, n, sizeof *r, st_range_cmp);
	for (i = 0; i < n; i++) {
		if (r[i].begin == r[i].end)
			continue;
		if (far != NULL && r[i].begin < far->end)
			return err_set(e, HEED_EFORMAT,
			    "%s: tensors %s and %s overlap (data_offsets %zu..%zu and %zu..%zu)",
			    file, far->name, r[i].name, far->begin, far->end, r[i].begin, r[i].end);
		if (far == NULL || r[i].end > far->end)
			far = &r[i];
	}
	return HEED_OK;
}

static int
st_parse_header(const json_t *root, const uint8_t *data, size_t data_len,
		const char *file, st_file *out, heed_err *e)
{
	size_t cap = json_object_size(root), nr = 0;
	st_range *ranges = xcalloc(cap, sizeof *ranges);
	const char *key;
	json_t *v;
	int rc = HEED_OK;

	out->t = xcalloc(cap, sizeof *out->t);
	json_object_foreach((json_t *)root, key, v) {
		st_tensor *t = &out->t[out->n];

		if (strcmp(key, "__metadata__") == 0)
			continue;
		if (!st_name_ok(key)) {
			rc = err_set(e, HEED_EFORMAT, "%s: a tensor name contains control characters",
			    file);
			break;
		}
		rc = st_parse_entry(key, v, data, data_len, file, t, &ranges[nr], e);
		if (rc < 0)
			break;
		nr++;
		if (rc == 1) {
			t->name = xstrdup(key);
			out->n++;
		}
		rc = HEED_OK;
	}
	if (rc == HEED_OK)
		rc = st_check_overlap(ranges, nr, file, e);
	free(ranges);
	return rc;
}

int
st_parse(const uint8_t *buf, size_t len, const char *name, st_file *out, heed_err *e)
{
	json_error_t jerr;
	json_t *root;
	uint64_t n = 0;
	int i, rc;

	memset(out, 0, sizeof *out);
	if (len < 8)
		return err_set(e, HEED_EFORMAT, "%s: %zu bytes is too short for a safetensors header",
		    name, len);
	for (i = 7; i >= 0; i--)
		n = n << 8 | buf[i];
	if (n < 2 || n > len - 8 || n > ST_MAX_HEADER)
		return err_set(e, HEED_EFORMAT,
		    "%s: header length %llu does not fit a %zu-byte file (not a safetensors file?)",
		    name, (unsigned long long)n, len);
	root = json_loadb((const char *)buf + 8, (size_t)n, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return err_set(e, HEED_EFORMAT, "%s: header is not valid JSON: %s (column %d)",
		    name, jerr.text, jerr.column);
	if (!json_is_object(root)) {
		json_decref(root);
		return err_set(e, HEED_EFORMAT, "%s: header is not a JSON object", name);
	}
	rc = st_parse_header(root, buf + 8 + n, len - 8 - (size_t)n, name, out, e);
	json_decref(root);
	if (rc < 0)
		st_close(out);
	return rc;
}

/* The file is read into memory, not mapped.  A mapping turns a file that
 * shrinks while heed reads it (a download restarting, a checkout, a full
 * disk) into SIGBUS on the first lost page, which no error path can catch;
 * read() just comes up short and says so.  The copy costs one file's size
 * of memory until model_load has converted the weights and calls st_close
 * (tests/unit/test_truncate.c cuts the file mid-load). */
static int
st_read_all(int fd, uint8_t *buf, size_t len, const char *path, heed_err *e)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = pread(fd, buf + got, len - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return err_set(e, HEED_EIO, "%s: read: %s", path, strerror(errno));
		if (r == 0)
			return err_set(e, HEED_EIO, "%s: the file shrank from %zu to %zu bytes while "
			    "being read (changed on disk?)", path, len, got);
		got += (size_t)r;
	}
	return HEED_OK;
}

int
st_open_with(const char *path, st_parser parse, st_file *out, heed_err *e)
{
	struct stat sb;
	uint8_t *buf;
	size_t size, len;
	int fd, rc;

	memset(out, 0, sizeof *out);
	/* never blocks on a FIFO, refuses devices and folders */
	if ((rc = util_open_input(path, false, &fd, &size, e)) < 0)
		return rc;
	if (fstat(fd, &sb) != 0) {
		rc = err_set(e, HEED_EIO, "%s: %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	if (sb.st_size < 8) {
		close(fd);
		return err_set(e, HEED_EFORMAT, "%s: %lld bytes is too short for a weights file",
		    path, (long long)sb.st_size);
	}
	len = (size_t)sb.st_size;
	buf = util_big_alloc(len);
	rc = st_read_all(fd, buf, len, path, e);
	close(fd);
	if (rc == HEED_OK)
		rc = parse(buf, len, path, out, e);
	if (rc < 0) {
		util_big_free(buf, len);
		return rc;
	}
	out->map = buf;
	out->map_len = len;
	return HEED_OK;
}

int
st_open(const char *path, st_file *out, heed_err *e)
{
	return st_open_with(path, st_parse, out, e);
}

const st_tensor *
st_find(const st_file *f, const char *name)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->t[i].name, name) == 0)
			return &f->t[i];
	return NULL;
}

void
st_close(st_file *f)
{
	int i;

	for (i = 0; i < f->n; i++)
		free(f->t[i].name);
	free(f->t);
	util_big_free(f->map, f->map_len);
	memset(f, 0, sizeof *f);
}

/* The same conversion 8 halves at a time with the F16C instruction, which
 * x86 CPUs have had since 2012: converting one at a time was a third of the
 * bundled model's cold start.  Returns how many it converted; the caller
 * finishes the tail (and everything, elsewhere) with util_half_to_float. */
#if defined(__x86_64__) && defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
__attribute__((target("avx,f16c"))) static size_t
st_f16_f16c(const uint8_t *p, float *dst, size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		__m128i h = _mm_loadu_si128((const __m128i *)(const void *)(p + 2 * i));
		_mm256_storeu_ps(dst + i, _mm256_cvtph_ps(h));
	}
	return i;
}

static size_t
st_f16_bulk(const uint8_t *p, float *dst, size_t n)
{
	unsigned a, b, c, d;

	/* "avx" also checks that the OS saves the YMM state; clang has no
	 * "f16c" for __builtin_cpu_supports, so that bit comes from CPUID */
	if (__builtin_cpu_supports("avx") && __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C))
		return st_f16_f16c(p, dst, n);
	return 0;
}
#else
static size_t
st_f16_bulk(const uint8_t *p, float *dst, size_t n)
{
	(void)p, (void)dst, (void)n;
	return 0;
}
#endif

static void
st_f32_le(const uint8_t *p, float *dst, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(dst, p, n * 4);
#else
	for (size_t i = 0; i < n; i++) {
		uint32_t bits = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
		    (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
		memcpy(&dst[i], &bits, 4);
	}
#endif
}

/* Bytes are assembled explicitly (or memcpy'd): tensor data need not be
 * aligned, and the file is little-endian whatever the host is. */
void
st_to_f32(st_dtype dt, const void *src, float *dst, size_t n)
{
	const uint8_t *p = src;
	uint32_t bits;
	size_t i;

	switch (dt) {
	case ST_F32:
		st_f32_le(p, dst, n);
		break;
	case ST_F16:
		for (i = st_f16_bulk(p, dst, n); i < n; i++)
			dst[i] = util_half_to_float((uint16_t)(p[2 * i] | p[2 * i + 1] << 8));
		break;
	case ST_BF16:
		for (i = 0; i < n; i++) {
			bits = ((uint32_t)p[2 * i] | (uint32_t)p[2 * i + 1] << 8) << 16;
			memcpy(&dst[i], &bits, 4);
		}
		break;
	}
}
