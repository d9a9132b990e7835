/* input.c — UTF-8 line editing for the sentence.
 *
 * The line may hold invalid UTF-8 (a startup argument, say): movement steps
 * over at most three continuation bytes, so a stray byte is one "character"
 * and the cursor can never get stuck or run off the buffer.
 */
#include "input.h"

#include <string.h>
#include <utf8proc.h>

#include "heed/util.h"

void
input_init(ui_input *in)
{
	memset(in, 0, sizeof *in);
	in->cap = 64;
	in->buf = xcalloc(in->cap, 1);
}

void
input_free(ui_input *in)
{
	for (int i = 0; i < in->nhist; i++)
		free(in->hist[i]);
	free(in->draft);
	free(in->buf);
	memset(in, 0, sizeof *in);
}

static bool
is_cont(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

/* Start of the character before byte offset i. */
static size_t
prev_char(const char *s, size_t i)
{
	size_t j = i;

	if (j == 0)
		return 0;
	j--;
	while (j > 0 && i - j < 4 && is_cont((unsigned char)s[j]))
		j--;
	return j;
}

/* Start of the character after the one at i. */
static size_t
next_char(const char *s, size_t len, size_t i)
{
	size_t j = i;

	if (j >= len)
		return len;
	j++;
	while (j < len && j - i < 4 && is_cont((unsigned char)s[j]))
		j++;
	return j;
}

static void
reserve(ui_input *in, size_t need)
{
	if (need + 1 <= in->cap)
		return;
	while (in->cap < need + 1)
		in->cap *= 2;
	in->buf = xrealloc(in->buf, in->cap);
}

void
input_set(ui_input *in, const char *s)
{
	size_t n = strlen(s);

	if (n > INPUT_MAX_BYTES)
		n = INPUT_MAX_BYTES;
	reserve(in, n);
	memcpy(in->buf, s, n);
	in->buf[n] = '\0';
	in->len = in->cur = n;
}

bool
input_insert(ui_input *in, const char *s, size_t n)
{
	if (in->len + n > INPUT_MAX_BYTES)
		n = INPUT_MAX_BYTES - in->len;
	if (n == 0)
		return false;
	reserve(in, in->len + n);
	memmove(in->buf + in->cur + n, in->buf + in->cur, in->len - in->cur + 1);
	memcpy(in->buf + in->cur, s, n);
	in->len += n;
	in->cur += n;
	return true;
}

bool
input_insert_cp(ui_input *in, unsigned cp)
{
	utf8proc_uint8_t b[4];
	utf8proc_ssize_t n;

	if (!utf8proc_codepoint_valid((utf8proc_int32_t)cp))
		return false;
	n = utf8proc_encode_char((utf8proc_int32_t)cp, b);
	if (in->len + (size_t)n > INPUT_MAX_BYTES)
		return false;
	return input_insert(in, (const char *)b, (size_t)n);
}

/* Remove bytes [a, b) and leave the cursor at a. */
static bool
cut(ui_input *in, size_t a, size_t b)
{
	if (a >= b)
		return false;
	memmove(in->buf + a, in->buf + b, in->len - b + 1);
	in->len -= b - a;
	in->cur = a;
	return true;
}

bool
input_backspace(ui_input *in)
{
	return cut(in, prev_char(in->buf, in->cur), in->cur);
}

bool
input_delete(ui_input *in)
{
	return cut(in, in->cur, next_char(in->buf, in->len, in->cur));
}

bool
input_left(ui_input *in)
{
	size_t c = in->cur;

	in->cur = prev_char(in->buf, c);
	return in->cur != c;
}

bool
input_right(ui_input *in)
{
	size_t c = in->cur;

	in->cur = next_char(in->buf, in->len, c);
	return in->cur != c;
}

bool
input_home(ui_input *in)
{
	size_t c = in->cur;

	in->cur = 0;
	return c != 0;
}

bool
input_end(ui_input *in)
{
	size_t c = in->cur;

	in->cur = in->len;
	return c != in->len;
}

static bool
is_space_at(const char *s, size_t i)
{
	return s[i] == ' ' || s[i] == '\t';
}

bool
input_kill_word(ui_input *in)
{
	size_t a = in->cur;

	while (a > 0 && is_space_at(in->buf, prev_char(in->buf, a)))
		a = prev_char(in->buf, a);
	while (a > 0 && !is_space_at(in->buf, prev_char(in->buf, a)))
		a = prev_char(in->buf, a);
	return cut(in, a, in->cur);
}

bool
input_kill_line(ui_input *in)
{
	return cut(in, 0, in->cur);
}

void
input_hist_push(ui_input *in)
{
	if (in->len == 0)
		return;
	if (in->nhist > 0 && strcmp(in->hist[in->nhist - 1], in->buf) == 0) {
		in->hpos = in->nhist;
		return;
	}
	if (in->nhist == INPUT_HISTORY) {
		free(in->hist[0]);
		memmove(in->hist, in->hist + 1, (INPUT_HISTORY - 1) * sizeof in->hist[0]);
		in->nhist--;
	}
	in->hist[in->nhist++] = xstrdup(in->buf);
	in->hpos = in->nhist;
}

bool
input_hist_prev(ui_input *in)
{
	if (in->hpos == 0)
		return false;
	if (in->hpos == in->nhist) {
		free(in->draft);
		in->draft = xstrdup(in->buf);
	}
	input_set(in, in->hist[--in->hpos]);
	return true;
}

bool
input_hist_next(ui_input *in)
{
	if (in->hpos >= in->nhist)
		return false;
	in->hpos++;
	input_set(in, in->hpos == in->nhist ? (in->draft ? in->draft : "") : in->hist[in->hpos]);
	return true;
}

int
input_width(const char *s, size_t from, size_t to)
{
	int w = 0;

	while (from < to) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s + from,
		    (utf8proc_ssize_t)(to - from), &cp);

		if (n <= 0) {   /* an invalid byte shows as one replacement cell */
			w++;
			from++;
			continue;
		}
		w += utf8proc_charwidth(cp) > 0 ? utf8proc_charwidth(cp) : 0;
		from += (size_t)n;
	}
	return w;
}

int
input_utf8_feed(ui_utf8 *d, unsigned char b, unsigned out[2])
{
	int n = 0;

	if (d->need > 0) {
		if ((b & 0xC0) == 0x80) {
			d->cp = (d->cp << 6) | (b & 0x3Fu);
			if (--d->need > 0)
				return 0;
			bool bad = d->cp < d->min || d->cp > 0x10FFFF ||
			    (d->cp >= 0xD800 && d->cp <= 0xDFFF);
			out[n++] = bad ? 0xFFFD : d->cp;
			return n;
		}
		d->need = 0;
		out[n++] = 0xFFFD;   /* a sequence cut short; b starts anew */
	}
	if (b < 0x80) {
		out[n++] = b;
	} else if (b >= 0xC2 && b <= 0xDF) {
		d->need = 1, d->cp = b & 0x1Fu, d->min = 0x80;
	} else if (b >= 0xE0 && b <= 0xEF) {
		d->need = 2, d->cp = b & 0x0Fu, d->min = 0x800;
	} else if (b >= 0xF0 && b <= 0xF4) {
		d->need = 3, d->cp = b & 0x07u, d->min = 0x10000;
	} else {
		out[n++] = 0xFFFD;   /* a stray continuation or an impossible lead */
	}
	return n;
}
