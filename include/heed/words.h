/* words.h — attention between words, not word pieces.
 *
 * A word is what the tokenizer's pre-tokenizer cut out of the text (one
 * split, tok_token.word, Hugging Face's word_ids()): the pieces the model
 * cut it into are merged.  A special token the template added ([CLS],
 * [SEP], <s>) is a word of its own.  Between words, the convention of
 * Clark et al. 2019 ("What Does BERT Look At?", section 4): attention TO a
 * word is the sum of the attention to its pieces, attention FROM a word
 * the mean of its pieces' rows, so every word row still sums to 1.
 *
 * Pure functions over plain arrays: the explorer's encoder thread, `heed
 * dump --words` and the exports share them, and tools/reference checks
 * them with an implementation of its own.
 */
#ifndef HEED_WORDS_H
#define HEED_WORDS_H

#include <stdbool.h>
#include <stddef.h>

#include "heed/tok.h"

/* Group t[0..n) into words: word w is tokens first[w] .. first[w+1]-1,
 * and first[nw] = n.  Returns nw (0 when n is 0).  A word's tokens are
 * consecutive (Hugging Face never interleaves two words). */
int words_group(const tok_token *t, int n, int *first);

/* out[nw][nw] from attn[n][n], rows = queries: out[a][b] is the mean over
 * the tokens i of word a of the sum over the tokens j of word b of
 * attn[i][j]. */
void words_attention(const float *attn, int n, const int *first, int nw, float *out);

/* Does some token of word a attend some token of word b, when a query
 * sees keys within `window` tokens of it (-1: all, enc_window())? */
bool words_attended(const int *first, int a, int b, int window);

/* Word w's text, NUL-terminated in at most size bytes (cut at a character
 * boundary, "…" at the end when cut): the input bytes from its first
 * token's start to its last token's end, text[t.seq] being the sentence
 * the spans point into; a special token's or a span-less token's readable
 * piece (tok_display).  Returns buf. */
char *words_text(const tok_vocab *v, const tok_token *t, int n, const int *first, int w,
		 const char *const text[2], char *buf, size_t size);

#endif
