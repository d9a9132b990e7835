/* model.h — an encoder checkpoint in the Hugging Face folder layout.
 *
 * A model folder holds config.json, vocab.txt and model.safetensors.  The
 * family (BERT, DistilBERT, RoBERTa and its relatives, ELECTRA, ALBERT) comes
 * from config.json's model_type, then its architectures; each family's
 * differences are data here (sizes, position rule, which head) so the
 * encoder reads as one forward pass.  Loading
 * is separate from running (llama2.c's Config / TransformerWeights split):
 * model_load() validates every header field, offset, shape and dtype against
 * the file and the config, then converts the weights once: the matrices
 * the encoder multiplies by (each layer's four linear layers, the masked-LM
 * transform and decoder, and so the word embeddings the decoder is usually
 * tied to) into linear.h's packed panels (kept in F16 when the file has F16
 * and the CPU a kernel for it), everything else into F32 arrays.
 */
#ifndef HEED_MODEL_H
#define HEED_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heed/linear.h"
#include "heed/util.h"

/* The families heed runs.  The values are stored in calibration files'
 * model hash: append, never reorder. */
typedef enum {
	MODEL_ARCH_BERT,       /* BERT, MiniLM, sentence-transformers' BertModel */
	MODEL_ARCH_DISTILBERT,
	MODEL_ARCH_ROBERTA,    /* RoBERTa, CamemBERT, XLM-RoBERTa: one graph */
	MODEL_ARCH_ELECTRA,    /* generator or discriminator */
	MODEL_ARCH_ALBERT,
	MODEL_ARCH_MODERNBERT, /* rotary positions, global and sliding-window layers, GeGLU */
	MODEL_ARCH_DEBERTA_V2, /* DeBERTa-v2 and -v3: disentangled attention */
	MODEL_ARCH_COUNT
} model_arch;
typedef enum { MODEL_ACT_GELU, MODEL_ACT_GELU_TANH, MODEL_ACT_RELU } model_act;

typedef struct model_config {
	model_arch arch;
	int vocab_size;
	int hidden;        /* d_model */
	int layers;        /* attention layers run (rows of the grid); ALBERT: num_hidden_layers x inner_group_num */
	int heads;         /* head dim = hidden / heads */
	int ffn;           /* intermediate size */
	int max_pos;       /* max_position_embeddings */
	int type_vocab;    /* 0 for DistilBERT */
	float ln_eps;
	model_act act;
	bool lowercase;    /* tokenizer: uncased vocab (default true) */
	/* ---- where the families differ (BERT's values in brackets) ---- */
	int emb;           /* embedding width [hidden]; ALBERT, ELECTRA: embedding_size */
	int pad_pos;       /* [-1]: positions 0..n-1.  RoBERTa: its padding_idx; a token's
			    * position is padding_idx + its rank among non-pad tokens */
	int max_tokens;    /* longest input the positions allow [max_pos] */
	int groups;        /* ALBERT num_hidden_groups [1] */
	int inner;         /* ALBERT inner_group_num [1] */
	model_act head_act;/* the masked-LM transform's activation [act] */
	/* ---- ModernBERT: rotary positions, global and sliding-window layers ---- */
	int global_every;  /* layer l attends globally when l % global_every == 0 */
	int half_window;   /* the others see keys with |i - j| <= half_window */
	float rope_global, rope_local; /* RoPE theta of global / local layers; 0: no RoPE */
	bool norm_bias, attn_bias, mlp_bias, head_bias, dec_bias; /* biases the file holds */
	/* ---- DeBERTa-v2/v3: disentangled attention ---- */
	int rel_span;      /* relative embeddings hold 2 * rel_span rows; 0: none */
	int rel_buckets;   /* position_buckets (log buckets past half of it); 0: none */
	int rel_max;       /* max_relative_positions */
	int rel_terms;     /* how many of c2p, p2c: scores divide by sqrt(d (1 + rel_terms)) */
	bool rel_c2p, rel_p2c, rel_share_key, rel_norm;
	bool pos_input;    /* absolute position embeddings are added (DeBERTa-v3: false) */
	bool mlm_legacy;   /* "legacy" [true]: transformers' head is cls.predictions, else
			    * lm_predictions.lm_head (model.c: which one heed reads) */
} model_config;

/* Parse config.json text. */
int config_parse(const char *json, size_t len, model_config *c, heed_err *e);
int config_load(const char *path, model_config *c, heed_err *e);
/* A hash of the fields that shape the network, for calibration files. */
uint64_t config_hash(const model_config *c);
/* The family's name for people ("BERT", "RoBERTa", ...). */
const char *model_arch_name(model_arch a);
/* Every model_type heed accepts, comma-separated, for messages. */
const char *model_families(void);
/* Which of the checkpoint's layer weight sets attention row `row` runs:
 * the row itself, except in ALBERT, whose groups are shared. */
int config_layer_set(const model_config *c, int row);
/* How many distinct layer weight sets the checkpoint holds. */
int config_layer_sets(const model_config *c);
/* Layer l's attention window: keys with |i - j| <= the value are visible,
 * or -1 when the layer attends globally (every family but ModernBERT). */
int model_layer_window(const model_config *c, int l);

/* ---- safetensors ------------------------------------------------------ */

typedef enum { ST_F32, ST_F16, ST_BF16 } st_dtype;

typedef struct st_tensor {
	char *name;
	st_dtype dtype;
	int ndim;
	int64_t shape[4];
	const void *data;  /* into the mapping */
	size_t nbytes;
} st_tensor;

typedef struct st_file {
	st_tensor *t;
	int n;
	void *map;         /* the file read into memory (NULL when parsed from a caller's buffer) */
	size_t map_len;
} st_file;

/* Parse a whole safetensors image already in memory (used by the fuzzer). */
int st_parse(const uint8_t *buf, size_t len, const char *name, st_file *out, heed_err *e);
/* Read path into memory (not mmap: no SIGBUS if it shrinks) and parse it. */
int st_open(const char *path, st_file *out, heed_err *e);
const st_tensor *st_find(const st_file *f, const char *name);
void st_close(st_file *f);
/* Convert n elements of a tensor's dtype to F32. */
void st_to_f32(st_dtype dt, const void *src, float *dst, size_t n);

/* ---- weights ---------------------------------------------------------- */

typedef struct layer_weights {
	lin_weight wqkv; /* [3*hidden, hidden]: query rows, then key, then value */
	float *bqkv;    /* [3*hidden] */
	lin_weight wo;  /* [hidden, hidden] attention output projection */
	float *bo;      /* [hidden] */
	float *ln1_g;   /* [hidden] after attention (BERT attention.output.LayerNorm) */
	float *ln1_b;
	lin_weight w1;  /* [ffn, hidden] */
	float *b1;      /* [ffn] */
	lin_weight w2;  /* [hidden, ffn] */
	float *b2;      /* [hidden] */
	float *ln2_g;   /* [hidden] after FFN */
	float *ln2_b;
	float *rel_k;   /* DeBERTa: [2*rel_span, hidden] relative embeddings through the layer's */
	float *rel_q;   /* key / query projection (c2p / p2c), NULL when the term is absent */
} layer_weights;

/* E below is cfg.emb: the hidden size except in ALBERT and ELECTRA. */
typedef struct model {
	model_config cfg;
	char *dir;            /* the folder it came from */
	char *name;           /* short display name (folder basename or hub name) */
	lin_weight word_emb;  /* [vocab, E], packed: rows read with lin_row */
	float *pos_emb;       /* [max_pos, E]; NULL for ModernBERT and DeBERTa-v3 */
	float *type_emb;      /* [type_vocab, E], NULL for DistilBERT */
	float *emb_ln_g;      /* [E] */
	float *emb_ln_b;
	bool has_emb_proj;    /* E -> hidden after the embeddings' LayerNorm (ALBERT
			       * embedding_hidden_mapping_in, ELECTRA embeddings_project) */
	lin_weight emb_proj;  /* [hidden, E] */
	float *emb_proj_b;    /* [hidden] */
	layer_weights *layer; /* [layers], one per attention row; ALBERT's rows that share
			       * a weight set hold copies of the same pointers */
	float *final_ln_g;    /* ModernBERT final_norm [hidden], NULL elsewhere */
	float *final_ln_b;
	float *rel_emb;       /* DeBERTa [2*rel_span, hidden] relative embeddings, normalised */
	float *rel_ln_g;      /* encoder.LayerNorm (norm_rel_ebd "layer_norm"), else NULL */
	float *rel_ln_b;
	bool emd_ok;          /* DeBERTa-v3's lm_predictions head with the absolute positions its
			       * enhanced mask decoder needs (the encoder does not add them) */
	bool has_emd;         /* the masked-LM head reads that decoder (model_set_mlm_head) */
	float *emd_pos;       /* its absolute positions [max_pos, hidden]; NULL without emd_ok */
	bool has_mlm;         /* checkpoint has a masked-LM head */
	lin_weight mlm_w;     /* [E, hidden] transform dense */
	float *mlm_b;         /* [E] */
	float *mlm_ln_g;      /* [E] */
	float *mlm_ln_b;
	lin_weight mlm_dec;   /* [vocab, E]; when tied, word_emb itself (same data) */
	float *mlm_bias;      /* [vocab] */
	bool has_rtd;         /* ELECTRA discriminator: replaced-token detection head */
	lin_weight rtd_w;     /* [hidden, hidden] discriminator_predictions.dense */
	float *rtd_b;         /* [hidden] */
	float *rtd_out;       /* [hidden] dense_prediction weight (one output) */
	float *rtd_out_b;     /* [1] */
	st_dtype file_dtype;  /* dtype found in the file (for display) */
	char *weights;        /* the weights file, or the index of its shards */
	const char *weights_format; /* "safetensors", "PyTorch zip", ... (static) */
	int weights_files;    /* 1, or the number of shards */
	uint64_t fingerprint; /* model_fingerprint: weights and tokenizer, never 0 */
	double load_ms;
} model;

/* Resolve -m ARG: an existing folder is used as is; otherwise ARG is a hub
 * name looked up in $HF_HOME/hub or ~/.cache/huggingface/hub
 * (models--ORG--NAME/snapshots/<refs/main>/).  NULL or "" means the bundled
 * heed-mini ($HEED_MODEL_DIR, the install datadir, then the source tree).
 * Writes a malloc'd path to *out.  Never downloads. */
int model_resolve(const char *arg, char **out, heed_err *e);

int model_load(const char *dir, model **out, heed_err *e);
/* Which masked-LM head to run, before any encoder state is made: transformers'
 * (the default: DebertaV2ForMaskedLM's head on the last layer's output), or
 * with emd DeBERTa's enhanced mask decoder in front of it, as Microsoft's
 * code predicts.  HEED_EINVAL when emd is asked of a checkpoint without one
 * (emd_ok false). */
int model_set_emd(model *m, bool emd, heed_err *e);
/* XXH3 of every tensor of w (name, dtype, shape, bytes; in name order,
 * whatever file or format holds them) and of the tokenizer files in dir
 * (NULL: none), never 0 (fingerprint.c).  Calibration files carry it, so
 * they are never used with other weights. */
struct wt_set;
uint64_t model_fingerprint(const struct wt_set *w, const char *dir);
void model_free(model *m);

#endif
