/* cli.h — the subcommands of the heed binary.  Each lives in its own file
 * and takes (argc, argv) with argv[0] = the subcommand name; each returns
 * the process exit code: 0 success, 1 usage error, 2 bad input file or
 * model, 3 runtime failure. */
#ifndef HEED_CLI_H
#define HEED_CLI_H

enum { EXIT_USAGE = 1, EXIT_BADFILE = 2, EXIT_RUNTIME = 3 };

typedef struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} cli_command;

int cmd_tui(int argc, char **argv);        /* src/cli/main.c: src/tui via heed/tui.h */
int cmd_dump(int argc, char **argv);       /* src/cli/dump.c */
int cmd_calibrate(int argc, char **argv);  /* src/cli/calibrate.c */
int cmd_stats(int argc, char **argv);      /* src/cli/stats.c */
int cmd_bench(int argc, char **argv);      /* src/cli/bench.c */
int cmd_eval(int argc, char **argv);       /* src/cli/eval.c */

/* Map a heed_err code to an exit code. */
int cli_exit_code(int err);

#endif
