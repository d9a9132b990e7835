/* corpus.c — the text calibration runs on, read, checked, split into
 * sentences and tokenized once (calib.h).
 *
 * The corpus comes from the user, often from a pipe (`<(zcat x.gz)`), and
 * a wrong encoding must be said, not guessed around: a UTF-16 file read as
 * UTF-8 is one "sentence" of a few tokens, and a calibration on it
 * overwrites a good one.  So a byte-order mark of UTF-16 or UTF-32 and any
 * NUL byte are refused, naming the line; bytes that are not UTF-8 are
 * reported by line (the tokenizer drops them); a UTF-8 byte-order mark is
 * skipped.  The file is read in chunks from a regular file or a pipe
 * (util_open_input refuses devices and never blocks on a FIFO), and a NUL
 * stops the read at once.
 */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <utf8proc.h>
#include <xxhash.h>

#include "heed/calib.h"

#define CORPUS_CHUNK (1u << 20)
#define CORPUS_MAX_WARNINGS 5     /* lines reported one by one */

static void
corpus_push(calib_corpus *c, const int *ids, int n)
{
	if (c->count + 2 > c->cap) {
		c->cap = c->cap ? c->cap * 2 : 1024;
		c->off = xrealloc(c->off, sizeof(size_t) * c->cap);
	}
	if (c->ids_len + (size_t)n > c->ids_cap) {
		c->ids_cap = (c->ids_cap + (size_t)n) * 2;
		c->ids = xrealloc(c->ids, sizeof(int) * c->ids_cap);
	}
	if (c->count == 0)
		c->off[0] = 0;
	memcpy(c->ids + c->ids_len, ids, sizeof(int) * (size_t)n);
	c->ids_len += (size_t)n;
	c->off[++c->count] = c->ids_len;
	c->tokens += (size_t)n;
}

void
calib_corpus_free(calib_corpus *c)
{
	free(c->ids);
	free(c->off);
	memset(c, 0, sizeof *c);
}

bool
calib_corpus_full(const calib_corpus *c, const calib_corpus_opts *o)
{
	return o->max > 0 && c->seen >= (uint64_t)o->max;
}

/* ---- encoding checks ------------------------------------------------------ */

/* 1-based line of byte pos in text. */
static size_t
line_of(const char *text, size_t pos)
{
	size_t line = 1;

	for (size_t k = 0; k < pos; k++)
		line += text[k] == '\n';
	return line;
}

static int
check_bom(const unsigned char *b, size_t len, const char *path, heed_err *e)
{
	static const struct { const char *bytes; size_t n; const char *name; } boms[] = {
		{ "\xFF\xFE\x00\x00", 4, "UTF-32LE" }, { "\x00\x00\xFE\xFF", 4, "UTF-32BE" },
		{ "\xFF\xFE", 2, "UTF-16LE" }, { "\xFE\xFF", 2, "UTF-16BE" },
	};

	for (size_t i = 0; i < sizeof boms / sizeof *boms; i++)
		if (len >= boms[i].n && memcmp(b, boms[i].bytes, boms[i].n) == 0)
			return err_set(e, HEED_EFORMAT, "%s:1: %s byte-order mark: the corpus must be "
			    "UTF-8 text (convert it with: iconv -f %.6s -t UTF-8)", path, boms[i].name,
			    boms[i].name);
	return HEED_OK;
}

/* Read everything from path, refusing a NUL as soon as it arrives. */
static int
read_all(const char *path, char **out, size_t *outlen, heed_err *e)
{
	size_t len = 0, cap = 0, got, hint;
	char *buf = NULL;
	FILE *f;
	int rc, fd;

	*out = NULL;
	/* never blocks on a FIFO; refuses folders and devices, takes pipes */
	if ((rc = util_open_input(path, true, &fd, &hint, e)) < 0)
		return rc;
	if ((f = fdopen(fd, "rb")) == NULL) {
		rc = errno;
		close(fd);
		return err_set(e, HEED_EIO, "%s: %s", path, strerror(rc));
	}
	do {
		if (cap - len < CORPUS_CHUNK) {
			cap = cap ? cap * 2 : 2 * CORPUS_CHUNK;
			buf = xrealloc(buf, cap + 1);
		}
		got = fread(buf + len, 1, CORPUS_CHUNK, f);
		if (len == 0 && got > 0 && (rc = check_bom((unsigned char *)buf, got, path, e)) < 0)
			goto fail;
		const char *nul = memchr(buf + len, '\0', got);
		if (nul != NULL) {
			rc = err_set(e, HEED_EFORMAT, "%s:%zu: NUL byte: the corpus must be UTF-8 text "
			    "(is it UTF-16, or binary?)", path, line_of(buf, (size_t)(nul - buf)));
			goto fail;
		}
		len += got;
	} while (got > 0);
	if (ferror(f)) {
		rc = err_set(e, HEED_EIO, "%s: read error: %s", path, strerror(errno));
		goto fail;
	}
	fclose(f);
	buf = buf != NULL ? buf : xmalloc(1);
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return HEED_OK;
fail:
	fclose(f);
	free(buf);
	return rc;
}

/* Say which lines have bytes that are not UTF-8 (the tokenizer drops them,
 * so calibration goes on): the first few by line, then a count. */
static void
check_utf8(const char *text, size_t len, const char *path, const calib_corpus_opts *o)
{
	size_t line = 1, bad_lines = 0;
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)text;

	for (size_t k = 0; k < len;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate(p + k, (utf8proc_ssize_t)(len - k), &cp);
		if (n > 0) {
			line += p[k] == '\n';
			k += (size_t)n;
			continue;
		}
		if (++bad_lines <= CORPUS_MAX_WARNINGS && o->warn != NULL) {
			char msg[256];
			snprintf(msg, sizeof msg, "%s:%zu: byte 0x%02x is not UTF-8; such bytes are "
			    "skipped", path, line, p[k]);
			o->warn(o->ud, msg);
		}
		/* one report per line: skip to its end */
		while (k < len && p[k] != '\n')
			k++;
	}
	if (bad_lines > CORPUS_MAX_WARNINGS && o->warn != NULL) {
		char msg[256];
		snprintf(msg, sizeof msg, "%s: %zu lines in all have bytes that are not UTF-8 "
		    "(is it Latin-1? convert it with: iconv -f LATIN1 -t UTF-8)", path, bad_lines);
		o->warn(o->ud, msg);
	}
}

/* ---- sentences ------------------------------------------------------------ */

static bool
starts_capital(const char *s)
{
	utf8proc_int32_t cp;

	if (utf8proc_iterate((const utf8proc_uint8_t *)s, -1, &cp) < 0)
		return false;
	return utf8proc_category(cp) == UTF8PROC_CATEGORY_LU;
}

/* End of the first sentence in s: after . ! ? (and any run of them) that is
 * followed by space and a capital; else the end of s. */
static const char *
sentence_end(const char *s)
{
	for (const char *p = s; *p != '\0'; p++) {
		if (*p != '.' && *p != '!' && *p != '?')
			continue;
		const char *q = p;
		while (q[1] == '.' || q[1] == '!' || q[1] == '?')
			q++;
		if (q[1] != ' ')
			continue;
		const char *r = q + 1;
		while (*r == ' ')
			r++;
		if (starts_capital(r))
			return q + 1;
		p = q;
	}
	return s + strlen(s);
}

static bool
blank(const char *s, const char *end)
{
	for (; s < end; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r')
			return false;
	return true;
}

typedef struct reader {
	const calib_corpus_opts *o;
	calib_corpus *c;
	int *ids;
} reader;

/* Every sentence counts towards --max-sentences; a shard keeps those whose
 * number, counted over the whole corpus, falls to it. */
static int
add_sentence(reader *r, const char *text, size_t len, heed_err *e)
{
	const calib_corpus_opts *o = r->o;
	uint64_t index = r->c->seen++;
	tok_result t;
	int rc;

	r->c->hash = XXH3_64bits_withSeed(text, len, r->c->hash ^ index);
	if (o->shards > 1 && index % (uint64_t)o->shards != (uint64_t)(o->shard - 1))
		return HEED_OK;
	if ((rc = tok_encode(o->v, text, len, o->lowercase, o->L, &t, e)) < 0)
		return rc;
	for (int k = 0; k < t.n; k++)
		r->ids[k] = t.tok[k].id;
	r->c->truncated += t.truncated;
	corpus_push(r->c, r->ids, t.n);
	tok_result_free(&t);
	return HEED_OK;
}

/* One line: split into sentences, skipping empty pieces. */
static int
read_line(reader *r, char *line, heed_err *e)
{
	char *s = line;
	int rc;

	while (*s != '\0' && !calib_corpus_full(r->c, r->o)) {
		const char *end = sentence_end(s);
		if (!blank(s, end) && (rc = add_sentence(r, s, (size_t)(end - s), e)) < 0)
			return rc;
		s = (char *)end;
		while (*s == ' ')
			s++;
	}
	return HEED_OK;
}

/* Does the line [b, e) end a sentence: . ! ? : ; last, before any closing
 * quotes or brackets? */
static bool
ends_sentence(const char *b, const char *e)
{
	while (e > b) {
		if (strchr(" \t\r\"')]", e[-1]) != NULL) {
			e--;
		} else if (e - b >= 3 && (memcmp(e - 3, "\xE2\x80\x9D", 3) == 0 ||
		    memcmp(e - 3, "\xE2\x80\x99", 3) == 0)) {
			e -= 3;   /* closing curly quotes */
		} else {
			break;
		}
	}
	return e > b && strchr(".!?:;", e[-1]) != NULL;
}

/* Hard-wrapped prose (paragraphs of lines broken mid-sentence, separated by
 * blank lines, as in Project Gutenberg texts) is recognised by its blank
 * lines and by most lines not ending a sentence; its line breaks inside a
 * paragraph become spaces.  Files with one sentence or paragraph per line
 * are left alone. */
static void
unwrap(char *text)
{
	size_t lines = 0, open = 0, blanks = 0;
	char *next;

	for (char *ln = text; *ln != '\0'; ln = next) {
		char *end = strchr(ln, '\n');
		next = end != NULL ? end + 1 : ln + strlen(ln);
		end = end != NULL ? end : next;
		if (blank(ln, end)) {
			blanks++;
			continue;
		}
		lines++;
		open += !ends_sentence(ln, end);
	}
	if (blanks == 0 || open * 2 <= lines)
		return;
	for (char *ln = text, *end; (end = strchr(ln, '\n')) != NULL; ln = next) {
		char *after;
		next = end + 1;
		after = strchr(next, '\n');
		if (!blank(ln, end) && !blank(next, after != NULL ? after : next + strlen(next)))
			*end = ' ';
	}
}

int
calib_corpus_read(calib_corpus *c, const calib_corpus_opts *o, const char *path, heed_err *e)
{
	char *text, *next, *start;
	size_t len = 0;
	int rc;
	reader r = { o, c, NULL };

	if ((rc = read_all(path, &text, &len, e)) < 0)
		return rc;
	check_utf8(text, len, path, o);
	start = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? text + 3 : text;
	unwrap(start);
	r.ids = xmalloc(sizeof(int) * (size_t)o->L);
	for (char *line = start; line != NULL && !calib_corpus_full(c, o); line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((rc = read_line(&r, line, e)) < 0) {
			char msg[sizeof e->msg];
			snprintf(msg, sizeof msg, "%s", e->msg);
			rc = err_set(e, rc, "%s: %s", path, msg);
			break;
		}
	}
	free(r.ids);
	free(text);
	return rc < 0 ? rc : HEED_OK;
}
