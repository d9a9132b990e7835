/* text.h — internals shared by the tokenizer's files (not a public API).
 *
 * The tokenizer works on arrays of code points, each carrying the byte span
 * of the input it came from.  Every transformation (NFC, lowercase, NFD,
 * accent stripping) keeps those spans, so a word piece can name the bytes
 * the user typed.
 */
#ifndef HEED_TEXT_H
#define HEED_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heed/tok.h"

typedef struct tok_char {
	int32_t cp;
	int begin, end;   /* byte span in the input */
} tok_char;

/* A growable array of tok_char. */
typedef struct tok_chars {
	tok_char *c;
	int n, cap;
} tok_chars;

void tok_chars_push(tok_chars *a, int32_t cp, int begin, int end);
void tok_chars_free(tok_chars *a);

/* vocab.c: lookup of a piece that is not NUL-terminated; with its hash
 * (tok_hash_step from TOK_HASH_BASIS over its bytes) already known; and
 * whether any piece starts with the bytes that hash to h. */
#define TOK_HASH_BASIS 0xcbf29ce484222325ULL
uint64_t tok_hash_step(uint64_t h, const char *s, size_t n);
int tok_vocab_find(const tok_vocab *v, const char *s, size_t n);
int tok_vocab_find_hashed(const tok_vocab *v, uint64_t h, const char *s, size_t n);
bool tok_vocab_is_prefix(const tok_vocab *v, uint64_t h);
/* Length in bytes of the longest piece: no longer candidate can match. */
size_t tok_vocab_max_piece(const tok_vocab *v);

/* uchar.c: character classes, as BERT's BasicTokenizer defines them. */
bool tok_uc_is_dropped(int32_t cp);      /* NUL, U+FFFD, other (C*) but \t\n\r */
bool tok_uc_is_space(int32_t cp);        /* separates words */
bool tok_uc_is_cjk(int32_t cp);          /* CJK ideograph: a word by itself */
bool tok_uc_is_punct(int32_t cp);        /* split out as a word of its own */
int32_t tok_uc_lower(int32_t cp);

/* normalize.c: whole-word normalization, in place. */
void tok_norm_nfc(tok_chars *w, tok_chars *scratch);
void tok_norm_uncase(tok_chars *w, tok_chars *scratch);  /* lower, NFD, drop Mn */

/* wordpiece.c: greedy longest-match-first pieces of one word, appended to
 * out; a word that does not split into known pieces becomes one [UNK]. */
typedef struct tok_out {
	tok_token *t;
	int n, cap;
} tok_out;

void tok_out_push(tok_out *o, int id, int begin, int end);
void tok_wordpiece(const tok_vocab *v, const tok_char *w, int n, tok_out *out);

/* tokenizer.c: every buffer of one tokenization, reused by the next. */
struct tok_ws {
	tok_chars cps;           /* the decoded text */
	tok_chars word, scratch; /* the word being normalized */
	tok_out out;             /* the pieces */
};

#endif
