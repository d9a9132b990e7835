/* wordlevel.c — the word model: a pre-token is one piece of the
 * vocabulary, or unknown as a whole (SentencePiece's model_type=word,
 * word_model.cc: each word SplitIntoWords gives is looked up).
 */
#include "text.h"

void
tok_wordlevel(const tok_model *m, const tok_char *w, int n, tok_out *out, tok_mws *ws)
{
	int i, id;

	if (n == 0)
		return;
	ws->s2.n = 0;
	tok_str_put(&ws->s2, "", 0);
	for (i = 0; i < n; i++)
		tok_str_cp(&ws->s2, w[i].cp);
	id = tok_table_find(m->vocab, ws->s2.s, ws->s2.n);
	if (id < 0)
		id = m->unk;
	if (id >= 0)
		tok_out_push(out, id, w[0].begin, w[n - 1].end);
}
