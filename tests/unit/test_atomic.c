/* test_atomic.c — files heed writes (calibration files, presets) replace the
 * old one whole or not at all.
 *
 * util_write_atomic writes PATH.tmp.PID, fsyncs and renames.  The failures
 * are made three ways: write() and fsync() are wrapped at link time
 * (-Wl,--wrap) to fail with ENOSPC / EIO after a given number of bytes, the
 * file-size limit (RLIMIT_FSIZE) makes the kernel refuse the write, and,
 * where the test may mount (root in a container or CI), a real 64 KiB tmpfs
 * is filled up.  Each time the previous file must be byte-for-byte intact,
 * no temporary file may be left behind, and the message must say what
 * happened and that the old file was kept.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "heed/calib.h"
#include "heed/enc.h"
#include "heed/util.h"

/* ---- failure injection ----------------------------------------------- */

static long write_budget = -1;  /* bytes allowed before write fails; -1: no limit */
static int write_errno = ENOSPC;
static int fsync_errno;          /* 0: fsync works */

ssize_t __real_write(int fd, const void *buf, size_t n);
ssize_t __wrap_write(int fd, const void *buf, size_t n);
int __real_fsync(int fd);
int __wrap_fsync(int fd);

/* Like a nearly full disk: a short write first, then the error. */
ssize_t
__wrap_write(int fd, const void *buf, size_t n)
{
	if (write_budget < 0)
		return __real_write(fd, buf, n);
	if (write_budget == 0) {
		errno = write_errno;
		return -1;
	}
	if (n > (size_t)write_budget)
		n = (size_t)write_budget;
	write_budget -= (long)n;
	return __real_write(fd, buf, n);
}

int
__wrap_fsync(int fd)
{
	if (fsync_errno != 0) {
		errno = fsync_errno;
		return -1;
	}
	return __real_fsync(fd);
}

static void
no_faults(void)
{
	write_budget = -1;
	write_errno = ENOSPC;
	fsync_errno = 0;
}

/* ---- helpers ----------------------------------------------------------- */

typedef struct fixture {
	char dir[64];
	char *path;
} fixture;

static int
setup(void **state)
{
	fixture *f = xcalloc(1, sizeof *f);

	snprintf(f->dir, sizeof f->dir, "%s", "/tmp/heed-atomic.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	f->path = xasprintf("%s/heed.calib", f->dir);
	no_faults();
	*state = f;
	return 0;
}

static void
remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d != NULL && (de = readdir(d)) != NULL) {
		char *p;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		unlink(p);
		free(p);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
}

static int
teardown(void **state)
{
	fixture *f = *state;

	no_faults();
	remove_tree(f->dir);
	free(f->path);
	free(f);
	return 0;
}

/* Files in dir other than keep (basename). */
static int
strays(const char *dir, const char *keep)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && strcmp(de->d_name, keep) != 0)
			n++;
	closedir(d);
	return n;
}

static void
assert_file_is(const char *path, const void *want, size_t len)
{
	char *got;
	size_t n;
	heed_err e;

	assert_int_equal(util_read_file(path, &got, &n, &e), HEED_OK);
	assert_int_equal(n, len);
	assert_memory_equal(got, want, len);
	free(got);
}

static char *
pattern(size_t len, char seed)
{
	char *p = xmalloc(len);

	for (size_t i = 0; i < len; i++)
		p[i] = (char)(seed + (char)(i % 23));
	return p;
}

/* ---- util_write_atomic ------------------------------------------------- */

static void
test_write_replaces(void **state)
{
	fixture *f = *state;
	heed_err e;

	assert_int_equal(util_write_atomic(f->path, "old", 3, &e), HEED_OK);
	assert_int_equal(util_write_atomic(f->path, "newer", 5, &e), HEED_OK);
	assert_file_is(f->path, "newer", 5);
	assert_int_equal(strays(f->dir, "heed.calib"), 0);
}

/* The ways a write goes wrong on a full or failing disk: write() fails
 * after budget bytes (-1: never), fsync() fails with fsync_err (0: never). */
static void
check_failure_keeps_old(fixture *f, long budget, int fsync_err, int want_errno)
{
	char *old = pattern(10000, 'a'), *new = pattern(50000, 'A');
	heed_err e = { { 0 } };
	int rc;

	assert_int_equal(util_write_atomic(f->path, old, 10000, &e), HEED_OK);
	write_budget = budget;
	fsync_errno = fsync_err;
	rc = util_write_atomic(f->path, new, 50000, &e);
	no_faults();
	assert_int_equal(rc, HEED_EWRITE);
	assert_non_null(strstr(e.msg, f->path));
	assert_non_null(strstr(e.msg, "previous file kept"));
	assert_non_null(strstr(e.msg, strerror(want_errno)));
	assert_file_is(f->path, old, 10000);
	assert_int_equal(strays(f->dir, "heed.calib"), 0);
	free(old);
	free(new);
}

static void
test_enospc_mid_write(void **state)
{
	check_failure_keeps_old(*state, 4096, 0, ENOSPC);
}

static void
test_enospc_first_write(void **state)
{
	check_failure_keeps_old(*state, 0, 0, ENOSPC);
}

static void
test_fsync_eio(void **state)
{
	check_failure_keeps_old(*state, -1, EIO, EIO);
}

/* The kernel refusing for real: a file-size limit below the new size. */
static void
test_file_size_limit(void **state)
{
	fixture *f = *state;
	char *old = pattern(1000, 'x'), *new = pattern(200000, 'y');
	struct rlimit saved, small = { 65536, 65536 };
	void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
	heed_err e;
	int rc;

	assert_int_equal(util_write_atomic(f->path, old, 1000, &e), HEED_OK);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
	if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max < small.rlim_max)
		small.rlim_max = saved.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	rc = util_write_atomic(f->path, new, 200000, &e);
	setrlimit(RLIMIT_FSIZE, &saved);
	signal(SIGXFSZ, prev);
	assert_int_equal(rc, HEED_EWRITE);
	assert_non_null(strstr(e.msg, strerror(EFBIG)));
	assert_file_is(f->path, old, 1000);
	assert_int_equal(strays(f->dir, "heed.calib"), 0);
	free(old);
	free(new);
}

/* A missing directory: nothing to keep, but a clear message. */
static void
test_missing_directory(void **state)
{
	fixture *f = *state;
	char *path = xasprintf("%s/no/such/dir/preset", f->dir);
	heed_err e;

	assert_int_equal(util_write_atomic(path, "x", 1, &e), HEED_EWRITE);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, strerror(ENOENT)));
	free(path);
}

/* ---- a real full filesystem -------------------------------------------- */

/* Fills the filesystem at dir with a filler file until ENOSPC. */
static void
fill_up(const char *dir)
{
	char *path = xasprintf("%s/filler", dir);
	char block[4096];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	memset(block, 'f', sizeof block);
	while (__real_write(fd, block, sizeof block) > 0)
		;
	assert_int_equal(errno, ENOSPC);
	close(fd);
	free(path);
}

static void
test_full_tmpfs(void **state)
{
	fixture *f = *state;
	char *mnt = xasprintf("%s/mnt", f->dir), *path, *old = pattern(8000, 'o');
	char *new = pattern(60000, 'n');
	heed_err e;
	int rc;

	assert_int_equal(mkdir(mnt, 0755), 0);
	if (mount("heed-test", mnt, "tmpfs", 0, "size=64k") != 0) {
		rmdir(mnt);
		free(mnt);
		free(old);
		free(new);
		skip();  /* needs root (CAP_SYS_ADMIN); the wrapped cases still ran */
	}
	path = xasprintf("%s/heed.calib", mnt);
	rc = util_write_atomic(path, old, 8000, &e);
	if (rc == HEED_OK) {
		fill_up(mnt);
		rc = util_write_atomic(path, new, 60000, &e);
	}
	if (rc == HEED_EWRITE) {
		assert_non_null(strstr(e.msg, "previous file kept"));
		assert_non_null(strstr(e.msg, strerror(ENOSPC)));
		assert_file_is(path, old, 8000);
		assert_int_equal(strays(mnt, "heed.calib") , 1);  /* only the filler */
	}
	umount2(mnt, MNT_DETACH);
	rmdir(mnt);
	assert_int_equal(rc, HEED_EWRITE);
	free(path);
	free(mnt);
	free(old);
	free(new);
}

/* ---- the writers heed uses ----------------------------------------------- */

static const model_config tiny = {
	.arch = MODEL_ARCH_BERT, .vocab_size = 16, .hidden = 4, .layers = 2, .heads = 2,
	.ffn = 8, .max_pos = 16, .max_tokens = 16, .type_vocab = 2, .ln_eps = 1e-12f,
};

static void
test_calib_save_keeps_old(void **state)
{
	fixture *f = *state;
	calib *a = calib_new(&tiny, 16, 0), *b = calib_new(&tiny, 16, 0), *back;
	heed_err e;

	a->sentences = 7;
	b->sentences = 9;
	assert_int_equal(calib_save(f->path, a, &e), HEED_OK);
	write_budget = 100;
	assert_int_equal(calib_save(f->path, b, &e), HEED_EWRITE);
	no_faults();
	assert_non_null(strstr(e.msg, strerror(ENOSPC)));
	assert_int_equal(calib_load(f->path, &tiny, 0, &back, &e), HEED_OK);
	assert_int_equal(back->sentences, 7);
	assert_int_equal(strays(f->dir, "heed.calib"), 0);
	calib_free(back);
	calib_free(a);
	calib_free(b);
}

static void
test_preset_save_keeps_old(void **state)
{
	fixture *f = *state;
	uint8_t modes[4] = { HEAD_UNIFORM, HEAD_INPUT, HEAD_INPUT, HEAD_SYNTH_RANDOM };
	uint8_t other[4] = { HEAD_INPUT, HEAD_UNIFORM, HEAD_UNIFORM, HEAD_INPUT };
	uint8_t back[4] = { 0 };
	heed_err e;

	assert_int_equal(enc_modes_save(f->path, modes, 2, 2, &e), HEED_OK);
	fsync_errno = EIO;
	assert_int_equal(enc_modes_save(f->path, other, 2, 2, &e), HEED_EWRITE);
	no_faults();
	assert_int_equal(enc_modes_parse(f->path, 2, 2, NULL, back, &e), HEED_OK);
	assert_memory_equal(back, modes, 4);
	assert_int_equal(strays(f->dir, "heed.calib"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enospc_mid_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enospc_first_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fsync_eio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_size_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_tmpfs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_calib_save_keeps_old, setup, teardown),
		cmocka_unit_test_setup_teardown(test_preset_save_keeps_old, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
