/* util.h — allocation that never returns NULL, errors and their exit
 * status, number options, the PRNG, growable strings, whole-file I/O.
 *
 * Out of memory is not recoverable in heed: the wrappers run the hook the
 * front end registered (the explorer restores the terminal), print one line
 * and exit with status 3 (as redis's zmalloc gives up).  Every other failure
 * is recoverable: a function returns a negative HEED_E* code and fills a
 * heed_err with one human-readable line naming the file and the problem.
 * The code is the error's type: heed_exit_code() alone turns it into the
 * process exit status, so no caller ever decides by the message text.
 */
#ifndef HEED_UTIL_H
#define HEED_UTIL_H

#include <stdbool.h>
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
	HEED_EWRITE = -7,     /* an output could not be written (disk full, EFBIG...) */
	HEED_ENOMEM = -8,     /* out of memory where it can be reported */
	HEED_ENOCALIB = -9,   /* a head mode needs calibration data there is none of */
};

/* The longest input the explorer and calibration work on (heed_token_cap
 * in open.h caps it by the model's positions).  Attention is quadratic in
 * it (layers x heads x n x n floats are kept), and 128 tokens is a long
 * sentence. */
#define HEED_MAX_TOKENS 128

/* Exit status: 0 success, 1 usage, 2 bad input file or model, 3 runtime
 * failure (out of memory, I/O and write errors). */
enum { HEED_EXIT_USAGE = 1, HEED_EXIT_BADFILE = 2, HEED_EXIT_RUNTIME = 3 };

/* The exit status for a HEED_E* code (HEED_OK: 0). */
int heed_exit_code(int code);

typedef struct heed_err {
	char msg[512];
} heed_err;

/* Fill e (if non-NULL) with a printf-style message; returns code. */
int err_set(heed_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Run fn (once) before an out-of-memory exit: the explorer registers the
 * function that gives the terminal back.  NULL removes it. */
void util_set_oom_hook(void (*fn)(void));
/* Report running out of memory for n bytes and exit with status 3. */
_Noreturn void util_oom(size_t n);

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* argv[0..argc) joined by single spaces, malloc'd: a sentence typed as
 * several shell words. */
char *util_join_args(int argc, char *const *argv);

/* A growable byte string: s is NUL-terminated once anything (even "") was
 * added, n excludes the NUL.  Start from { 0 }; free(b.s) when done, or set
 * n to 0 to reuse the memory. */
typedef struct util_buf {
	char *s;
	size_t n, cap;
} util_buf;
void util_buf_add(util_buf *b, const char *s, size_t n);
void util_buf_puts(util_buf *b, const char *s);

/* Large buffers (model weights, the file they come from) in huge pages where
 * the kernel offers them: one fault per 2 MB instead of one per 4 KB, which
 * is most of a cold start.  Free with the same size. */
void *util_big_alloc(size_t n);
void util_big_free(void *p, size_t n);

/* Read a whole file into a NUL-terminated buffer; *len excludes the NUL. */
int util_read_file(const char *path, char **out, size_t *len, heed_err *e);

/* Write a file atomically: path.tmp.PID, fsync, rename over path.  On any
 * failure the previous file at path is untouched and the temp file removed
 * (HEED_EWRITE).  A symbolic link is followed, and stays a link; a FIFO or
 * a character device (/dev/stdout, /dev/null) is written into, never
 * replaced. */
int util_write_atomic(const char *path, const void *data, size_t len, heed_err *e);

/* Before a long run, fail fast if path cannot be written: a folder or
 * another non-file (HEED_EINVAL), a folder that does not take a new file
 * (HEED_EWRITE; proven by creating and removing the temporary file). */
int util_output_ready(const char *path, heed_err *e);
/* Do a and b name the same existing file (any path, links, sub/../)? */
bool util_same_file(const char *a, const char *b);

/* Open path for reading without ever blocking on a FIFO: O_NONBLOCK, then
 * fstat.  A regular file is accepted (its size in *size), a pipe or FIFO
 * only with allow_pipe (*size 0); a folder, a device or a socket is refused
 * naming the path, like what cannot be opened (HEED_EIO).
 * The descriptor returned in *fd is blocking again. */
int util_open_input(const char *path, bool allow_pipe, int *fd, size_t *size, heed_err *e);

/* Read a whole regular file (or pipe, with allow_pipe) without blocking on
 * a FIFO or reading an endless device: anything else is refused naming the
 * path (HEED_EIO), and a file over max_len bytes too (HEED_EFORMAT; 0: no
 * limit). */
int util_read_input(const char *path, bool allow_pipe, size_t max_len, char **out,
		    size_t *len, heed_err *e);

/* Number options: the whole of s, decimal (or 0x hex with base 0), in
 * [lo, hi].  HEED_EINVAL with a message quoting s and the range otherwise
 * ("--top-k: '0' is not a number from 1 to 100"). */
int util_parse_long(const char *opt, const char *s, long lo, long hi, long *out, heed_err *e);
int util_parse_int(const char *opt, const char *s, int lo, int hi, int *out, heed_err *e);
int util_parse_u64(const char *opt, const char *s, uint64_t *out, heed_err *e);
/* A real number option: the whole of s, decimal, in [lo, hi], as
 *   [-]digits[.digits][e[+-]digits]   or   [-].digits[e[+-]digits]
 * ('-' only when lo < 0).  Refused like util_parse_long's ("--max-loss:
 * 'x' is not a number from 0 to 1"): the empty string, leading space or
 * '+', trailing junk, hex floats, inf and nan in any spelling, and a value
 * strtod cannot represent (ERANGE, over- or underflow).  The decimal point
 * is '.' whatever LC_NUMERIC says: strtod runs under the C locale
 * (uselocale), so "0,5" is refused and "0.5" read the same in every
 * locale; should the C locale object not be had (newlocale fails, out of
 * memory), strtod runs in the caller's locale, whose point may differ. */
int util_parse_double(const char *opt, const char *s, double lo, double hi, double *out,
		      heed_err *e);

/* The one PRNG: splitmix64 (Steele, Lea and Flood 2014).  util_mix64 is its
 * finaliser; util_splitmix64 advances *state and returns the next output;
 * util_uniform01 gives a double in [0, 1) from the top 53 bits. */
#define UTIL_SPLITMIX_GAMMA 0x9E3779B97F4A7C15ULL
uint64_t util_mix64(uint64_t z);
uint64_t util_splitmix64(uint64_t *state);
double util_uniform01(uint64_t *state);

/* Text safe for a terminal: control bytes (ESC, BEL, CR...) and DEL become
 * '?', so a file name or a spec echoed in a message cannot drive the
 * terminal.  Writes at most cap-1 bytes and a NUL into out; returns out. */
char *util_term_safe(const char *s, char *out, size_t cap);

/* Monotonic clock in milliseconds. */
double util_now_ms(void);

/* IEEE binary16 → binary32, exact (subnormals too; inf and NaN keep their
 * class and the NaN payload's top bits). */
float util_half_to_float(uint16_t h);

/* 64-bit FNV-1a, used to tie calibration files to a model's configuration. */
uint64_t util_hash64(const void *data, size_t len, uint64_t seed);

#endif
