/* cli.h — the subcommands of the heed binary.  Each lives in its own file
 * and takes (argc, argv) with argv[0] = the subcommand name; each returns
 * the process exit code: 0 success, 1 usage error, 2 bad input file or
 * model, 3 runtime failure. */
#ifndef HEED_CLI_H
#define HEED_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "heed/util.h"

enum { EXIT_USAGE = HEED_EXIT_USAGE, EXIT_BADFILE = HEED_EXIT_BADFILE,
       EXIT_RUNTIME = HEED_EXIT_RUNTIME };

typedef struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} cli_command;

int cmd_tui(int argc, char **argv);        /* src/cli/main.c: src/tui via heed/tui.h */
int cmd_export(int argc, char **argv);     /* src/cli/main.c: src/tui via heed/tui.h */
int cmd_dump(int argc, char **argv);       /* src/cli/dump.c */
int cmd_calibrate(int argc, char **argv);  /* src/cli/calibrate.c */
int cmd_stats(int argc, char **argv);      /* src/cli/stats.c */
int cmd_bench(int argc, char **argv);      /* src/cli/bench.c */
int cmd_eval(int argc, char **argv);       /* src/cli/eval.c */
int cmd_tokenize(int argc, char **argv);   /* src/cli/tokenize.c */
int cmd_info(int argc, char **argv);       /* src/cli/info.c */
int cmd_lesson(int argc, char **argv);     /* src/cli/lesson.c */
int cmd_scan(int argc, char **argv);       /* src/cli/scan.c */

/* Map a heed_err code to an exit code (heed_exit_code). */
static inline int
cli_exit_code(int err)
{
	return heed_exit_code(err);
}

/* One "heed: [CMD: ]MESSAGE" line on stderr, with control characters made
 * harmless: file names, specs and sentences in messages come from users and
 * files, and an ESC or BEL in one must not drive the terminal. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same for a warning: "heed: warning: MESSAGE". */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Write s as one TSV field: backslash, tab, newline and carriage return as
 * \\ \t \n \r, other control bytes as \xHH, so a record stays one line
 * and no raw ESC reaches a terminal. */
void cli_tsv_field(FILE *f, const char *s);

/* Flush stdout and say so when it cannot be written (`> /dev/full`, a full
 * disk, a closed pipe): HEED_OK or HEED_EWRITE, reported with cmd. */
int cli_finish_stdout(const char *cmd);

/* ---- the corpus commands (corpuscmd.c) ---- */

/* --shard K/N: "K/N" with 1 <= K <= N. */
bool cli_parse_shard(const char *s, int *k, int *n);

/* A progress bar on standard error: redrawn in place on a terminal, a
 * plain line every few seconds into a file or pipe, nothing when quiet. */
typedef struct cli_progress {
	bool tty, quiet;
	const char *cmd, *phase, *unit;
	double start, last;
	double tokens;        /* done so far in this phase, for tokens/s */
} cli_progress;

void cli_progress_start(cli_progress *p, const char *cmd, const char *phase, const char *unit,
			bool quiet);
void cli_progress_show(cli_progress *p, double done, double total);

/* Read the corpus files paths[0..npaths) into c for h's vocabulary (one
 * sentence a line or running text, at most L tokens each; at most max
 * sentences in all, 0: every one; shard K/N of them, 0/0: all), warning on
 * stderr about bytes that are not UTF-8.  A corpus (or shard) without a
 * sentence is HEED_EFORMAT. */
struct calib_corpus;
struct heed_session;
int cli_read_corpus(struct calib_corpus *c, const struct heed_session *h, int L, long max,
		    int shard, int shards, char *const *paths, int npaths, heed_err *e);

#endif
