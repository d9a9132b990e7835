/* uchar.c — character classes as Hugging Face's Rust code gets them from
 * Rust's char methods, and lowercasing, all from utf8proc's tables.
 */
#include "text.h"

#include <utf8proc.h>

bool
tok_uc_is_other(int32_t cp)
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

/* Rust's char::is_whitespace: the White_Space property. */
bool
tok_uc_is_space(int32_t cp)
{
	if (cp < 0x80)
		return cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
	switch (cp) {
	case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
	case 0x202F: case 0x205F: case 0x3000:
		return true;
	default:
		return cp >= 0x2000 && cp <= 0x200A;
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
 * them S* (Rust's is_ascii_punctuation), so "$5" splits like "5!" does. */
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

bool
tok_uc_is_numeric(int32_t cp)
{
	utf8proc_category_t c;

	if (cp < 0x80)
		return cp >= '0' && cp <= '9';
	c = utf8proc_category(cp);
	return c == UTF8PROC_CATEGORY_ND || c == UTF8PROC_CATEGORY_NL || c == UTF8PROC_CATEGORY_NO;
}

/* Rust's is_alphabetic is the Alphabetic property: letters, Nl, and the
 * Other_Alphabetic marks; utf8proc has no such property, so letters, Nl
 * and spacing/enclosing marks stand for it. */
bool
tok_uc_is_alnum(int32_t cp)
{
	utf8proc_category_t c;

	if (cp < 0x80)
		return (cp >= '0' && cp <= '9') || ((cp | 32) >= 'a' && (cp | 32) <= 'z');
	c = utf8proc_category(cp);
	return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ||
	       c == UTF8PROC_CATEGORY_MC || tok_uc_is_numeric(cp);
}

bool
tok_uc_is_mn(int32_t cp)
{
	return cp >= 0x300 && utf8proc_category(cp) == UTF8PROC_CATEGORY_MN;
}

/* Rust's char::to_lowercase: the simple mapping, except İ whose full
 * lowercase is i + U+0307. */
int
tok_uc_lower(int32_t cp, int32_t out[2])
{
	if (cp < 0x80) {
		out[0] = cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
		return 1;
	}
	if (cp == 0x130) {
		out[0] = 'i';
		out[1] = 0x307;
		return 2;
	}
	out[0] = utf8proc_tolower(cp);
	return 1;
}

bool
tok_uc_is_mark(int32_t cp)
{
	utf8proc_category_t c;

	if (cp < 0x300)
		return false;
	c = utf8proc_category(cp);
	return c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_MC || c == UTF8PROC_CATEGORY_ME;
}

/* Python's str.isdigit, which transformers' converters call: Numeric_Type
 * Decimal (exactly Nd) or Digit, the superscript, subscript, circled and
 * other compatibility digits below (Unicode 14, Python 3.11's table). */
bool
tok_uc_is_py_digit(int32_t cp)
{
	static const int32_t digit[][2] = {
		{ 0xB2, 0xB3 }, { 0xB9, 0xB9 }, { 0x1369, 0x1371 }, { 0x19DA, 0x19DA },
		{ 0x2070, 0x2070 }, { 0x2074, 0x2079 }, { 0x2080, 0x2089 }, { 0x2460, 0x2468 },
		{ 0x2474, 0x247C }, { 0x2488, 0x2490 }, { 0x24EA, 0x24EA }, { 0x24F5, 0x24FD },
		{ 0x24FF, 0x24FF }, { 0x2776, 0x277E }, { 0x2780, 0x2788 }, { 0x278A, 0x2792 },
		{ 0x10A40, 0x10A43 }, { 0x10E60, 0x10E68 }, { 0x11052, 0x1105A }, { 0x1F100, 0x1F10A },
	};

	if (cp < 0x80)
		return cp >= '0' && cp <= '9';
	if (utf8proc_category(cp) == UTF8PROC_CATEGORY_ND)
		return true;
	for (size_t i = 0; i < sizeof digit / sizeof digit[0]; i++)
		if (cp >= digit[i][0] && cp <= digit[i][1])
			return true;
	return false;
}
