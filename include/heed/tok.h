/* tok.h — BERT tokenization: BasicTokenizer + WordPiece, as Hugging Face's
 * BertTokenizer does it (text cleaning, CJK split, punctuation split,
 * lowercase + NFD accent stripping for uncased vocabularies, greedy
 * longest-match WordPiece with "##", words over 100 characters → [UNK]).
 * Special tokens typed literally ("[MASK]") are recognised.  Every token
 * keeps the byte span of the input it came from.  Invalid UTF-8 bytes are
 * dropped (as U+FFFD is) and reported, never a crash.
 */
#ifndef HEED_TOK_H
#define HEED_TOK_H

#include <stdbool.h>
#include <stddef.h>

#include "heed/util.h"

typedef struct tok_vocab tok_vocab;

/* The ids BERT-family models reserve; -1 where the vocabulary lacks one. */
typedef struct tok_specials {
	int cls, sep, mask, unk, pad;
} tok_specials;

int tok_vocab_load(const char *path, tok_vocab **out, heed_err *e);
/* Parse vocab.txt text (one piece per line, id = line number). */
int tok_vocab_parse(const char *buf, size_t len, tok_vocab **out, heed_err *e);
void tok_vocab_free(tok_vocab *v);
int tok_vocab_size(const tok_vocab *v);
int tok_id(const tok_vocab *v, const char *piece);   /* -1 if absent */
const char *tok_piece(const tok_vocab *v, int id);   /* NULL if out of range */
tok_specials tok_vocab_specials(const tok_vocab *v);

typedef struct tok_token {
	int id;
	int begin, end;   /* byte span [begin, end) in the input; -1,-1 for added [CLS]/[SEP] */
} tok_token;

typedef struct tok_result {
	tok_token *tok;   /* [CLS] ... [SEP] */
	int n;
	int n_full;       /* tokens before truncation (incl. [CLS]/[SEP]) */
	bool truncated;   /* n_full > max_tokens */
	int invalid_bytes;/* invalid UTF-8 bytes skipped */
} tok_result;

/* Tokenize text[0..len) into [CLS] pieces [SEP], at most max_tokens long. */
int tok_encode(const tok_vocab *v, const char *text, size_t len, bool lowercase,
	       int max_tokens, tok_result *out, heed_err *e);
void tok_result_free(tok_result *r);

/* The buffers tokenizing needs, kept from one call to the next: the
 * explorer tokenizes on every key, and once they have grown to the
 * sentence's size a key allocates nothing. */
typedef struct tok_ws tok_ws;
tok_ws *tok_ws_new(void);
void tok_ws_free(tok_ws *w);
/* tok_encode into w: out->tok points into w and is valid until the next
 * call with w (never tok_result_free it). */
int tok_encode_ws(const tok_vocab *v, tok_ws *w, const char *text, size_t len, bool lowercase,
		  int max_tokens, tok_result *out, heed_err *e);

#endif
