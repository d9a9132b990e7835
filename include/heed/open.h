/* open.h — one way to open a model for any command or the explorer.
 *
 * heed_open() runs the sequence every front end needs, in one place:
 * resolve -m → config and weights → vocabulary → calibration → head modes.
 * It is a thin sequence over model.h, tok.h, calib.h and enc.h; what each
 * step checks lives in that step's module.  A failure returns the step's
 * negative HEED_E* code with one message naming the file, and the code alone
 * decides the exit status (heed_exit_code), so no caller ever looks at
 * message text.
 *
 * Calibration is optional unless it is asked for: a file named with --calib
 * must load; the default MODEL/heed.calib is used when it loads, and when it
 * does not the reason is kept for the messages.  A mode spec that needs
 * calibration data heed does not have fails with HEED_ENOCALIB naming the
 * calibration file (exit 2, a missing or unusable input file).
 */
#ifndef HEED_OPEN_H
#define HEED_OPEN_H

#include <stdbool.h>
#include <stdint.h>

#include "heed/calib.h"
#include "heed/enc.h"
#include "heed/model.h"
#include "heed/tok.h"
#include "heed/util.h"

/* min(HEED_MAX_TOKENS (util.h), the longest input the model's positions allow) */
int heed_token_cap(const model_config *c);

enum {
	HEED_OPEN_WEIGHTS = 1u << 0,     /* load the weights (else config.json only) */
	HEED_OPEN_VOCAB = 1u << 1,       /* load the vocabulary */
	HEED_OPEN_CALIB = 1u << 2,       /* try the calibration (optional) */
	HEED_OPEN_NEED_CALIB = 1u << 3,  /* the calibration must load */
	HEED_OPEN_PROGRESS = 1u << 4,    /* "loading DIR…" on stderr while a terminal waits */
};

typedef struct heed_open_opts {
	const char *model;   /* -m ARG; NULL or "": the bundled heed-mini */
	const char *calib;   /* --calib FILE (must load); NULL: MODEL/heed.calib */
	const char *modes;   /* a mode spec or preset file; NULL: every head input */
	unsigned flags;      /* HEED_OPEN_* */
	const char *mlm_head; /* --mlm-head NAME: NULL or "transformers" (the default), or
			       * "emd" (DeBERTa-v3's enhanced mask decoder, model_set_emd) */
} heed_open_opts;

typedef struct heed_session {
	char *dir;           /* the resolved model folder */
	model_config cfg;    /* always loaded */
	model *m;            /* with HEED_OPEN_WEIGHTS */
	tok_vocab *vocab;    /* with HEED_OPEN_VOCAB */
	calib *cal;          /* NULL when no calibration loaded */
	char *cal_path;      /* the calibration file tried (NULL if none was) */
	int cal_rc;          /* HEED_OK, or why cal is NULL ... */
	heed_err cal_err;    /* ... in words */
	bool cal_absent;     /* the default calibration file does not exist */
	uint8_t *modes;      /* [layers*heads] head_mode values, from opts->modes */
	int max_tokens;      /* heed_token_cap(&cfg) */
} heed_session;

/* Open what o->flags ask for into *s (zeroed first).  On failure everything
 * loaded so far is freed again and *s is left empty. */
int heed_open(const heed_open_opts *o, heed_session *s, heed_err *e);
void heed_close(heed_session *s);

/* An encoder with room for n tokens: *st is created, or recreated larger
 * (doubling, at most the model's max_tokens) when n does not fit, with
 * `threads` threads (0: leave the default).  Memory follows the longest
 * input seen, never the model's position limit. */
int heed_enc_reserve(const model *m, enc_state **st, int n, int threads, heed_err *e);

/* Before a run that writes out (calibration): refuse an output that is
 * one of the inputs (any path to it: links, sub/../) or a file of the
 * model folder other than a calibration (*.calib), with HEED_EINVAL; and
 * fail fast if it cannot be written (util_output_ready), so a typo is not
 * found after an hour of work. */
int heed_output_check(const heed_session *s, const char *out, char *const *inputs, int ninputs,
		      heed_err *e);

/* Are all n values finite (no NaN, no infinity)? */
bool heed_all_finite(const float *v, size_t n);

/* After enc_run: HEED_OK when every head's attention and the last hidden
 * states are finite, else HEED_EFORMAT naming the first layer and head
 * that are not (NaN or infinite weights, or finite ones so large that the
 * forward overflows).  *layer and *head (may be NULL) get it, 0-based, or
 * -1 when the attention is finite and the hidden states are not. */
int heed_check_finite(const enc_state *s, const model *m, int *layer, int *head, heed_err *e);

/* OpenBLAS maps a work buffer (128 MB in Debian's x86-64 build) for each
 * thread the first time that thread multiplies, and when the mapping fails
 * it retries forever at 100% CPU instead of failing.  So before an encoder
 * runs, check that the address space has room for `threads` of them (plus
 * OpenBLAS's own threads): HEED_ENOMEM with a message when it has not. */
int heed_blas_reserve(int threads, heed_err *e);

#endif
