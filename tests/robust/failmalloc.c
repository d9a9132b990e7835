/* failmalloc.c — an LD_PRELOAD shim for the fault-injection test: with
 * FAILMALLOC_AFTER=N in the environment, the first N calls to malloc,
 * calloc, realloc (and posix_memalign, aligned_alloc) succeed and every
 * later one fails, as when memory runs out for good.  Without it the shim
 * changes nothing.  FAILMALLOC_COUNT=1 prints the number of calls at exit
 * instead, so a test knows how far to sweep.
 *
 * Only calls made once main has started count: library initialisers that
 * run before it (libgfortran's, pulled in by OpenBLAS, recurses until the
 * stack overflows when malloc fails) are not heed's to handle.  The shim
 * wraps __libc_start_main to know when main starts.  glibc's __libc_*
 * entry points are the real allocator. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static long limit = -2;     /* -2: environment not read yet; -1: never fail */
static long calls;
static int counting;
static int in_main;

typedef int (*main_fn)(int, char **, char **);
static main_fn real_main;

static int
wrapped_main(int argc, char **argv, char **envp)
{
	__atomic_store_n(&in_main, 1, __ATOMIC_SEQ_CST);
	return real_main(argc, argv, envp);
}

int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void),
		      void (*fini)(void), void (*rtld_fini)(void), void *stack_end);

int
__libc_start_main(main_fn main, int argc, char **argv, void (*init)(void),
		  void (*fini)(void), void (*rtld_fini)(void), void *stack_end)
{
	int (*real)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void),
		    void *) = (int (*)(main_fn, int, char **, void (*)(void), void (*)(void),
		    void (*)(void), void *))dlsym(RTLD_NEXT, "__libc_start_main");

	real_main = main;
	return real(wrapped_main, argc, argv, init, fini, rtld_fini, stack_end);
}

static void
report(void)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%ld\n", calls);

	if (write(STDERR_FILENO, buf, (size_t)n) < 0)
		_exit(99);
}

static int
fail_now(void)
{
	long c;

	if (!__atomic_load_n(&in_main, __ATOMIC_RELAXED))
		return 0;
	if (limit == -2) {
		const char *s = getenv("FAILMALLOC_AFTER"), *cnt = getenv("FAILMALLOC_COUNT");
		limit = s != NULL ? atol(s) : -1;
		if (cnt != NULL && !counting) {
			counting = 1;
			atexit(report);
		}
	}
	c = __atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
	if (limit >= 0 && c >= limit) {
		errno = ENOMEM;
		return 1;
	}
	return 0;
}

void *
malloc(size_t n)
{
	return fail_now() ? NULL : __libc_malloc(n);
}

void *
calloc(size_t a, size_t b)
{
	return fail_now() ? NULL : __libc_calloc(a, b);
}

void *
realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __libc_realloc(p, n);
}

int
posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	if (fail_now())
		return ENOMEM;
	p = __libc_memalign(align, n);
	if (p == NULL)
		return ENOMEM;
	*out = p;
	return 0;
}

void *
aligned_alloc(size_t align, size_t n)
{
	return fail_now() ? NULL : __libc_memalign(align, n);
}
