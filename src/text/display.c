/* display.c — pieces as people read them.  Byte-level pieces are decoded
 * back to text (Ġ is a space byte), SentencePiece's ▁ and a leading space
 * become one word-start mark, a newline ↵ and a tab →; a character whose
 * bytes ended up in several tokens is shown once, on its first token,
 * the others showing TOK_CONT_MARK.
 */
#include "heed/tok.h"
#include "text.h"

#include <string.h>

#include <utf8proc.h>

/* The raw bytes a token stands for (byte-level decoded), into b. */
static void
raw_bytes(const tok_vocab *v, int id, tok_str *b)
{
	size_t len, i = 0;
	const char *p = tok_table_piece(v->names, id, &len);
	utf8proc_int32_t cp;
	utf8proc_ssize_t q;
	int byte;

	b->n = 0;
	tok_str_put(b, "", 0);
	if (p == NULL)
		return;
	if (len == 6 && p[0] == '<' && p[1] == '0' && p[2] == 'x' && p[5] == '>' &&
	    v->model.byte_id[0] >= 0) {
		/* SentencePiece's <0xXX> byte pieces */
		unsigned x = 0;

		for (i = 3; i < 5; i++)
			x = x * 16 + (unsigned)(p[i] <= '9' ? p[i] - '0' : (p[i] | 32) - 'a' + 10);
		tok_str_put(b, (const char *)&(unsigned char){ (unsigned char)x }, 1);
		return;
	}
	if (!v->byte_level || tok_table_find(v->model.vocab, p, len) != id) {
		tok_str_put(b, p, len);
		return;
	}
	while (i < len) {
		q = utf8proc_iterate((const utf8proc_uint8_t *)p + i, (utf8proc_ssize_t)(len - i), &cp);
		if (q < 1)
			break;
		byte = tok_char_byte(cp);
		if (byte < 0) {
			tok_str_put(b, p + i, (size_t)q);
		} else {
			unsigned char c = (unsigned char)byte;

			tok_str_put(b, (const char *)&c, 1);
		}
		i += (size_t)q;
	}
}

/* Bytes of an incomplete UTF-8 sequence at the start of s (continuation
 * bytes a previous token began). */
static size_t
leading_cont(const tok_str *s)
{
	size_t i = 0;

	while (i < s->n && ((unsigned char)s->s[i] & 0xC0) == 0x80)
		i++;
	return i;
}

/* Token j's id, from tokens or from bare ids. */
static int
id_at(const tok_token *t, const int *ids, int j)
{
	return t != NULL ? t[j].id : ids[j];
}

static char *
display(const tok_vocab *v, const tok_token *t, const int *ids, int n, int i, char *buf,
	size_t size)
{
	tok_str b = { 0 }, o = { 0 }, nx = { 0 };
	size_t k, skip;
	int j;

	if (size == 0)
		return buf;
	raw_bytes(v, id_at(t, ids, i), &b);
	skip = leading_cont(&b);
	if (skip == b.n && skip > 0) {
		tok_str_put(&o, TOK_CONT_MARK, strlen(TOK_CONT_MARK));
		goto done;
	}
	/* complete a character the token ends inside with the next tokens */
	for (j = i + 1; j < n; j++) {
		size_t c;

		raw_bytes(v, id_at(t, ids, j), &nx);
		c = leading_cont(&nx);
		if (c == 0)
			break;
		tok_str_put(&b, nx.s, c);
		if (c < nx.n)
			break;
	}
	for (k = skip; k < b.n;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t q = utf8proc_iterate((const utf8proc_uint8_t *)b.s + k,
						      (utf8proc_ssize_t)(b.n - k), &cp);

		if (q < 1) {
			k++;
			continue;
		}
		if (cp == ' ' || (v->metaspace && cp == v->meta_char))
			tok_str_put(&o, TOK_WORD_MARK, strlen(TOK_WORD_MARK));
		else if (cp == '\n')
			tok_str_put(&o, "\xe2\x86\xb5", 3);
		else if (cp == '\t')
			tok_str_put(&o, "\xe2\x86\x92", 3);
		else if (cp == '\r')
			tok_str_put(&o, "\xe2\x90\x8d", 3);
		else
			tok_str_put(&o, b.s + k, (size_t)q);
		k += (size_t)q;
	}
done:
	k = o.n < size - 1 ? o.n : size - 1;
	/* do not cut a character in two */
	while (k > 0 && k < o.n && ((unsigned char)o.s[k] & 0xC0) == 0x80)
		k--;
	if (k > 0)
		memcpy(buf, o.s, k);
	buf[k] = '\0';
	free(b.s);
	free(o.s);
	free(nx.s);
	return buf;
}

char *
tok_display(const tok_vocab *v, const tok_token *t, int n, int i, char *buf, size_t size)
{
	return display(v, t, NULL, n, i, buf, size);
}

char *
tok_display_ids(const tok_vocab *v, const int *ids, int n, int i, char *buf, size_t size)
{
	return display(v, NULL, ids, n, i, buf, size);
}
