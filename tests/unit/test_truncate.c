/* test_truncate.c — a model file truncated or replaced while heed loads or
 * runs it must give an error or go unnoticed, never SIGBUS.
 *
 * "While it loads" is made deterministic by wrapping fstat() at link time
 * (-Wl,--wrap=fstat): right after the loader has measured the file, the
 * file is cut to half its size, as another process (a download restarting,
 * `git checkout`, a full disk) would do.  A loader that mapped the file and
 * trusted the measured size dies of SIGBUS touching the lost pages; the load
 * runs in a child process so such a death is reported, not inherited.
 * "While it runs": weights are copied at load, so cutting the file to zero
 * bytes or replacing it afterwards must not change a forward pass.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "heed/enc.h"
#include "heed/model.h"
#include "heed/tok.h"
#include "heed/util.h"

#define MODEL_SRC HEED_TESTDIR "/fixtures/enc/bert-f32"

static const char *shrink_path;  /* cut to half by the next fstat, then NULL */

int __real_fstat(int fd, struct stat *sb);
int __wrap_fstat(int fd, struct stat *sb);

int
__wrap_fstat(int fd, struct stat *sb)
{
	int rc = __real_fstat(fd, sb);

	if (rc == 0 && shrink_path != NULL && S_ISREG(sb->st_mode)) {
		if (truncate(shrink_path, sb->st_size / 2) != 0)
			fail_msg("truncate %s: %s", shrink_path, strerror(errno));
		shrink_path = NULL;
	}
	return rc;
}

/* ---- a private copy of the test checkpoint ------------------------------- */

typedef struct fixture {
	char dir[64];
	char *weights;
} fixture;

static void
copy_file(const char *from, const char *to)
{
	char *buf;
	size_t len;
	heed_err e;

	assert_int_equal(util_read_file(from, &buf, &len, &e), HEED_OK);
	assert_int_equal(util_write_atomic(to, buf, len, &e), HEED_OK);
	free(buf);
}

static int
setup(void **state)
{
	static const char *const files[] = { "config.json", "vocab.txt", "model.safetensors" };
	fixture *f = xcalloc(1, sizeof *f);

	snprintf(f->dir, sizeof f->dir, "%s", "/tmp/heed-trunc.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	for (size_t i = 0; i < 3; i++) {
		char *from = xasprintf("%s/%s", MODEL_SRC, files[i]);
		char *to = xasprintf("%s/%s", f->dir, files[i]);
		copy_file(from, to);
		free(from);
		free(to);
	}
	f->weights = xasprintf("%s/model.safetensors", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	static const char *const files[] = { "config.json", "vocab.txt", "model.safetensors" };
	fixture *f = *state;

	for (size_t i = 0; i < 3; i++) {
		char *p = xasprintf("%s/%s", f->dir, files[i]);
		unlink(p);
		free(p);
	}
	rmdir(f->dir);
	free(f->weights);
	free(f);
	return 0;
}

/* ---- truncated while loading ----------------------------------------------- */

/* Child: 0 = load refused with a message naming the file, 1 = loaded
 * anyway (a truncated file must not load), 2 = no message. */
static int
load_in_child(fixture *f)
{
	model *m;
	heed_err e = { { 0 } };

	shrink_path = f->weights;
	if (model_load(f->dir, &m, &e) == HEED_OK) {
		model_free(m);
		return 1;
	}
	fprintf(stderr, "# refused as it should be: %s\n", e.msg);
	return strstr(e.msg, "model.safetensors") != NULL ? 0 : 2;
}

static void
test_truncated_while_loading(void **state)
{
	fixture *f = *state;
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		/* cmocka's handlers would turn the death into a failed test in
		 * the child, which would then run the remaining tests too. */
		signal(SIGBUS, SIG_DFL);
		signal(SIGSEGV, SIG_DFL);
		_exit(load_in_child(f));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("model_load died of signal %d (%s) on a file truncated while loading",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- truncated or replaced while running ----------------------------------- */

/* Attention of every head for one sentence, copied out of the encoder. */
static float *
attention(model *m, int *count)
{
	static const int ids[] = { 2, 40, 41, 42, 43, 3 };
	enc_state *s = enc_new(m, 16);
	int n = 6, L = m->cfg.layers, H = m->cfg.heads;
	float *out = xmalloc(sizeof(float) * (size_t)(L * H * n * n));
	heed_err e;

	assert_int_equal(enc_run(s, ids, n, NULL, NULL, NULL, NULL, &e), HEED_OK);
	for (int l = 0; l < L; l++)
		for (int h = 0; h < H; h++)
			memcpy(out + (size_t)(l * H + h) * n * n, enc_attn(s, l, h),
			    sizeof(float) * (size_t)(n * n));
	enc_free(s);
	*count = L * H * n * n;
	return out;
}

static void
test_truncated_while_running(void **state)
{
	fixture *f = *state;
	model *m;
	heed_err e;
	float *before, *after;
	int n1, n2;

	assert_int_equal(model_load(f->dir, &m, &e), HEED_OK);
	before = attention(m, &n1);
	assert_int_equal(truncate(f->weights, 0), 0);
	after = attention(m, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(before, after, sizeof(float) * (size_t)n1);
	free(after);
	/* Replaced by other bytes of the same size (an in-place rewrite). */
	assert_int_equal(truncate(f->weights, 508560), 0);
	after = attention(m, &n2);
	assert_memory_equal(before, after, sizeof(float) * (size_t)n1);
	free(before);
	free(after);
	model_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_truncated_while_loading, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_while_running, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
