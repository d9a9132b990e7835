/* open.c — resolve → model → vocabulary → calibration → head modes, once
 * for every front end (see open.h). */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE  /* MAP_ANONYMOUS, MAP_NORESERVE */
#endif
#include "heed/open.h"

#include <cblas.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

int
heed_token_cap(const model_config *c)
{
	return c->max_tokens < HEED_MAX_TOKENS ? c->max_tokens : HEED_MAX_TOKENS;
}

static int
open_config(heed_session *s, heed_err *e)
{
	char *path = xasprintf("%s/config.json", s->dir);
	int rc = config_load(path, &s->cfg, e);

	free(path);
	return rc;
}

static int
open_weights(heed_session *s, unsigned flags, heed_err *e)
{
	bool say = (flags & HEED_OPEN_PROGRESS) && isatty(STDERR_FILENO);
	int rc;

	/* big checkpoints take seconds: say so until the screen takes over */
	if (say)
		fprintf(stderr, "heed: loading %s\u2026", s->dir);
	rc = model_load(s->dir, &s->m, e);
	if (say)
		fprintf(stderr, "\r\033[K");
	if (rc == HEED_OK)
		s->cfg = s->m->cfg;
	return rc;
}

/* --mlm-head: which masked-LM head runs (model_set_emd).  The name is
 * checked even without weights, so a typo fails the same way everywhere. */
static int
open_mlm_head(heed_session *s, const char *name, heed_err *e)
{
	heed_err why;
	bool emd;

	if (name == NULL || strcmp(name, "transformers") == 0)
		emd = false;
	else if (strcmp(name, "emd") == 0)
		emd = true;
	else
		return err_set(e, HEED_EINVAL, "--mlm-head: '%s' is neither transformers nor emd", name);
	if (s->m != NULL && model_set_emd(s->m, emd, &why) < 0)
		return err_set(e, HEED_EINVAL, "--mlm-head emd: %s", why.msg);
	return HEED_OK;
}

/* The folder's tokenizer (tokenizer.json first, as transformers), checked
 * against the config's vocab_size. */
static int
open_vocab(heed_session *s, heed_err *e)
{
	int rc = tok_load(s->dir, &s->vocab, e);
	tok_result r;
	heed_err why;

	if (rc == HEED_OK)
		rc = tok_check_size(s->vocab, s->cfg.vocab_size, e);
	/* what every input needs (a vocab.txt without [CLS] or [SEP] cannot
	 * frame one) fails here, before any output, not at the first sentence */
	if (rc == HEED_OK) {
		if (tok_encode(s->vocab, "", 0, s->cfg.lowercase, heed_token_cap(&s->cfg), &r,
		    &why) < 0)
			rc = err_set(e, HEED_EFORMAT, "%s: %s", tok_source(s->vocab), why.msg);
		else
			tok_result_free(&r);
	}
	if (rc < 0) {
		tok_vocab_free(s->vocab);
		s->vocab = NULL;
	}
	return rc;
}

/* A named file or HEED_OPEN_NEED_CALIB: must load.  The default file: kept
 * when it loads, else the reason is remembered for whoever needs it. */
static int
open_calib(heed_session *s, const heed_open_opts *o, heed_err *e)
{
	bool must = o->calib != NULL || (o->flags & HEED_OPEN_NEED_CALIB);
	struct stat sb;

	s->cal_path = o->calib != NULL ? xstrdup(o->calib) : calib_default_path(s->dir);
	s->cal_absent = o->calib == NULL && stat(s->cal_path, &sb) != 0 && errno == ENOENT;
	/* without the weights (stats) only the configuration can be checked */
	s->cal_rc = calib_load(s->cal_path, &s->cfg, s->m != NULL ? s->m->fingerprint : 0, &s->cal,
	    &s->cal_err);
	if (s->cal_rc == HEED_OK || !must)
		return HEED_OK;
	if (s->cal_absent)
		return err_set(e, s->cal_rc, "%s (run heed calibrate first)", s->cal_err.msg);
	return err_set(e, s->cal_rc, "%s", s->cal_err.msg);
}

/* A spec refused for want of calibration data is a problem with the
 * calibration file (named, exit 2); any other refusal is the user's spec. */
static int
open_modes(heed_session *s, const heed_open_opts *o, heed_err *e)
{
	size_t n = (size_t)s->cfg.layers * s->cfg.heads;
	heed_err why;
	int rc;

	s->modes = xcalloc(n, 1);
	if (o->modes == NULL)
		return HEED_OK;
	rc = enc_modes_parse(o->modes, s->cfg.layers, s->cfg.heads, s->cal, s->modes, &why);
	if (rc != HEED_ENOCALIB)
		return rc < 0 ? err_set(e, rc, "%s", why.msg) : rc;
	if (s->cal == NULL && s->cal_path != NULL)
		return err_set(e, rc, "%s (%s)", s->cal_err.msg, why.msg);
	if (s->cal_path != NULL)
		return err_set(e, rc, "%s: %s", s->cal_path, why.msg);
	return err_set(e, rc, "%s", why.msg);
}

int
heed_open(const heed_open_opts *o, heed_session *s, heed_err *e)
{
	int rc;

	memset(s, 0, sizeof *s);
	if ((rc = model_resolve(o->model, &s->dir, e)) < 0)
		goto fail;
	rc = (o->flags & HEED_OPEN_WEIGHTS) ? open_weights(s, o->flags, e) : open_config(s, e);
	if (rc < 0 || (rc = open_mlm_head(s, o->mlm_head, e)) < 0)
		goto fail;
	s->max_tokens = heed_token_cap(&s->cfg);
	if ((o->flags & HEED_OPEN_VOCAB) && (rc = open_vocab(s, e)) < 0)
		goto fail;
	if ((o->flags & (HEED_OPEN_CALIB | HEED_OPEN_NEED_CALIB)) || o->calib != NULL) {
		if ((rc = open_calib(s, o, e)) < 0)
			goto fail;
	}
	if ((rc = open_modes(s, o, e)) < 0)
		goto fail;
	return HEED_OK;
fail:
	heed_close(s);
	return rc;
}

void
heed_close(heed_session *s)
{
	free(s->modes);
	free(s->cal_path);
	calib_free(s->cal);
	tok_vocab_free(s->vocab);
	model_free(s->m);
	free(s->dir);
	memset(s, 0, sizeof *s);
}

/* Bytes this process may still take: MemAvailable (else the physical
 * memory), less under `ulimit -v` or `-d` what the limit leaves. */
static size_t
memory_room(size_t held)
{
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	size_t room = pages > 0 && psz > 0 ? (size_t)pages * (size_t)psz : SIZE_MAX;
	unsigned long long kb, vm = 0;
	char line[128];
	struct rlimit rl;
	FILE *f;

	if ((f = fopen("/proc/meminfo", "r")) != NULL) {
		while (fgets(line, sizeof line, f) != NULL)
			if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
				room = (size_t)kb * 1024 + held;   /* what an old state frees comes back */
		fclose(f);
	}
	if ((f = fopen("/proc/self/statm", "r")) != NULL) {
		if (fscanf(f, "%llu", &vm) != 1)
			vm = 0;
		fclose(f);
	}
	vm *= (unsigned long long)(psz > 0 ? psz : 4096);
	vm = vm > held ? vm - held : 0;
	for (int r = 0; r < 2; r++)
		if (getrlimit(r ? RLIMIT_DATA : RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
			room = rl.rlim_cur <= vm ? 0 : rl.rlim_cur - vm < room ? rl.rlim_cur - vm : room;
	return room;
}

/* The longest input whose encoder fits in room bytes. */
static int
tokens_fitting(const model *m, size_t room)
{
	int lo = 1, hi = m->cfg.max_tokens;

	while (lo < hi) {
		int mid = lo + (hi - lo + 1) / 2;
		if (enc_bytes(m, mid) <= room)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

int
heed_enc_reserve(const model *m, enc_state **st, int n, int threads, heed_err *e)
{
	const model_config *c = &m->cfg;
	int have = *st != NULL ? enc_max_tokens(*st) : 0, want, rc;
	size_t held = have > 0 ? enc_bytes(m, have) : 0, room;

	if (n > c->max_tokens)
		return err_set(e, HEED_EINVAL, "%d tokens is over the %d the model's positions allow", n,
		    c->max_tokens);
	if (n <= have)
		return HEED_OK;
	want = have > 0 ? have : HEED_MAX_TOKENS;
	while (want < n)
		want = want > c->max_tokens / 2 ? c->max_tokens : want * 2;
	if (want > c->max_tokens)
		want = c->max_tokens;
	/* every layer's and head's n x n attention is kept: a long input can
	 * need more memory than there is (ModernBERT allows 8192 tokens:
	 * 71 GB at its base size); refuse it here rather than die in malloc,
	 * or be killed once the pages are touched */
	room = memory_room(held);
	if (enc_bytes(m, want) > room)
		want = n;
	if (enc_bytes(m, want) > room)
		return err_set(e, HEED_ENOMEM, "%s: out of memory: %d tokens need %.1f GB for the encoder "
		    "(%d layers x %d heads of %d x %d attention weights, all kept), more than the "
		    "%.1f GB free; at most %d tokens fit: cut the input (heed dump --max-tokens N)",
		    m->name != NULL ? m->name : "the model", n, enc_bytes(m, n) / 1e9, c->layers,
		    c->heads, n, n, room / 1e9, tokens_fitting(m, room));
	enc_free(*st);
	*st = NULL;
	if ((rc = heed_blas_reserve(threads, e)) < 0)
		return rc;
	*st = enc_new(m, want);
	if (threads > 0)
		enc_set_threads(*st, threads);
	return HEED_OK;
}

/* BUFFER_SIZE of the OpenBLAS build heed runs on (Debian, x86-64); a build
 * with a smaller one only makes the check stricter than it needs to be. */
#define BLAS_BUFFER ((size_t)128 << 20)

int
heed_blas_reserve(int threads, heed_err *e)
{
	int blas = openblas_get_num_threads();
	/* heed's parts each call OpenBLAS single-threaded; without
	 * enc_set_threads the caller calls it, with OpenBLAS's own threads */
	size_t n = threads > 0 ? (size_t)threads : (size_t)(blas > 1 ? blas : 1);
	void *p;

	/* PROT_NONE and MAP_NORESERVE: address space only, nothing touched */
	p = mmap(NULL, n * BLAS_BUFFER, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
	    -1, 0);
	if (p == MAP_FAILED)
		return err_set(e, HEED_ENOMEM, "out of memory: the matrix library needs %zu MB of "
		    "address space for %zu thread%s (see ulimit -v%s)",
		    n * (BLAS_BUFFER >> 20), n, n > 1 ? "s" : "", n > 1 ? ", or try --threads 1" : "");
	munmap(p, n * BLAS_BUFFER);
	return HEED_OK;
}

bool
heed_all_finite(const float *v, size_t n)
{
	float acc = 0.0f;

	/* v * 0 is 0 for finite v and NaN for NaN or Inf: one branch per block */
	for (size_t i = 0; i < n; i++)
		acc += v[i] * 0.0f;
	return acc == 0.0f;
}

int
heed_check_finite(const enc_state *s, const model *m, int *layer, int *head, heed_err *e)
{
	const model_config *c = &m->cfg;
	size_t n = (size_t)enc_n(s);
	int l = -1, h = -1;

	for (int i = 0; i < c->layers && l < 0; i++)
		for (int j = 0; j < c->heads && l < 0; j++)
			if (!heed_all_finite(enc_attn(s, i, j), n * n))
				l = i, h = j;
	if (layer != NULL)
		*layer = l;
	if (head != NULL)
		*head = h;
	if (l >= 0)
		return err_set(e, HEED_EFORMAT, "%s: layer %d head %d: the attention is not finite "
		    "(NaN or infinity: the weights are damaged or so large the forward overflows)",
		    m->name, l + 1, h + 1);
	if (!heed_all_finite(enc_hidden(s, c->layers), n * (size_t)c->hidden))
		return err_set(e, HEED_EFORMAT, "%s: the last layer's output is not finite "
		    "(NaN or infinity: the weights are damaged or so large the forward overflows)",
		    m->name);
	return HEED_OK;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

int
heed_output_check(const heed_session *s, const char *out, char *const *inputs, int ninputs,
		  heed_err *e)
{
	struct dirent *d;
	DIR *dir;
	int rc = HEED_OK;

	for (int i = 0; i < ninputs; i++)
		if (util_same_file(out, inputs[i]))
			return err_set(e, HEED_EINVAL, "%s: is the input %s; choose another output",
			    out, inputs[i]);
	/* the model's own files: weights, configuration, vocabulary... */
	if (s->dir != NULL && (dir = opendir(s->dir)) != NULL) {
		while (rc == HEED_OK && (d = readdir(dir)) != NULL) {
			char *p;
			if (d->d_name[0] == '.' || ends_with(d->d_name, ".calib"))
				continue;
			p = xasprintf("%s/%s", s->dir, d->d_name);
			if (util_same_file(out, p))
				rc = err_set(e, HEED_EINVAL, "%s: is the model's %s; choose another "
				    "output", out, d->d_name);
			free(p);
		}
		closedir(dir);
	}
	return rc < 0 ? rc : util_output_ready(out, e);
}
