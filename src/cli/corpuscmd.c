/* corpuscmd.c — what the corpus commands (`calibrate`, `scan`) share: the
 * progress bar on standard error and the --shard K/N option (cli.h). */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heed/calib.h"
#include "heed/open.h"
#include "heed/util.h"
#include "cli.h"

#define PROGRESS_TTY_MS 100.0     /* at most 10 redraws a second */
#define PROGRESS_LOG_MS 5000.0    /* a plain line every 5 s into a log */

bool
cli_parse_shard(const char *s, int *k, int *n)
{
	char *slash = strchr(s, '/'), *end;
	long a, b;

	if (slash == NULL)
		return false;
	a = strtol(s, &end, 10);
	if (end != slash || end == s)
		return false;
	b = strtol(slash + 1, &end, 10);
	if (*end != '\0' || end == slash + 1 || b < 1 || b > 1 << 20 || a < 1 || a > b)
		return false;
	*k = (int)a;
	*n = (int)b;
	return true;
}

void
cli_progress_start(cli_progress *p, const char *cmd, const char *phase, const char *unit,
		   bool quiet)
{
	p->tty = isatty(STDERR_FILENO);
	p->quiet = quiet;
	p->cmd = cmd;
	p->phase = phase;
	p->unit = unit;
	p->start = p->last = util_now_ms();
	p->tokens = 0.0;
}

/* On a terminal, a bar redrawn in place with the count, tokens/s and time
 * left; into a file or pipe, a plain line every few seconds; nothing with
 * --quiet. */
void
cli_progress_show(cli_progress *p, double done, double total)
{
	double now = util_now_ms(), secs = (now - p->start) / 1e3, frac;
	bool end = done >= total;

	if (p->quiet || (!p->tty && end) ||
	    (!end && now - p->last < (p->tty ? PROGRESS_TTY_MS : PROGRESS_LOG_MS)))
		return;
	p->last = now;
	frac = total > 0.0 ? done / total : 1.0;
	double rate = secs > 0.0 ? done / secs : 0.0, eta = rate > 0.0 ? (total - done) / rate : 0.0;
	char speed[48] = "";
	if (p->tokens > 0.0 && secs > 0.0)
		snprintf(speed, sizeof speed, "%s%.0f tokens/s", p->tty ? "  " : ", ",
		    p->tokens / secs);
	if (!p->tty) {
		fprintf(stderr, "heed: %s: %s %.0f/%.0f %s%s, %d:%02d left\n", p->cmd, p->phase, done,
		    total, p->unit, speed, (int)eta / 60, (int)eta % 60);
		return;
	}
	char bar[31];
	int fill = (int)(frac * 30.0);
	for (int k = 0; k < 30; k++)
		bar[k] = k < fill ? '#' : '.';
	bar[30] = '\0';
	fprintf(stderr, "\r\033[K%-17s [%s] %3.0f%%  %.0f/%.0f %s%s  ETA %d:%02d", p->phase, bar,
	    frac * 100.0, done, total, p->unit, speed, (int)eta / 60, (int)eta % 60);
	if (end)
		fputc('\n', stderr);
	fflush(stderr);
}

static void
warn_stderr(void *ud, const char *msg)
{
	(void)ud;
	cli_error(NULL, "%s", msg);
}

int
cli_read_corpus(calib_corpus *c, const heed_session *h, int L, long max, int shard, int shards,
		char *const *paths, int npaths, heed_err *e)
{
	calib_corpus_opts co = { h->vocab, h->cfg.lowercase, L, max, shard, shards, warn_stderr,
		NULL };
	int rc = HEED_OK;

	for (int i = 0; i < npaths && rc == HEED_OK && !calib_corpus_full(c, &co); i++)
		rc = calib_corpus_read(c, &co, paths[i], e);
	if (rc < 0)
		return rc;
	if (c->count == 0)
		return err_set(e, HEED_EFORMAT, "%s: the corpus has no sentences%s", paths[0],
		    shards > 1 ? " in this shard" : "");
	return HEED_OK;
}
