/* derive.h — the numbers the views show, computed away from the renderer:
 * thumbnails, attention rollout, similarity to the baseline, rank changes.
 * Pure functions over plain arrays. */
#ifndef HEED_TUI_UI_MODEL_H
#define HEED_TUI_UI_MODEL_H

#include <stddef.h>

/* Resample an n x n matrix to rows x cols cells, each the mean of the
 * block it covers; with more cells than tokens a token spans several. */
void derive_downsample(const float *m, int n, int rows, int cols, float *out);
/* The same for a thumbnail fitted for cap >= n tokens: the cells are laid
 * out over cap token slots, the means taken over the tokens there, and a
 * cell over no token at all is -1 (blank).  The first n - tail tokens take
 * the first slots and the last tail tokens the last ones (a closing [SEP]
 * stays put while tokens are typed before it); the slots between are
 * empty. */
void derive_downsample_cap(const float *m, int n, int cap, int tail, int rows, int cols,
			   float *out);
float derive_max(const float *v, size_t n);
float derive_maxabs(const float *v, size_t n);

/* Attention rollout (Abnar & Zuidema 2020).  attn is [layers][heads][n][n];
 * per layer the head mean A is mixed with the residual, A' = (A + I) / 2,
 * rows renormalised, and R_l = A'_l R_(l-1).  out is [layers][n][n]: the
 * rollout up to and including each layer.  tmp holds 2 n n floats. */
void derive_rollout(const float *attn, int layers, int heads, int n, float *out, float *tmp);

/* Mean over the n tokens of the cosine similarity of rows of a and b
 * ([n][d]); a zero row counts as similarity 1 to a zero row, else 0. */
double derive_cosine(const float *a, const float *b, int n, int d);

/* 0-based rank of id in ids[0..k), or -1. */
int derive_rank(int id, const int *ids, int k);

/* order[0..n) = indices of v sorted ascending (stable). */
void derive_order(const double *v, int n, int *order);

/* rank[i] = how many values of v are below v[i] (equal values share a
 * rank), or -1 where v[i] is NaN.  order is scratch for n ints. */
void derive_ranks(const double *v, int n, int *order, int *rank);

#endif
