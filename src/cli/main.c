/* main.c — `heed [COMMAND] [OPTIONS]`: subcommand dispatch.
 *
 * With no command (or options only, or a sentence) heed opens the TUI.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>
#include <string.h>

#include <jansson.h>

#include "heed/tui.h"
#include "heed/util.h"
#include "cli.h"

/* OpenBLAS starts its threads when it is loaded, before main, and each maps
 * a 128 MB buffer as it starts: under a tight `ulimit -v` (or -d) the
 * thread creation or that mapping fails, and OpenBLAS then exits, or
 * retries forever at full speed while exit waits for it.  heed never wants
 * those threads (each of its own parts runs OpenBLAS single-threaded, see
 * enc_set_threads), and only the environment read at load time keeps them
 * from starting.  So under a memory limit, unless the user chose a number,
 * heed runs itself again with OPENBLAS_NUM_THREADS=1, from its
 * .preinit_array: that runs before any shared library initialises (System V
 * ABI, DT_PREINIT_ARRAY), even libc, so only system calls and string
 * functions are used.  Without a limit nothing happens. */
static void
blas_threads_under_limits(int argc, char **argv, char **envp)
{
	static char want[] = "OPENBLAS_NUM_THREADS=1";
	struct rlimit as, data;
	size_t n = 0;

	(void)argc;
	for (; envp[n] != NULL; n++)
		if (strncmp(envp[n], want, sizeof "OPENBLAS_NUM_THREADS=" - 1) == 0)
			return;
	if (getrlimit(RLIMIT_AS, &as) != 0 || getrlimit(RLIMIT_DATA, &data) != 0)
		return;
	if (as.rlim_cur == RLIM_INFINITY && data.rlim_cur == RLIM_INFINITY)
		return;
	char *env[n + 2];
	memcpy(env, envp, n * sizeof *env);
	env[n] = want;
	env[n + 1] = NULL;
	execve("/proc/self/exe", argv, env);
	/* no /proc: go on, the threads may still be fine */
}

__attribute__((section(".preinit_array"), used))
static void (*const preinit)(int, char **, char **) = blas_threads_under_limits;

static const cli_command commands[] = {
	/* Subcommands register here as they land: { "dump", cmd_dump, "..." }, */
	{ "tui", cmd_tui, "open the attention explorer (the default)" },
	{ "dump", cmd_dump, "print tokens, attention and predictions (JSON or TSV)" },
	{ "calibrate", cmd_calibrate, "learn head averages, statistics and synthesizers from a corpus" },
	{ "scan", cmd_scan, "which heads matter over a corpus, and how many can be replaced" },
	{ "stats", cmd_stats, "print what calibration learned about every head" },
	{ "eval", cmd_eval, "masked-word accuracy under head modes, on pre-masked examples" },
	{ "tokenize", cmd_tokenize, "print the tokens of each line, as the model's tokenizer cuts them" },
	{ "bench", cmd_bench, "time the encoder: latency, GFLOP/s, head toggles, memory" },
	{ "info", cmd_info, "what heed reads from a model folder: family, shape, files, format" },
	{ "lesson", cmd_lesson, "step through a lesson in the explorer, or print and check it" },
	{ "export", cmd_export, "write a view as SVG, HTML, ANSI or text, for slides and papers" },
	{ NULL, NULL, NULL },
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "Usage: heed [OPTIONS] [SENTENCE]        open the attention explorer\n"
	    "       heed COMMAND [OPTIONS] [ARGS]    run one command and exit\n"
	    "\n"
	    "Commands:\n");
	for (const cli_command *c = commands; c->name != NULL; c++)
		fprintf(f, "  %-12s %s\n", c->name, c->summary);
	fprintf(f,
	    "\n"
	    "Options:\n"
	    "  -h, --help     show this help (heed COMMAND --help for a command's)\n"
	    "  -V, --version  show the version\n"
	    "\n"
	    "A one-word SENTENCE is read as a command; write heed -- WORD for it.\n"
	    "See heed(1) for keys, file formats and examples.\n");
}

/* A first argument made of command-name characters that names no command is
 * a typo far more often than a one-word sentence: say so rather than open
 * the explorer on it (git does the same). */
static bool
looks_like_command(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!islower((unsigned char)*s) && *s != '-')
			return false;
	return true;
}

static void
say(const char *prefix, const char *fmt, va_list ap)
{
	char msg[1024], safe[1024];

	vsnprintf(msg, sizeof msg, fmt, ap);
	fprintf(stderr, "heed: %s%s\n", prefix, util_term_safe(msg, safe, sizeof safe));
}

void
cli_error(const char *cmd, const char *fmt, ...)
{
	char prefix[64] = "";
	va_list ap;

	if (cmd != NULL)
		snprintf(prefix, sizeof prefix, "%s: ", cmd);
	va_start(ap, fmt);
	say(prefix, fmt, ap);
	va_end(ap);
}

void
cli_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("warning: ", fmt, ap);
	va_end(ap);
}

void
cli_tsv_field(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '\\': fputs("\\\\", f); break;
		case '\t': fputs("\\t", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\x%02X", c);
			else
				fputc(c, f);
		}
	}
}

int
cli_finish_stdout(const char *cmd)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error(cmd, "cannot write the output: %s", strerror(errno));
		return HEED_EWRITE;
	}
	return HEED_OK;
}

/* The explorer speaks in heed_err codes like the library; here they
 * become exit codes. */
int
cmd_tui(int argc, char **argv)
{
	return cli_exit_code(tui_main(argc, argv));
}

int
cmd_export(int argc, char **argv)
{
	return cli_exit_code(export_main(argc, argv));
}

int
main(int argc, char **argv)
{
	/* jansson's allocations fail like heed's own: exit 3, not a parse error */
	json_set_alloc_funcs(xmalloc, free);
	/* Past `ulimit -f` a write fails with EFBIG, which every writer reports
	 * (and cleans up after), instead of the signal killing heed mid-write. */
	signal(SIGXFSZ, SIG_IGN);
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2 && (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version"))) {
		printf("heed %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (argc >= 2 && argv[1][0] != '-') {
		for (const cli_command *c = commands; c->name != NULL; c++)
			if (strcmp(argv[1], c->name) == 0)
				return c->run(argc - 1, argv + 1);
		if (looks_like_command(argv[1])) {
			cli_error(NULL, "'%s' is not a heed command "
			    "(see heed --help; for a one-word sentence: heed -- %s)",
			    argv[1], argv[1]);
			return EXIT_USAGE;
		}
	}
	/* options only, or a sentence: the explorer */
	return cmd_tui(argc, argv);
}
