/* tok.h — tokenizers, exactly as Hugging Face's `tokenizers` runs them.
 *
 * A tok_vocab is a whole tokenizer: its vocabulary and the pipeline that
 * cuts text into it — added tokens, normalizers, pre-tokenizers, the model
 * (WordPiece, BPE or Unigram, one implementation each) and the
 * post-processor that adds the special tokens.  It is read from a
 * tokenizer.json, from the slow files transformers falls back to
 * (vocab.txt; vocab.json + merges.txt), or from a model folder holding
 * them, in transformers' order of preference.
 *
 * Every token keeps the byte span of the input it came from, as Hugging
 * Face computes offsets.  Invalid UTF-8 bytes are dropped (as U+FFFD is)
 * and counted, never a crash.  The model's mask token may be typed, and
 * "[MASK]" in any case always means it too.
 */
#ifndef HEED_TOK_H
#define HEED_TOK_H

#include <stdbool.h>
#include <stddef.h>

#include "heed/util.h"

typedef struct tok_vocab tok_vocab;

/* Special token ids; -1 where the tokenizer has none.  cls is the token a
 * single sequence starts with ([CLS], <s>), sep the one it ends with. */
typedef struct tok_specials {
	int cls, sep, mask, unk, pad;
} tok_specials;

/* Load path: a folder (tokenizer.json, else vocab.json + merges.txt, else
 * vocab.txt; tokenizer_config.json and special_tokens_map.json for special
 * tokens and options) or a tokenizer.json or vocab.txt file. */
int tok_load(const char *path, tok_vocab **out, heed_err *e);
/* The same as tok_load (the name the callers have always used). */
int tok_vocab_load(const char *path, tok_vocab **out, heed_err *e);
/* Parse vocab.txt text (one piece per line, id = line number; a piece on
 * several lines keeps the last line's id, as Hugging Face does). */
int tok_vocab_parse(const char *buf, size_t len, tok_vocab **out, heed_err *e);
/* Parse tokenizer.json text; name is used in messages. */
int tok_json_load(const char *buf, size_t len, const char *name, tok_vocab **out, heed_err *e);
/* vocab.json + merges.txt text: RoBERTa's byte-level BPE (GPT-2's when
 * there is no <s>). */
int tok_merges_parse(const char *vocab, size_t vlen, const char *merges, size_t mlen,
		     tok_vocab **out, heed_err *e);
/* A SentencePiece model file's bytes (Unigram, BPE, word or char). */
int tok_spm_parse(const unsigned char *buf, size_t len, tok_vocab **out, heed_err *e);
/* The same with what transformers reads beside it: cfg is the folder's
 * tokenizer_config.json (NULL: none; do_lower_case, ALBERT's accents,
 * DeBERTa's split_by_punct), file the model's base name
 * (sentencepiece.bpe.model takes XLM-R's fairseq ids and <mask>). */
struct json_t;
int tok_spm_build(const unsigned char *buf, size_t len, const struct json_t *cfg, const char *file,
		  tok_vocab **out, heed_err *e);
void tok_vocab_free(tok_vocab *v);

/* Number of ids (highest id + 1, added tokens included). */
int tok_vocab_size(const tok_vocab *v);
int tok_id(const tok_vocab *v, const char *piece);   /* -1 if absent */
const char *tok_piece(const tok_vocab *v, int id);   /* NULL if out of range */
tok_specials tok_vocab_specials(const tok_vocab *v);
/* "WordPiece", "BPE", "Unigram", or a SentencePiece word or char model's
 * "WordLevel" or "Char"; and the files it was read from. */
const char *tok_kind(const tok_vocab *v);
const char *tok_source(const tok_vocab *v);
/* Check the tokenizer against the model's vocab_size (config.json): an id
 * the embedding has no row for is an error, and so is a vocab.txt with
 * fewer lines than vocab_size (BERT checkpoints match exactly).  Other
 * tokenizers may have fewer ids (checkpoints pad the embedding to a round
 * size); the ids past them get pieces "<unused N>", which no text encodes
 * to.  HEED_EFORMAT with a message on a mismatch. */
int tok_check_size(tok_vocab *v, int vocab_size, heed_err *e);

typedef struct tok_token {
	int id;
	int begin, end;   /* byte span [begin, end) in the input; -1,-1 for added specials */
	int type;         /* type id from the template (BERT: 1 for the second sentence) */
	int seq;          /* the sentence it came from (0, 1), -1 for added specials */
	int seg;          /* its segment: 0 (A) or 1 (B); a special token belongs
			   * to the sentence before it in the template, a leading
			   * one to the sentence after it ([CLS] A [SEP] | B [SEP]) */
	int word;         /* its word in that sentence, as Hugging Face's word_ids():
			   * tokens cut from one pre-tokenized word (or one added
			   * token found in the text) share it, counted from 0 in
			   * each sentence; -1 for added specials */
} tok_token;

typedef struct tok_result {
	tok_token *tok;   /* with the special tokens */
	int n;
	int n_full;       /* tokens before truncation (specials included) */
	bool truncated;   /* n_full > max_tokens */
	int invalid_bytes;/* invalid UTF-8 bytes skipped */
	bool pair;        /* two segments, joined by the pair template */
} tok_result;

/* Tokenize text[0..len) with the special tokens around it, at most
 * max_tokens long (the head is kept).  lowercase matters only for a
 * tokenizer read from a bare vocab.txt, whose files do not say whether
 * the model is cased: it selects BERT's lowercasing and accent stripping.
 * Every other tokenizer carries its own normalizer. */
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
/* A sentence pair (b may be NULL for a single sentence) with the model's
 * own pair template; spans of b's tokens (seq 1) are offsets into b.  Truncation
 * shortens the longer sentence first, as Hugging Face's longest_first. */
int tok_encode_pair(const tok_vocab *v, tok_ws *w, const char *a, size_t alen,
		    const char *b, size_t blen, bool lowercase, int max_tokens,
		    tok_result *out, heed_err *e);

/* Where a line holds a sentence pair: segment A ends at the first TAB,
 * or where there is none at the first " ||| "; segment B starts after it.
 * Returns true and sets *alen (A's length) and *boff (where B starts) for
 * a pair, false (*alen = len) for a single sentence. */
bool tok_pair_split(const char *text, size_t len, size_t *alen, size_t *boff);
/* tok_encode_pair on a line tok_pair_split cuts (a single sentence when it
 * does not): every span, segment B's too, is a byte offset into the line. */
int tok_encode_line(const tok_vocab *v, tok_ws *w, const char *text, size_t len, bool lowercase,
		    int max_tokens, tok_result *out, heed_err *e);

/* A token's piece as people read it: the byte-level alphabet decoded
 * (Ġ, SentencePiece's ▁ become TOK_WORD_MARK, Ċ a ↵), and a character
 * split over several byte tokens shown once, on its first token, the
 * others as TOK_CONT_MARK.  t[0..n) is the whole sequence, i the token.
 * Writes at most size bytes, NUL-terminated; returns buf. */
#define TOK_WORD_MARK "\xe2\x96\x81"   /* ▁ */
#define TOK_CONT_MARK "\xe2\x80\xa6"   /* … */
char *tok_display(const tok_vocab *v, const tok_token *t, int n, int i, char *buf, size_t size);
/* The same for a sequence given by its ids[0..n). */
char *tok_display_ids(const tok_vocab *v, const int *ids, int n, int i, char *buf, size_t size);

#endif
