/* uchar.c — character classes as BERT's BasicTokenizer defines them, and
 * Python's lowercasing (which Hugging Face applies to each word), all from
 * utf8proc's tables.
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

/* Unicode's Cased property: letters with case, plus the few Other_Lowercase
 * and Other_Uppercase characters that are neither letters with a case
 * mapping nor case-ignorable (those are skipped before Cased is asked). */
static bool
is_cased(int32_t cp)
{
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
		return true;
	default:
		break;
	}
	if (utf8proc_tolower(cp) != cp || utf8proc_toupper(cp) != cp)
		return true;
	return cp == 0xAA || cp == 0xBA || (cp >= 0x1F130 && cp <= 0x1F149) ||
	       (cp >= 0x1F150 && cp <= 0x1F169) || (cp >= 0x1F170 && cp <= 0x1F189);
}

/* Case_Ignorable: marks, format characters, modifiers, and the Word_Break
 * MidLetter, MidNumLet and Single_Quote characters. */
static bool
is_case_ignorable(int32_t cp)
{
	static const int32_t mid[] = {
		0x27, 0x2E, 0x3A, 0xB7, 0x387, 0x55F, 0x5F4, 0x2018, 0x2019,
		0x2024, 0x2027, 0xFE13, 0xFE52, 0xFE55, 0xFF07, 0xFF0E, 0xFF1A,
	};
	size_t i;

	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_ME:
	case UTF8PROC_CATEGORY_CF:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_SK:
		return true;
	default:
		break;
	}
	for (i = 0; i < sizeof mid / sizeof mid[0]; i++)
		if (mid[i] == cp)
			return true;
	return false;
}

/* Python's str.lower() ends a word's capital sigma with ς: after a cased
 * letter and not before one, case-ignorable characters looked through. */
static bool
is_final_sigma(const tok_char *w, int n, int i)
{
	int j;

	for (j = i - 1; j >= 0 && is_case_ignorable(w[j].cp); j--)
		;
	if (j < 0 || !is_cased(w[j].cp))
		return false;
	for (j = i + 1; j < n && is_case_ignorable(w[j].cp); j++)
		;
	return j == n || !is_cased(w[j].cp);
}

/* The one full lowercase mapping that differs from the simple one, İ → i̇,
 * only adds a mark that accent stripping removes, so the simple mapping
 * serves. */
int32_t
tok_uc_lower(const tok_char *w, int n, int i)
{
	int32_t cp = w[i].cp;

	if (cp < 0x80)
		return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
	if (cp == 0x3A3 && is_final_sigma(w, n, i))
		return 0x3C2;
	return utf8proc_tolower(cp);
}
