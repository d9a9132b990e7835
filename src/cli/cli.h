/* cli.h — the subcommands of the heed binary.  Each lives in its own file
 * and takes (argc, argv) with argv[0] = the subcommand name; each returns
 * the process exit code: 0 success, 1 usage error, 2 bad input file or
 * model, 3 runtime failure. */
#ifndef HEED_CLI_H
#define HEED_CLI_H

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

#endif
