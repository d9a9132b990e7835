/* uchar.c — character classes as BERT's BasicTokenizer defines them, and
 * lowercasing, all from utf8proc's tables.
 */
#include "text.h"

#include <utf8proc.h>

static bool
is_other(int32_t cp)
{
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_CC:
	case UTF8PROC_CATEGORY_CF:
	case UTF8PROC_CATEGORY_CS:
	case UTF8PROC_CATEGORY_CO:
	case UTF8PROC_CATEGORY_CN:
		return true;
	default:
		return false;
	}
}

/* Hugging Face's _is_control counts every C* category (unassigned and
 * private-use too), not only Google's Cc/Cf; tab, LF and CR are spaces. */
bool
tok_uc_is_dropped(int32_t cp)
{
	if (cp == '\t' || cp == '\n' || cp == '\r')
		return false;
	if (cp < 0x80)
		return cp < 0x20 || cp == 0x7F;
	return cp == 0xFFFD || is_other(cp);
}

/* Cleaning maps Zs to a space; the later str.split() also splits on the
 * line and paragraph separators (Zl, Zp), so they separate words too. */
bool
tok_uc_is_space(int32_t cp)
{
	if (cp < 0x80)
		return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r';
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_ZS:
	case UTF8PROC_CATEGORY_ZL:
	case UTF8PROC_CATEGORY_ZP:
		return true;
	default:
		return false;
	}
}

/* The CJK Unified Ideographs blocks BERT lists; Hangul and kana are not
 * among them and go through WordPiece like any other letters. */
bool
tok_uc_is_cjk(int32_t cp)
{
	return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
	       (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
	       (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
	       (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

/* ASCII symbols such as $ ^ ` count as punctuation although Unicode calls
 * them S*, so that "$5" splits like "5!" does. */
bool
tok_uc_is_punct(int32_t cp)
{
	utf8proc_category_t c;

	if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) ||
	    (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126))
		return true;
	if (cp < 0x80)
		return false;
	c = utf8proc_category(cp);
	return c >= UTF8PROC_CATEGORY_PC && c <= UTF8PROC_CATEGORY_PO;
}

/* Hugging Face lowercases the text one character at a time before its
 * BasicTokenizer runs (PreTrainedTokenizer.tokenize's re.sub over "(.+?)"),
 * so a capital sigma is always σ, never the word-final ς of str.lower().
 * Of Python's full lowercase mappings only İ → i̇ differs from the simple
 * one, by a mark that accent stripping removes. */
int32_t
tok_uc_lower(int32_t cp)
{
	if (cp < 0x80)
		return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
	return utf8proc_tolower(cp);
}
