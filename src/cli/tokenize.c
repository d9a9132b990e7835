/* tokenize.c — `heed tokenize`: text in, tokens out, one line per line.
 *
 * The tokenizer is a model's (-m, resolved like every command's) or any
 * tokenizer file or folder (--tokenizer).  JSON output is one object per
 * input line with dump's token objects; TSV is one row per token.  A TAB
 * (or " ||| ") in a line makes a sentence pair with the tokenizer's own
 * pair template.
 * Nothing is truncated.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "heed/open.h"
#include "heed/tok.h"
#include "heed/util.h"
#include "cli.h"

typedef struct tk_opts {
	const char *model, *tokenizer, *input;
	bool json;
} tk_opts;

static void
tk_usage(FILE *f)
{
	fprintf(f,
	    "Usage: heed tokenize (-m MODEL | --tokenizer FILE|DIR) [--format json|tsv] [FILE|-]\n"
	    "\n"
	    "Tokenize each line of FILE (standard input by default) as the model's\n"
	    "tokenizer does, special tokens included.  A TAB (or else \" ||| \") in a\n"
	    "line makes a sentence pair: the text before it is segment A, after it\n"
	    "segment B, joined by the tokenizer's pair template.\n"
	    "\n"
	    "  -m, --model MODEL      a model folder or hub name (default: heed-mini)\n"
	    "  -t, --tokenizer PATH   tokenizer.json, vocab.txt, or a folder with one\n"
	    "  -f, --format FMT       json (default): {\"tokens\":[{\"piece\",\"text\",\"id\",\n"
	    "                         \"begin\",\"end\"}...]} per line, with \"segment\" and\n"
	    "                         \"type\" for a pair's tokens; tsv: LINE INDEX ID BEGIN\n"
	    "                         END TYPE PIECE TEXT SEGMENT per token\n"
	    "\n"
	    "begin/end are byte offsets into the line (-1 for added special tokens);\n"
	    "piece is the vocabulary's piece, text the same piece made readable;\n"
	    "segment is 0 (A) or 1 (B), type the token type id the model is given.\n"
	    "Exit status: 0 done, 1 usage error, 2 bad tokenizer or input, 3 I/O failure.\n");
}

static int
tk_args(int argc, char **argv, tk_opts *o)
{
	static const struct option opts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "tokenizer", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "json";
	int c;

	*o = (tk_opts){ 0 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:t:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm': o->model = optarg; break;
		case 't': o->tokenizer = optarg; break;
		case 'f': format = optarg; break;
		case 'h': tk_usage(stdout); return 1;
		default:
			fprintf(stderr, "heed: tokenize: see heed tokenize --help\n");
			return -1;
		}
	}
	o->json = strcmp(format, "json") == 0;
	if (!o->json && strcmp(format, "tsv") != 0) {
		fprintf(stderr, "heed: tokenize: --format takes json or tsv\n");
		return -1;
	}
	if (o->model != NULL && o->tokenizer != NULL) {
		fprintf(stderr, "heed: tokenize: give -m or --tokenizer, not both\n");
		return -1;
	}
	if (optind + 1 < argc) {
		fprintf(stderr, "heed: tokenize: one input file at most\n");
		return -1;
	}
	o->input = optind < argc ? argv[optind] : "-";
	return 0;
}

/* The tokenizer and the casing a bare vocab.txt needs: a model's comes
 * from heed_open (checked against its vocab_size, casing from its
 * config); --tokenizer's is taken as it is, a vocab.txt's casing from the
 * tokenizer_config.json beside it (tok_load), else lowercase as
 * transformers' BertTokenizer defaults. */
static int
tk_open(const tk_opts *o, tok_vocab **v, bool *lowercase, heed_err *e)
{
	heed_open_opts oo = { .model = o->model, .flags = HEED_OPEN_VOCAB };
	heed_session s;
	int rc;

	*lowercase = true;
	if (o->tokenizer != NULL)
		return tok_load(o->tokenizer, v, e);
	if ((rc = heed_open(&oo, &s, e)) < 0)
		return rc;
	*v = s.vocab;
	*lowercase = s.cfg.lowercase;
	s.vocab = NULL;
	heed_close(&s);
	return HEED_OK;
}

/* TSV rows are built in a buffer (util_buf) and written once a line:
 * printf per field was most of heed tokenize's time on a large file. */

static void
tk_int(util_buf *b, long v, char end)
{
	char d[24], *p = d + sizeof d;
	unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;

	*--p = end;
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	util_buf_add(b, p, (size_t)(d + sizeof d - p));
}

/* A piece for TSV: tab, newline, CR and backslash escaped. */
static void
tsv_text(util_buf *b, const char *s)
{
	while (*s != '\0') {
		size_t k = strcspn(s, "\t\n\r\\");

		util_buf_add(b, s, k);
		s += k;
		switch (*s) {
		case '\t': util_buf_add(b, "\\t", 2); break;
		case '\n': util_buf_add(b, "\\n", 2); break;
		case '\r': util_buf_add(b, "\\r", 2); break;
		case '\\': util_buf_add(b, "\\\\", 2); break;
		default: continue;
		}
		s++;
	}
}

/* A JSON string even for a piece that is not UTF-8 (a vocab.txt line
 * may not be): invalid bytes become U+FFFD. */
static json_t *
tk_json_text(const char *s)
{
	json_t *j = json_string(s);
	size_t n, i;
	char *b;

	if (j != NULL)
		return j;
	n = strlen(s);
	b = xmalloc(3 * n + 1);
	for (i = 0, n = 0; s[i] != '\0'; i++) {
		if ((unsigned char)s[i] < 0x80) {
			b[n++] = s[i];
		} else {
			memcpy(b + n, "\xef\xbf\xbd", 3);
			n += 3;
		}
	}
	b[n] = '\0';
	j = json_string(b);
	free(b);
	return j;
}

static int
tk_line(const tok_vocab *v, tok_ws *w, util_buf *out, bool lowercase, bool json, long lineno,
	const char *path, char *line, size_t len, heed_err *e)
{
	char text[256];
	int rc, i;
	tok_result r;
	json_t *toks, *obj;

	rc = tok_encode_line(v, w, line, len, lowercase, INT_MAX, &r, e);
	if (rc < 0)
		return rc;
	if (r.invalid_bytes > 0)
		cli_warn("%s:%ld: %d invalid UTF-8 byte%s skipped", path, lineno,
			 r.invalid_bytes, r.invalid_bytes == 1 ? "" : "s");
	toks = json ? json_array() : NULL;
	for (i = 0; i < r.n; i++) {
		const tok_token *t = &r.tok[i];
		const char *piece = tok_piece(v, t->id);

		if (piece == NULL)
			piece = "";
		tok_display(v, r.tok, r.n, i, text, sizeof text);
		if (json) {
			obj = json_pack("{s:o, s:o, s:i, s:i, s:i}", "piece", tk_json_text(piece),
					"text", tk_json_text(text), "id", t->id, "begin", t->begin,
					"end", t->end);
			if (r.pair) {
				json_object_set_new(obj, "segment", json_integer(t->seg));
				json_object_set_new(obj, "type", json_integer(t->type));
			}
			json_array_append_new(toks, obj);
		} else {
			tk_int(out, lineno, '\t');
			tk_int(out, i, '\t');
			tk_int(out, t->id, '\t');
			tk_int(out, t->begin, '\t');
			tk_int(out, t->end, '\t');
			tk_int(out, t->type, '\t');
			tsv_text(out, piece);
			util_buf_add(out, "\t", 1);
			tsv_text(out, text);
			util_buf_add(out, "\t", 1);
			tk_int(out, t->seg, '\n');
		}
	}
	if (!json) {
		fwrite(out->s, 1, out->n, stdout);
		out->n = 0;
	}
	if (json) {
		obj = json_pack("{s:o}", "tokens", toks);
		if (json_dumpf(obj, stdout, JSON_COMPACT) < 0)
			rc = err_set(e, HEED_EWRITE, "cannot write the output");
		putchar('\n');
		json_decref(obj);
	}
	return rc;
}

int
cmd_tokenize(int argc, char **argv)
{
	tk_opts o;
	tok_vocab *v = NULL;
	tok_ws *w = NULL;
	util_buf out = { 0 };
	heed_err e = { "" };
	bool lowercase;
	FILE *in;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long lineno = 0;
	int rc;

	rc = tk_args(argc, argv, &o);
	if (rc != 0)
		return rc > 0 ? 0 : EXIT_USAGE;
	if ((rc = tk_open(&o, &v, &lowercase, &e)) < 0) {
		cli_error(NULL, "%s", e.msg);
		return cli_exit_code(rc);
	}
	/* a file or a pipe; a folder or an endless device is refused by name */
	in = stdin;
	if (strcmp(o.input, "-") != 0) {
		int fd;
		size_t size;
		if ((rc = util_open_input(o.input, true, &fd, &size, &e)) < 0 ||
		    (in = fdopen(fd, "rb")) == NULL) {
			if (rc == HEED_OK && errno == ENOMEM)
				util_oom(BUFSIZ);
			if (rc == HEED_OK)
				rc = err_set(&e, HEED_EIO, "%s: %s", o.input, strerror(errno));
			cli_error(NULL, "%s", e.msg);
			tok_vocab_free(v);
			return cli_exit_code(rc);
		}
	}
	w = tok_ws_new();
	while (rc == HEED_OK && (n = getline(&line, &cap, in)) >= 0) {
		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			n--;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		rc = tk_line(v, w, &out, lowercase, o.json, lineno, o.input, line, (size_t)n, &e);
	}
	if (rc == HEED_OK && ferror(in)) {
		if (errno == ENOMEM)   /* getline could not grow its buffer */
			util_oom(cap);
		rc = err_set(&e, HEED_EIO, "%s: read error: %s", o.input, strerror(errno));
	}
	if (rc == HEED_OK && (fflush(stdout) != 0 || ferror(stdout)))
		rc = err_set(&e, HEED_EWRITE, "cannot write the output: %s", strerror(errno));
	if (rc < 0)
		cli_error(NULL, "%s", e.msg);
	free(line);
	free(out.s);
	if (in != stdin)
		fclose(in);
	tok_ws_free(w);
	tok_vocab_free(v);
	return cli_exit_code(rc);
}
