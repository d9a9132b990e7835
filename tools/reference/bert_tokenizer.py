"""BERT BasicTokenizer + WordPiece, written from the description of Google's
original tokenization.py and Hugging Face's BertTokenizer (no `transformers`
import: this is the independent reference the C tokenizer is checked against).

Every token carries the byte span [begin, end) of the UTF-8 input it came from,
so fixtures can check spans too.  Special tokens typed literally ("[MASK]")
are kept whole, as BertTokenizer does for its added special tokens.

Where Google's and Hugging Face's code differ, this follows Hugging Face's
slow BertTokenizer (transformers >= 4.28):

- cleaning drops every character of a C* category (Cc, Cf, Co, Cn), not only
  Cc/Cf, plus NUL and U+FFFD; tab, LF and CR are whitespace;
- the cleaned text is NFC-normalized before it is split into words, so a
  decomposed "e" + U+0301 matches the same pieces as a precomposed "é";
- words are split with str.split(), which also splits on U+2028/U+2029;
- uncased vocabularies lowercase the text one character at a time, as
  PreTrainedTokenizer.tokenize does (re.sub over "(.+?)") before the
  BasicTokenizer's own str.lower(): a capital sigma is always "σ", never
  the word-final "ς" of str.lower() on a whole word; then NFD and drop
  nonspacing marks (Mn).

One deliberate difference: a piece listed twice in vocab.txt keeps its first
id (Hugging Face's dict keeps the last).  bert-base-uncased has no duplicates.

Each step is done twice: on plain strings exactly as Hugging Face does, and
on (char, begin, end) triples to carry the byte spans along; the two must
give the same text, which the code asserts.  A character made by NFC
composition spans all the characters it was composed from; a character of a
decomposition keeps the span of its source; marks that canonical ordering
moves span their whole run of marks (so pieces still start in input order);
dropped characters span nothing.

Input may be str or bytes.  In bytes, each invalid UTF-8 byte counts as one
U+FFFD (dropped by cleaning) and is reported in encode_full's invalid_bytes.
"""
import unicodedata

SPECIALS = ("[CLS]", "[SEP]", "[MASK]", "[UNK]", "[PAD]")
MAX_WORD_CHARS = 100


def load_vocab(path):
    vocab = {}
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            tok = line.rstrip("\n").rstrip("\r")
            if tok not in vocab:
                vocab[tok] = i
    return vocab


def _is_whitespace(c):
    if c in (" ", "\t", "\n", "\r"):
        return True
    return unicodedata.category(c) == "Zs"


def _is_control(c):
    if c in ("\t", "\n", "\r"):
        return False
    return unicodedata.category(c).startswith("C")


def _is_punctuation(c):
    cp = ord(c)
    if (33 <= cp <= 47) or (58 <= cp <= 64) or (91 <= cp <= 96) or (123 <= cp <= 126):
        return True
    return unicodedata.category(c).startswith("P")


def _is_cjk(cp):
    return ((0x4E00 <= cp <= 0x9FFF) or (0x3400 <= cp <= 0x4DBF)
            or (0x20000 <= cp <= 0x2A6DF) or (0x2A700 <= cp <= 0x2B73F)
            or (0x2B740 <= cp <= 0x2B81F) or (0x2B820 <= cp <= 0x2CEAF)
            or (0xF900 <= cp <= 0xFAFF) or (0x2F800 <= cp <= 0x2FA1F))


def _strip_accents(text):
    """Hugging Face's _run_strip_accents."""
    return "".join(c for c in unicodedata.normalize("NFD", text)
                   if unicodedata.category(c) != "Mn")


# -- span-keeping normalization: lists of (char, begin, end) ----------------

def _text(chars):
    return "".join(c for c, _, _ in chars)


def _decompose(chars):
    """NFD of each character on its own, then canonical reordering."""
    out = [(d, b, e) for c, b, e in chars for d in unicodedata.normalize("NFD", c)]
    i = 0
    while i < len(out):
        if unicodedata.combining(out[i][0]) == 0:
            i += 1
            continue
        j = i
        while j < len(out) and unicodedata.combining(out[j][0]) != 0:
            j += 1
        run = out[i:j]
        srt = sorted(run, key=lambda t: unicodedata.combining(t[0]))
        if srt != run:
            # Moved marks span their whole run, so pieces start in order.
            b, e = min(t[1] for t in run), max(t[2] for t in run)
            srt = [(c, b, e) for c, _, _ in srt]
        out[i:j] = srt
        i = j
    return out


def _nfc(chars):
    if all(ord(c) < 0x300 for c, _, _ in chars):
        return list(chars)
    out, starter, max_ccc = [], -1, -1
    for c, b, e in _decompose(chars):
        ccc = unicodedata.combining(c)
        if starter >= 0 and ccc > max_ccc:
            s, sb, se = out[starter]
            p = unicodedata.normalize("NFC", s + c)
            if len(p) == 1:
                out[starter] = (p, min(sb, b), max(se, e))
                continue
        out.append((c, b, e))
        if ccc == 0:
            starter, max_ccc = len(out) - 1, -1
        else:
            max_ccc = max(max_ccc, ccc)
    assert _text(out) == unicodedata.normalize("NFC", _text(chars)), chars
    return out


def _lower(text):
    """Hugging Face's lowercasing: str.lower() of each character alone."""
    return "".join(c.lower() for c in text)


def _uncase(chars):
    """Lowercase, NFD, drop Mn."""
    if all(ord(c) < 0x80 for c, _, _ in chars):
        return [(c.lower(), b, e) for c, b, e in chars]
    low = [(d, b, e) for c, b, e in chars for d in c.lower()]
    out = [t for t in _decompose(low) if unicodedata.category(t[0]) != "Mn"]
    assert _text(out) == _strip_accents(_lower(_text(chars)).lower()), chars
    return out


class Tokenizer:
    def __init__(self, vocab_path, lowercase=True):
        self.vocab = load_vocab(vocab_path)
        self.inv = {i: t for t, i in self.vocab.items()}
        self.lowercase = lowercase
        self.unk = "[UNK]"
        self.specials = [s for s in SPECIALS if s in self.vocab]

    # -- input: (char, byte_begin, byte_end) for every code point ----------
    @staticmethod
    def _chars_with_offsets(text):
        """Returns (chars, invalid_bytes)."""
        if isinstance(text, (bytes, bytearray)):
            text = bytes(text).decode("utf-8", errors="surrogateescape")
        out, pos, bad = [], 0, 0
        for c in text:
            if 0xDC80 <= ord(c) <= 0xDCFF:   # an escaped invalid byte
                out.append(("\ufffd", pos, pos + 1))
                pos, bad = pos + 1, bad + 1
                continue
            n = len(c.encode("utf-8", errors="surrogatepass"))
            out.append((c, pos, pos + n))
            pos += n
        return out, bad

    def _split_specials(self, chars):
        """Literal special tokens are isolated before anything else, so that
        "[MASK]" is not split into "[", "mask", "]"."""
        pieces, cur, i = [], [], 0
        text = _text(chars)
        while i < len(chars):
            hit = None
            if text[i] == "[":
                hit = next((s for s in self.specials if text.startswith(s, i)), None)
            if hit:
                if cur:
                    pieces.append(("text", cur))
                    cur = []
                pieces.append(("special", hit, chars[i][1], chars[i + len(hit) - 1][2]))
                i += len(hit)
            else:
                cur.append(chars[i])
                i += 1
        if cur:
            pieces.append(("text", cur))
        return pieces

    # -- basic tokenizer ---------------------------------------------------
    def _basic(self, chars):
        """Words (lists of (char, b, e)) of one stretch without specials."""
        cleaned = []
        for c, b, e in chars:
            cp = ord(c)
            if cp == 0 or cp == 0xFFFD or _is_control(c):
                continue
            if _is_whitespace(c):
                cleaned.append((" ", b, e))
            elif _is_cjk(cp):
                cleaned += [(" ", b, b), (c, b, e), (" ", e, e)]
            else:
                cleaned.append((c, b, e))
        # NFC composes nothing across whitespace, so splitting first and
        # normalizing word by word equals NFC of the text, then split().
        words, cur = [], []
        for t in cleaned + [(" ", 0, 0)]:
            if t[0].isspace():
                if cur:
                    words.extend(self._split_word(cur))
                    cur = []
            else:
                cur.append(t)
        return words

    def _split_word(self, word):
        """Normalize one whitespace-separated word, then split punctuation."""
        norm = _nfc(word)
        if self.lowercase:
            norm = _uncase(norm)
        out, cur = [], []
        for t in norm:
            if _is_punctuation(t[0]):
                if cur:
                    out.append(cur)
                    cur = []
                out.append([t])
            else:
                cur.append(t)
        if cur:
            out.append(cur)
        return out

    # -- WordPiece ---------------------------------------------------------
    @staticmethod
    def _span(chars):
        return min(b for _, b, _ in chars), max(e for _, _, e in chars)

    def _wordpiece(self, chars):
        word = _text(chars)
        if len(word) > MAX_WORD_CHARS:
            return [(self.unk,) + self._span(chars)]
        out, start = [], 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                sub = word[start:end]
                if start > 0:
                    sub = "##" + sub
                if sub in self.vocab:
                    found = sub
                    break
                end -= 1
            if found is None:
                return [(self.unk,) + self._span(chars)]
            out.append((found,) + self._span(chars[start:end]))
            start = end
        return out

    def _tokenize(self, text):
        chars, bad = self._chars_with_offsets(text)
        res = []
        for p in self._split_specials(chars):
            if p[0] == "special":
                res.append(p[1:])
                continue
            for w in self._basic(p[1]):
                res.extend(self._wordpiece(w))
        return res, bad

    def tokenize(self, text):
        """[(token, byte_begin, byte_end)] without [CLS]/[SEP]."""
        return self._tokenize(text)[0]

    def encode_full(self, text, max_len=None):
        """dict(ids, tokens, spans, n_full, truncated, invalid_bytes):
        [CLS] and [SEP] added (spans (-1, -1)), truncated to max_len tokens
        keeping [SEP] last; n_full counts the tokens before truncation."""
        if max_len is not None and max_len < 2:
            raise ValueError(f"max_len {max_len} leaves no room for [CLS] and [SEP]")
        toks, bad = self._tokenize(text)
        n_full = len(toks) + 2
        truncated = max_len is not None and n_full > max_len
        if truncated:
            toks = toks[: max_len - 2]
        tokens = ["[CLS]"] + [t for t, _, _ in toks] + ["[SEP]"]
        spans = [(-1, -1)] + [(b, e) for _, b, e in toks] + [(-1, -1)]
        ids = [self.vocab.get(t, self.vocab[self.unk]) for t in tokens]
        return {"ids": ids, "tokens": tokens, "spans": spans, "n_full": n_full,
                "truncated": truncated, "invalid_bytes": bad}

    def encode(self, text, max_len=None):
        """(ids, tokens, spans) with [CLS] and [SEP] (spans (0, 0), as
        before); truncated to max_len."""
        r = self.encode_full(text, max_len)
        spans = [(0, 0)] + r["spans"][1:-1] + [(0, 0)]
        return r["ids"], r["tokens"], spans
