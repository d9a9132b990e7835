/* open.c — resolve → model → vocabulary → calibration → head modes, once
 * for every front end (see open.h). */
#define _POSIX_C_SOURCE 200809L
#include "heed/open.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* The folder's tokenizer (tokenizer.json first, as transformers), checked
 * against the config's vocab_size. */
static int
open_vocab(heed_session *s, heed_err *e)
{
	int rc = tok_load(s->dir, &s->vocab, e);

	if (rc == HEED_OK && (rc = tok_check_size(s->vocab, s->cfg.vocab_size, e)) < 0) {
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
	if (rc < 0)
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

int
heed_enc_reserve(const model *m, enc_state **st, int n, int threads, heed_err *e)
{
	int have = *st != NULL ? enc_max_tokens(*st) : 0, want;

	if (n > m->cfg.max_tokens)
		return err_set(e, HEED_EINVAL, "%d tokens is over the %d the model's positions allow", n,
		    m->cfg.max_tokens);
	if (n <= have)
		return HEED_OK;
	want = have > 0 ? have : HEED_MAX_TOKENS;
	while (want < n)
		want = want > m->cfg.max_tokens / 2 ? m->cfg.max_tokens : want * 2;
	if (want > m->cfg.max_tokens)
		want = m->cfg.max_tokens;
	enc_free(*st);
	*st = enc_new(m, want);
	if (threads > 0)
		enc_set_threads(*st, threads);
	return HEED_OK;
}
