/* util.h — allocation that never returns NULL, and error messages.
 *
 * Out of memory is not recoverable in heed: the wrappers print one line and
 * abort (as redis's zmalloc does).  Every other failure is recoverable: a
 * function returns a negative HEED_E* code and fills a heed_err with one
 * human-readable line naming the file and the problem.
 */
#ifndef HEED_UTIL_H
#define HEED_UTIL_H

#include <stddef.h>
#include <stdint.h>

enum {
	HEED_OK = 0,
	HEED_EIO = -1,        /* cannot open/read/write a file */
	HEED_EFORMAT = -2,    /* a file is malformed, truncated or inconsistent */
	HEED_EMISMATCH = -3,  /* files that do not belong together (calib vs model) */
	HEED_EINVAL = -4,     /* bad argument or user input */
	HEED_ECANCELED = -5,  /* a newer job superseded this one */
	HEED_ENOTFOUND = -6,  /* model name not found */
};

typedef struct heed_err {
	char msg[512];
} heed_err;

/* Fill e (if non-NULL) with a printf-style message; returns code. */
int err_set(heed_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Large buffers (model weights, the file they come from) in huge pages where
 * the kernel offers them: one fault per 2 MB instead of one per 4 KB, which
 * is most of a cold start.  Free with the same size. */
void *util_big_alloc(size_t n);
void util_big_free(void *p, size_t n);

/* Read a whole file into a NUL-terminated buffer; *len excludes the NUL. */
int util_read_file(const char *path, char **out, size_t *len, heed_err *e);

/* Write a file atomically: path.tmp.PID, fsync, rename over path.  On any
 * failure the previous file at path is untouched and the temp file removed. */
int util_write_atomic(const char *path, const void *data, size_t len, heed_err *e);

/* Monotonic clock in milliseconds. */
double util_now_ms(void);

/* IEEE binary16 → binary32, exact (subnormals too; inf and NaN keep their
 * class and the NaN payload's top bits). */
float util_half_to_float(uint16_t h);

/* 64-bit FNV-1a, used to tie calibration files to a model's configuration. */
uint64_t util_hash64(const void *data, size_t len, uint64_t seed);

#endif
