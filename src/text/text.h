/* text.h — internals shared by the tokenizer's files (not a public API).
 *
 * The pipeline is Hugging Face's tokenizers one: added tokens are cut out
 * of the raw text, the rest is normalized, pre-tokenized into words, each
 * word is cut by the model (WordPiece, BPE or Unigram) and a post-processor
 * adds the special tokens.  Text travels as arrays of code points, each
 * carrying the byte span of the input it came from.  Every step that
 * rewrites characters does it the way Hugging Face's NormalizedString
 * keeps its alignments (tok_chars_emit), so a token's span is the one
 * Hugging Face reports.
 */
#ifndef HEED_TEXT_H
#define HEED_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heed/tok.h"
#include "heed/util.h"

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
/* Hugging Face's transform: append cp to out with the span it takes from
 * in, as NormalizedString::transform_range does.  change 0 replaces the
 * char at *pos (and consumes it); change > 0 inserts a char sharing the
 * span of the char before *pos; change < 0 replaces the char at *pos and
 * also consumes the -change chars after it. */
void tok_chars_emit(tok_chars *out, const tok_chars *in, int *pos, int32_t cp, int change);

/* ---- vocabulary: pieces <-> ids --------------------------------------- */

/* vocab.c: an id is any int in [0, n); a piece maps to one id (the last
 * one given, as Hugging Face's vocab.txt reader keeps the later line). */
typedef struct tok_table tok_table;

tok_table *tok_table_new(void);
void tok_table_free(tok_table *t);
/* Set id's piece (copied); grows the table. */
void tok_table_set(tok_table *t, int id, const char *s, size_t n);
/* Build the lookup tables after the last tok_table_set. */
void tok_table_index(tok_table *t);
int tok_table_size(const tok_table *t);          /* highest id + 1 */
int tok_table_count(const tok_table *t);         /* ids that have a piece */
const char *tok_table_piece(const tok_table *t, int id, size_t *len);

#define TOK_HASH_BASIS 0xcbf29ce484222325ULL
uint64_t tok_hash_step(uint64_t h, const char *s, size_t n);
int tok_table_find(const tok_table *t, const char *s, size_t n);
int tok_table_find_hashed(const tok_table *t, uint64_t h, const char *s, size_t n);
/* Whether any piece starts with the bytes that hash to h. */
bool tok_table_is_prefix(const tok_table *t, uint64_t h);
size_t tok_table_max_piece(const tok_table *t);

/* A growable byte string: util's, under the module's name. */
typedef util_buf tok_str;
static inline void
tok_str_put(tok_str *b, const char *s, size_t n)
{
	util_buf_add(b, s, n);
}
void tok_str_cp(tok_str *b, int32_t cp);

/* ---- Unicode ---------------------------------------------------------- */

/* uchar.c: character classes, as Hugging Face's Rust code asks Rust's
 * char methods. */
bool tok_uc_is_other(int32_t cp);        /* C*: Cc Cf Cs Co Cn */
bool tok_uc_is_space(int32_t cp);        /* Rust char::is_whitespace */
bool tok_uc_is_cjk(int32_t cp);          /* BERT's CJK ideographs */
bool tok_uc_is_punct(int32_t cp);        /* ASCII punctuation or P* */
bool tok_uc_is_numeric(int32_t cp);      /* N* */
bool tok_uc_is_alnum(int32_t cp);        /* Rust char::is_alphanumeric */
bool tok_uc_is_mn(int32_t cp);
bool tok_uc_is_mark(int32_t cp);        /* M* */
bool tok_uc_is_py_digit(int32_t cp);    /* Python's str.isdigit */
/* Rust's char::to_lowercase: writes 1 or 2 code points, returns the count. */
int tok_uc_lower(int32_t cp, int32_t out[2]);

/* normalize.c: NFD/NFKD (compose false) or NFC/NFKC of in into out. */
void tok_unicode_norm(const tok_chars *in, tok_chars *out, bool compat, bool compose,
		      tok_chars *scratch);

/* ---- the pipeline's pieces -------------------------------------------- */

/* A regex match's buffers: the text as UTF-8, byte -> char indices. */
typedef struct tok_rx {
	void *md;     /* pcre2_match_data */
	void *mc;     /* pcre2_match_context: the match limits */
	tok_str s;
	int *map;
	int cap;
} tok_rx;

typedef struct tok_norm tok_norm;         /* normalizer.c */
typedef struct tok_pretok tok_pretok;     /* pretok.c */
typedef struct tok_model tok_model;       /* the model's files */
typedef struct tok_precompiled tok_precompiled;

/* A pre-token: chars [a, b) of the pipeline's buffer, or (id >= 0) an
 * added token already decided, spanning bytes [begin, end) of the input. */
typedef struct tok_split {
	int a, b;
	int id;
	int begin, end;
	bool first;   /* starts at the input's first byte (Metaspace "first") */
} tok_split;

typedef struct tok_splits {
	tok_split *s;
	int n, cap;
} tok_splits;

void tok_splits_push(tok_splits *l, int a, int b, int id);

/* The parts a pattern cuts one piece into: (a, b, is match), in order. */
typedef struct tok_part {
	int a, b;
	bool match;
} tok_part;

typedef struct tok_cut {
	tok_part *p;
	int n, cap;
	int last;     /* end of the last match */
} tok_cut;

/* The tokens of one segment. */
typedef struct tok_out {
	tok_token *t;
	int n, cap;
} tok_out;

void tok_out_push(tok_out *o, int id, int begin, int end);

/* normalizer.c: a chain of normalizers (Sequence flattened). */
enum tok_norm_kind {
	TOK_NORM_BERT, TOK_NORM_LOWER, TOK_NORM_NFC, TOK_NORM_NFD, TOK_NORM_NFKC,
	TOK_NORM_NFKD, TOK_NORM_STRIP_ACCENTS, TOK_NORM_STRIP, TOK_NORM_REPLACE,
	TOK_NORM_PREPEND, TOK_NORM_PRECOMPILED,
};

struct tok_norm {
	enum tok_norm_kind kind;
	bool clean_text, chinese, strip_accents, lowercase;  /* BERT */
	bool legacy_case;   /* vocab.txt: lowercase/strip_accents from the caller */
	bool left, right;                                     /* Strip */
	int32_t *pat, *with;                                  /* Replace, Prepend */
	int npat, nwith;
	void *re;                                             /* Replace regex: pcre2_code */
	tok_precompiled *pc;                                  /* Precompiled */
};

void tok_norm_run(const tok_norm *n, int count, bool lowercase, tok_chars *text,
		  tok_chars *scratch, tok_chars *scratch2, tok_rx *rx);
void tok_norm_free(tok_norm *n, int count);
/* Append a zeroed normalizer of kind k to v's chain. */
tok_norm *tok_norm_add(tok_vocab *v, enum tok_norm_kind k);

/* precompiled.c: SentencePiece's normalization charsmap. */
/* longest: SentencePiece's own rule (a .model), else Hugging Face's. */
int tok_precompiled_parse(const uint8_t *buf, size_t len, bool longest, tok_precompiled **out,
			  heed_err *e);
void tok_precompiled_free(tok_precompiled *p);
void tok_precompiled_run(const tok_precompiled *p, const tok_chars *in, tok_chars *out);

/* pretok.c */
enum tok_pretok_kind {
	TOK_PRE_BERT, TOK_PRE_BYTELEVEL, TOK_PRE_METASPACE, TOK_PRE_WHITESPACE,
	TOK_PRE_WSSPLIT, TOK_PRE_PUNCT, TOK_PRE_DIGITS, TOK_PRE_SPLIT,
};

enum tok_behavior {
	TOK_REMOVED, TOK_ISOLATED, TOK_MERGED_PREV, TOK_MERGED_NEXT, TOK_CONTIGUOUS,
};

struct tok_pretok {
	enum tok_pretok_kind kind;
	enum tok_behavior behavior;
	bool prefix_space, use_regex;  /* ByteLevel */
	int32_t replacement;           /* Metaspace */
	int prepend;                   /* Metaspace: 0 never, 1 first, 2 always */
	bool split;                    /* Metaspace */
	bool suffix;                   /* Metaspace: the mark ends words (SentencePiece's
					* treat_whitespace_as_suffix): appended, not
					* prepended, and each one closes a piece */
	bool individual;               /* Digits */
	bool invert;                   /* Split */
	void *re;                      /* pcre2_code: Split, Whitespace, ByteLevel */
};

/* Run the pre-tokenizers on ws's t1/sp (t2/sp2, t3, rx, cut: scratch). */
void tok_pretok_run(const tok_pretok *p, int count, tok_ws *ws);
void tok_pretok_free(tok_pretok *p, int count);
/* A PCRE2 pattern (UTF, UCP) from UTF-8 text, Oniguruma's \s \w \d
 * translated; literal: the text matched as is.  NULL with e set. */
void *tok_regex_compile(const char *pat, size_t len, bool literal, heed_err *e);
void tok_regex_free(void *re);
/* ByteLevel's GPT-2 pattern, compiled. */
void *tok_gpt2_regex(heed_err *e);
/* Call fn(arg, a, b) for each non-empty match in c[0..n), char indices. */
void tok_regex_each(const void *re, tok_rx *x, const tok_char *c, int n,
		    void (*fn)(void *, int, int), void *arg);
void tok_rx_free(tok_rx *x);

/* The byte-level alphabet: byte b is written as code point tok_byte_char[b]. */
extern const uint16_t tok_byte_char[256];
int tok_char_byte(int32_t cp);   /* the byte, or -1 */

/* ---- models ------------------------------------------------------------ */

/* WORDLEVEL: a whole pre-token is one piece or unknown (SentencePiece's
 * word models). */
enum tok_model_kind { TOK_WORDPIECE, TOK_BPE, TOK_UNIGRAM, TOK_WORDLEVEL };

typedef struct tok_merge {
	int a, b, rank, id;
} tok_merge;

struct tok_model {
	enum tok_model_kind kind;
	tok_table *vocab;
	int unk;                      /* -1 when none */
	/* WordPiece */
	char *prefix;                 /* continuing_subword_prefix */
	int max_chars;
	/* BPE */
	char *suffix;                 /* end_of_word_suffix */
	tok_merge *merge;             /* open-addressed on (a, b) */
	size_t merge_mask, merge_n;
	bool fuse_unk, byte_fallback, ignore_merges;
	/* Unigram */
	double *score;                /* [vocab size] */
	double min_score;
	int byte_id[256];             /* <0xXX> pieces, -1 when absent */
	/* SentencePiece's UNUSED pieces ([vocab size], NULL when none): BPE
	 * merges through them but never outputs one, splitting it back into
	 * the two symbols it was made of; Unigram never uses them */
	uint8_t *unused;
};

/* A BPE heap entry: merge rank, left symbol, merged id. */
typedef struct tok_hent {
	int rank, pos, id;
} tok_hent;

/* BPE's word cache, as Hugging Face's BPE keeps one: a word's UTF-8 ->
 * its tokens (id, first char, end char), for up to TOK_BPE_CACHE words of
 * up to TOK_BPE_CACHE_LEN bytes, then no more are added.  It belongs to a
 * workspace, so threads never share it, and to one model. */
#define TOK_BPE_CACHE 10000
#define TOK_BPE_CACHE_LEN 256

typedef struct tok_bcache {
	const tok_model *m;     /* whose words these are */
	uint64_t *hash;         /* [cap], 0 for an empty slot */
	uint32_t *key;          /* [cap] offset of the key in arena */
	uint32_t *klen;         /* [cap] */
	uint32_t *rec;          /* [cap] first token record in trec */
	uint32_t *nrec;         /* [cap] tokens */
	size_t cap, n;
	char *arena;
	size_t an, acap;
	int32_t *trec;          /* 3 ints a token */
	size_t tn, tcap;
} tok_bcache;

void tok_bcache_free(tok_bcache *c);

/* The scratch buffers of the models. */
typedef struct tok_mws {
	tok_hent *heap;
	int heap_cap;
	tok_str s, s2;
	int *sym;     /* BPE symbols: id, char begin, char end, prev, next */
	int sym_cap;
	double *best; /* Unigram lattice */
	int *from, *bid;
	int lat_cap;
	tok_bcache cache;
	int *rev;     /* BPE with UNUSED pieces: (piece, left, right) triples */
	int rev_n, rev_cap;
} tok_mws;

void tok_mws_free(tok_mws *w);
/* The word as UTF-8 in ws->s; returns off, off[i] where char i starts. */
int *tok_word_utf8(const tok_char *w, int n, tok_mws *ws);
void tok_wordpiece(const tok_model *m, const tok_char *w, int n, tok_out *out, tok_mws *ws);
void tok_bpe(const tok_model *m, const tok_char *w, int n, tok_out *out, tok_mws *ws);
void tok_unigram(const tok_model *m, const tok_char *w, int n, tok_out *out, tok_mws *ws);
void tok_wordlevel(const tok_model *m, const tok_char *w, int n, tok_out *out, tok_mws *ws);
/* BPE merges: add (after the vocab is indexed), then look up. */
void tok_bpe_add_merge(tok_model *m, int a, int b, int rank, int id);
const tok_merge *tok_bpe_find_merge(const tok_model *m, int a, int b);
void tok_model_free(tok_model *m);

/* ---- added tokens and the post-processor ------------------------------- */

typedef struct tok_added {
	int id;
	char *content;    /* as given, UTF-8 */
	size_t ncontent;
	int32_t *cp;      /* the content as code points (normalized if normalized) */
	int ncp;
	bool special, single_word, lstrip, rstrip, normalized;
	bool nocase;      /* heed's [mask] alias: ASCII case ignored */
} tok_added;

/* A template item: a special token's ids, or sequence A (0) / B (1). */
typedef struct tok_tpl_item {
	int seq;          /* -1 for a special token */
	int *ids;
	int nids;
	int type;
} tok_tpl_item;

typedef struct tok_tpl {
	tok_tpl_item *it;
	int n;
} tok_tpl;

typedef struct tok_post {
	bool present;
	tok_tpl single, pair;
	bool trim_offsets;      /* ByteLevel / Roberta */
	bool prefix_space;      /* what trim_offsets keeps */
} tok_post;

void tok_tpl_free(tok_tpl *t);

/* ---- the tokenizer ----------------------------------------------------- */

struct tok_ws {
	tok_chars cps, t1, t2, t3, t4;
	tok_splits sp, sp2;
	tok_rx rx;
	tok_cut cut[3];
	tok_out seg[2];
	tok_out out;
	tok_str str;
	tok_mws mws;
};

struct tok_vocab {
	tok_model model;
	tok_norm *norm;
	int nnorm;
	tok_pretok *pre;
	int npre;
	tok_post post;
	tok_added *added;
	int nadded;
	uint64_t added_first[4];  /* bit (cp & 255): some added token starts with cp */
	tok_table *names;        /* every id's piece: the model's and added tokens */
	tok_specials sp;
	const char *kind;        /* "WordPiece", "BPE", "Unigram" */
	char *source;            /* the files it came from */
	bool from_vocab_txt;     /* casing follows tok_encode's lowercase */
	bool byte_level;         /* pieces in the byte-level alphabet */
	bool metaspace;          /* pieces with SentencePiece's U+2581 */
	bool fuse_unk_run;       /* a run of unknown tokens is one, across words
				  * too (SentencePiece's .model files) */
	int32_t meta_char;
};

/* Set up what every loader shares once model, norm, pre, post and added
 * are filled: the id table, the specials, the [MASK] alias. */
int tok_finish(tok_vocab *v, heed_err *e);
tok_vocab *tok_new(void);
/* Append an added token; content UTF-8. */
void tok_add_token(tok_vocab *v, int id, const char *s, size_t n, bool special,
		   bool single_word, bool lstrip, bool rstrip, bool normalized);
void tok_add_mask_alias(tok_vocab *v, int id);
/* added_first from the added tokens (tok_finish calls it; call it again
 * after adding one later). */
void tok_added_index(tok_vocab *v);

/* loaders: tokjson.c, slow.c, spm.c.  cfg and map are the folder's
 * tokenizer_config.json and special_tokens_map.json (NULL when absent). */
struct json_t;
const char *tok_config_token(const struct json_t *cfg, const struct json_t *map, const char *key,
			     const char *dflt);
int tok_merges_build(const char *vocab, size_t vlen, const char *merges, size_t mlen,
		     const struct json_t *cfg, const struct json_t *map, tok_vocab **out, heed_err *e);
void tok_roberta_post(tok_vocab *v, int cls, int sep, bool prefix_space);
int tok_json_parse(const char *buf, size_t len, const char *name, tok_vocab **out, heed_err *e);

int tok_wordpiece_from_lines(const char *buf, size_t len, tok_vocab **out, heed_err *e);
void tok_bert_pipeline(tok_vocab *v, bool legacy, bool lowercase, bool strip, bool chinese);
/* A vocab.txt's casing from the tokenizer_config.json beside it, as
 * BertTokenizer reads it: do_lower_case, strip_accents (null: as
 * do_lower_case), tokenize_chinese_chars.  Without do_lower_case the
 * caller's lowercase decides, as before. */
void tok_bert_config(tok_vocab *v, const struct json_t *cfg);

#endif
