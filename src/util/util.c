/* util.c — allocation wrappers, errors and exit codes, number options, the
 * PRNG, growable strings, whole-file I/O. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE  /* MAP_ANONYMOUS, MADV_HUGEPAGE */
#endif
#include "heed/util.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int
err_set(heed_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (e != NULL) {
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		va_end(ap);
	}
	return code;
}

int
heed_exit_code(int code)
{
	switch (code) {
	case HEED_OK:
		return 0;
	case HEED_EINVAL:
		return HEED_EXIT_USAGE;
	case HEED_EIO:
	case HEED_EFORMAT:
	case HEED_EMISMATCH:
	case HEED_ENOTFOUND:
	case HEED_ENOCALIB:
		return HEED_EXIT_BADFILE;
	default:   /* HEED_EWRITE, HEED_ENOMEM, HEED_ECANCELED, anything unknown */
		return HEED_EXIT_RUNTIME;
	}
}

/* The front end's last word before an out-of-memory exit (the explorer
 * leaves curses mode).  Set once at start-up, before any thread exists. */
static void (*oom_hook)(void);

void
util_set_oom_hook(void (*fn)(void))
{
	oom_hook = fn;
}

/* Out of memory can happen on any thread: the first one to get here runs
 * the hook and exits; _exit, because atexit handlers and stdio flushing
 * could need the memory there is none of. */
_Noreturn void
util_oom(size_t n)
{
	static volatile int once;
	void (*hook)(void) = oom_hook;

	if (__sync_lock_test_and_set(&once, 1) == 0) {
		if (hook != NULL)
			hook();
		fprintf(stderr, "heed: out of memory (allocating %zu bytes)\n", n);
	}
	_exit(HEED_EXIT_RUNTIME);
}

#define oom util_oom

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

/* Huge pages only pay for whole 2 MB runs, so the mapping is rounded up; a
 * kernel without transparent huge pages (or with them off) just ignores the
 * advice and the buffer behaves like malloc's. */
#define BIG_PAGE ((size_t)2 << 20)

static size_t
big_round(size_t n)
{
	return n == 0 ? BIG_PAGE : (n + BIG_PAGE - 1) / BIG_PAGE * BIG_PAGE;
}

void *
util_big_alloc(size_t n)
{
	size_t len = big_round(n), head;
	/* over-map by one huge page, then trim to a 2 MB-aligned start: the
	 * kernel only backs aligned 2 MB runs with huge pages */
	uint8_t *raw = mmap(NULL, len + BIG_PAGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *p;

	if (raw == MAP_FAILED)
		oom(n);
	head = (BIG_PAGE - (uintptr_t)raw % BIG_PAGE) % BIG_PAGE;
	p = raw + head;
	if (head > 0)
		munmap(raw, head);
	munmap(p + len, BIG_PAGE - head);
#ifdef MADV_HUGEPAGE
	(void)madvise(p, len, MADV_HUGEPAGE);
#endif
	return p;
}

void
util_big_free(void *p, size_t n)
{
	if (p != NULL)
		munmap(p, big_round(n));
}

void *
xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);

	if (p == NULL)
		oom(count * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom(n);
	return q;
}

char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

/* Doubling keeps appends amortised O(1): tokenize writes a TSV row a
 * field at a time, the tokenizers build every piece this way. */
void
util_buf_add(util_buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = b->cap ? b->cap : 64;
		while (b->n + n + 1 > b->cap)
			b->cap *= 2;
		b->s = xrealloc(b->s, b->cap);
	}
	if (n > 0)
		memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

void
util_buf_puts(util_buf *b, const char *s)
{
	util_buf_add(b, s, strlen(s));
}

char *
util_join_args(int argc, char *const *argv)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = xcalloc(len, 1);
	for (int i = 0; i < argc; i++) {
		if (i > 0)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	s = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

static const char *
file_kind(mode_t m)
{
	return S_ISDIR(m) ? "a folder" : S_ISCHR(m) ? "a character device" :
	    S_ISBLK(m) ? "a block device" : S_ISFIFO(m) ? "a pipe" :
	    S_ISSOCK(m) ? "a socket" : "not a regular file";
}

int
util_open_input(const char *path, bool allow_pipe, int *fd, size_t *size, heed_err *e)
{
	struct stat sb;
	int f, flags, saved;

	*fd = -1;
	*size = 0;
	/* O_NONBLOCK: opening a FIFO nobody writes to returns at once */
	f = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (f < 0) {
		saved = errno;
		if (saved == ELOOP)
			return err_set(e, HEED_EIO, "%s: too many symbolic links (a link loop?)", path);
		return err_set(e, HEED_EIO, "%s: %s", path, strerror(saved));
	}
	if (fstat(f, &sb) != 0) {
		saved = errno;
		close(f);
		return err_set(e, HEED_EIO, "%s: %s", path, strerror(saved));
	}
	if (!S_ISREG(sb.st_mode) && !(allow_pipe && S_ISFIFO(sb.st_mode))) {
		close(f);
		return err_set(e, HEED_EIO, "%s: is %s, not a regular file", path,
		    file_kind(sb.st_mode));
	}
	flags = fcntl(f, F_GETFL);
	if (flags >= 0)
		(void)fcntl(f, F_SETFL, flags & ~O_NONBLOCK);
	*fd = f;
	*size = S_ISREG(sb.st_mode) ? (size_t)sb.st_size : 0;
	return HEED_OK;
}

int
util_read_input(const char *path, bool allow_pipe, size_t max_len, char **out, size_t *len,
		heed_err *e)
{
	char *buf = NULL;
	size_t cap = 0, n = 0, hint;
	int fd, rc, saved;

	if ((rc = util_open_input(path, allow_pipe, &fd, &hint, e)) < 0)
		return rc;
	if (max_len > 0 && hint > max_len) {
		close(fd);
		return err_set(e, HEED_EFORMAT, "%s: %zu bytes is too large (at most %zu)", path,
		    hint, max_len);
	}
	cap = hint > 0 ? hint + 1 : 65536;
	buf = xmalloc(cap + 1);
	for (;;) {
		ssize_t r;
		if (cap - n == 0) {
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			saved = errno;
			close(fd);
			free(buf);
			return err_set(e, HEED_EIO, "%s: read error: %s", path, strerror(saved));
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (max_len > 0 && n > max_len) {
			close(fd);
			free(buf);
			return err_set(e, HEED_EFORMAT, "%s: too large (over %zu bytes)", path, max_len);
		}
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	if (len != NULL)
		*len = n;
	return HEED_OK;
}

int
util_read_file(const char *path, char **out, size_t *len, heed_err *e)
{
	return util_read_input(path, false, 0, out, len, e);
}

int
util_parse_long(const char *opt, const char *s, long lo, long hi, long *out, heed_err *e)
{
	char *end;
	long v;

	errno = 0;
	/* strtol skips leading space and takes a sign: a number option is
	 * digits only, with one leading '-' when the range allows it */
	if ((s[0] < '0' || s[0] > '9') && !(s[0] == '-' && lo < 0 && s[1] >= '0' && s[1] <= '9'))
		v = 0, end = (char *)s;
	else
		v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno == ERANGE || v < lo || v > hi)
		return err_set(e, HEED_EINVAL, "%s: '%s' is not a number from %ld to %ld",
		    opt, s, lo, hi);
	*out = v;
	return HEED_OK;
}

int
util_parse_int(const char *opt, const char *s, int lo, int hi, int *out, heed_err *e)
{
	long v;
	int rc = util_parse_long(opt, s, lo, hi, &v, e);

	if (rc == HEED_OK)
		*out = (int)v;
	return rc;
}

int
util_parse_u64(const char *opt, const char *s, uint64_t *out, heed_err *e)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		return err_set(e, HEED_EINVAL, "%s: '%s' is not a number", opt, s);
	v = strtoull(s, &end, 0);
	if (*end != '\0' || errno == ERANGE)
		return err_set(e, HEED_EINVAL, "%s: '%s' is not a number from 0 to %llu", opt, s,
		    (unsigned long long)UINT64_MAX);
	*out = v;
	return HEED_OK;
}

/* Does s match util_parse_double's grammar (util.h) in full? */
static bool
real_syntax(const char *s, bool sign)
{
	size_t i = 0, whole, frac = 0;

	if (sign && s[i] == '-')
		i++;
	whole = strspn(s + i, "0123456789");
	i += whole;
	if (s[i] == '.') {
		frac = strspn(s + i + 1, "0123456789");
		i += 1 + frac;
	}
	if (whole + frac == 0)
		return false;
	if (s[i] == 'e' || s[i] == 'E') {
		size_t exp;
		i++;
		if (s[i] == '+' || s[i] == '-')
			i++;
		if ((exp = strspn(s + i, "0123456789")) == 0)
			return false;
		i += exp;
	}
	return s[i] == '\0';
}

int
util_parse_double(const char *opt, const char *s, double lo, double hi, double *out,
		  heed_err *e)
{
	double v = 0.0;
	bool ok = real_syntax(s, lo < 0.0);

	if (ok) {
		/* the grammar's '.' must be strtod's point: read under "C" */
		locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0), old = (locale_t)0;
		char *end;

		if (c != (locale_t)0)
			old = uselocale(c);
		errno = 0;
		v = strtod(s, &end);
		ok = *end == '\0' && errno != ERANGE && isfinite(v) && v >= lo && v <= hi;
		if (c != (locale_t)0) {
			uselocale(old);
			freelocale(c);
		}
	}
	if (!ok)
		return err_set(e, HEED_EINVAL, "%s: '%s' is not a number from %g to %g", opt, s,
		    lo, hi);
	*out = v;
	return HEED_OK;
}

uint64_t
util_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

uint64_t
util_splitmix64(uint64_t *state)
{
	return util_mix64(*state += UTIL_SPLITMIX_GAMMA);
}

double
util_uniform01(uint64_t *state)
{
	return (double)(util_splitmix64(state) >> 11) * 0x1.0p-53;
}

char *
util_term_safe(const char *s, char *out, size_t cap)
{
	size_t o = 0;

	if (cap == 0)
		return out;
	for (; *s != '\0' && o + 1 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		/* C1 controls too (U+0080..U+009F, UTF-8 C2 80..C2 9F): U+009B is
		 * CSI to terminals that take 8-bit controls */
		if (c == 0xC2 && (unsigned char)s[1] >= 0x80 && (unsigned char)s[1] <= 0x9F) {
			out[o++] = '?';
			s++;
			continue;
		}
		out[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	out[o] = '\0';
	return out;
}

/* After a rename the new name lives in the directory: without syncing it a
 * power loss could bring back the old file (never a corrupt one).  Failure
 * here is not reported, as the data itself is already safe. */
static void
sync_parent_dir(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int fd;

	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

static int
write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* A FIFO or a character device named as the output is written into, not
 * replaced: renaming a regular file over it would turn /dev/null into a
 * file, or take a reader's FIFO away.  O_NONBLOCK: a FIFO nobody reads
 * fails (ENXIO) instead of waiting forever; a reader gets 10 seconds to
 * turn up, as one started in the background just before heed needs. */
static int
write_special(const char *path, const void *data, size_t len, heed_err *e)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int fd, saved, flags;

	for (int tries = 0;; tries++) {
		fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd >= 0 || errno != ENXIO || tries == 1000)
			break;
		nanosleep(&tick, NULL);
	}
	if (fd < 0) {
		saved = errno;
		return err_set(e, HEED_EWRITE, "%s: %s", path, saved == ENXIO ?
		    "a FIFO nobody reads from" : strerror(saved));
	}
	if ((flags = fcntl(fd, F_GETFL)) >= 0)
		(void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	if (write_all(fd, data, len) != 0) {
		saved = errno;
		close(fd);
		return err_set(e, HEED_EWRITE, "%s: write failed: %s", path, strerror(saved));
	}
	if (close(fd) != 0)
		return err_set(e, HEED_EWRITE, "%s: write failed: %s", path, strerror(errno));
	return HEED_OK;
}

/* Where an output named path really goes: through symbolic links (so the
 * link stays a link and its target gets the new file), and whether that is
 * a FIFO or a character device.  Returns a malloc'd path. */
static char *
output_target(const char *path, bool *special)
{
	struct stat sb;
	char *real;

	*special = false;
	if (lstat(path, &sb) != 0)
		return xstrdup(path);
	if (S_ISLNK(sb.st_mode) && (real = realpath(path, NULL)) != NULL) {
		char *copy = xstrdup(real);   /* from our allocator, freed with free() */
		free(real);
		if (stat(copy, &sb) != 0) {
			free(copy);
			return xstrdup(path);
		}
		*special = S_ISFIFO(sb.st_mode) || S_ISCHR(sb.st_mode);
		return copy;
	}
	*special = S_ISFIFO(sb.st_mode) || S_ISCHR(sb.st_mode);
	return xstrdup(path);
}

int
util_output_ready(const char *path, heed_err *e)
{
	struct stat sb;
	bool special;
	char *target = output_target(path, &special), *tmp;
	int fd, saved, rc = HEED_OK;

	if (special) {
		free(target);
		return HEED_OK;   /* written into when the time comes */
	}
	if (stat(target, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		free(target);
		return err_set(e, HEED_EINVAL, "%s: is %s; the output must be a file", path,
		    file_kind(sb.st_mode));
	}
	/* the folder must take a new file: the same temporary the write uses */
	tmp = xasprintf("%s.tmp.%ld", target, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		saved = errno;
		rc = err_set(e, HEED_EWRITE, "%s: cannot write there: %s", path, strerror(saved));
	} else {
		close(fd);
		unlink(tmp);
	}
	free(tmp);
	free(target);
	return rc;
}

bool
util_same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	    sa.st_ino == sb.st_ino;
}

int
util_write_atomic(const char *path, const void *data, size_t len, heed_err *e)
{
	bool special;
	char *target = output_target(path, &special), *tmp;
	int fd, saved;

	if (special) {
		int rc = write_special(target, data, len, e);
		free(target);
		return rc;
	}
	tmp = xasprintf("%s.tmp.%ld", target, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		saved = errno;
		free(tmp);
		free(target);
		return err_set(e, HEED_EWRITE, "%s: cannot create temporary file: %s", path, strerror(saved));
	}
	if (write_all(fd, data, len) != 0)
		goto fail;
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, target) != 0)
		goto fail;
	sync_parent_dir(target);
	free(tmp);
	free(target);
	return HEED_OK;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	free(target);
	return err_set(e, HEED_EWRITE, "%s: write failed, previous file kept: %s", path, strerror(saved));
}

double
util_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

uint64_t
util_hash64(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = 1469598103934665603ULL ^ seed;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

float
util_half_to_float(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16;
	uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
	float f;

	if (exp == 0) {
		f = (float)man * 0x1p-24f;  /* exact: man < 2^10 */
		memcpy(&bits, &f, 4);
		bits |= sign;
	} else if (exp == 31) {
		bits = sign | 0x7f800000u | man << 13;
	} else {
		bits = sign | (exp + 112) << 23 | man << 13;
	}
	memcpy(&f, &bits, 4);
	return f;
}
