"""BERT BasicTokenizer + WordPiece, written from the description of Google's
original tokenization.py and Hugging Face's BertTokenizer (no `transformers`
import: this is the independent reference the C tokenizer is checked against).

Every token carries the byte span [begin, end) of the UTF-8 input it came from,
so fixtures can check spans too.  Special tokens typed literally ("[MASK]")
are kept whole, as BertTokenizer does for its added special tokens.
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
    return unicodedata.category(c) in ("Cc", "Cf")


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


class Tokenizer:
    def __init__(self, vocab_path, lowercase=True):
        self.vocab = load_vocab(vocab_path)
        self.inv = {i: t for t, i in self.vocab.items()}
        self.lowercase = lowercase
        self.unk = "[UNK]"

    # -- basic tokenizer: list of (text, byte_begin, byte_end) words --------
    def _chars_with_offsets(self, text):
        """(char, byte_begin, byte_end) for every code point of text."""
        out, pos = [], 0
        for c in text:
            n = len(c.encode("utf-8"))
            out.append((c, pos, pos + n))
            pos += n
        return out

    def _basic(self, text):
        chars = self._chars_with_offsets(text)
        # Literal special tokens are isolated before anything else, so that
        # "[MASK]" is not split into "[", "mask", "]".
        pieces = []  # list of ("special", tok, b, e) or ("text", chars)
        i, n = 0, len(text)
        cur = []
        while i < n:
            hit = None
            if text[i] == "[":
                for s in SPECIALS:
                    if text.startswith(s, i):
                        hit = s
                        break
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

        words = []
        for p in pieces:
            if p[0] == "special":
                words.append((p[1], p[2], p[3], True))
                continue
            # clean: drop NUL, U+FFFD and controls; whitespace becomes a split
            cleaned = []
            for c, b, e in p[1]:
                cp = ord(c)
                if cp == 0 or cp == 0xFFFD or _is_control(c):
                    continue
                if _is_whitespace(c):
                    cleaned.append((" ", b, e))
                elif _is_cjk(cp):
                    cleaned.append((" ", b, b))
                    cleaned.append((c, b, e))
                    cleaned.append((" ", e, e))
                else:
                    cleaned.append((c, b, e))
            # whitespace split
            tok = []
            for c, b, e in cleaned + [(" ", 0, 0)]:
                if c == " ":
                    if tok:
                        words.extend(self._split_word(tok))
                        tok = []
                else:
                    tok.append((c, b, e))
        return words

    # -- WordPiece ---------------------------------------------------------
    def _wordpiece(self, word, b, e, char_spans):
        if len(word) > MAX_WORD_CHARS:
            return [(self.unk, b, e)]
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
                return [(self.unk, b, e)]
            out.append((found, char_spans[start][0], char_spans[end - 1][1]))
            start = end
        return out

    def tokenize(self, text):
        """[(token, byte_begin, byte_end)] without [CLS]/[SEP]."""
        res = []
        for w, b, e, special in self._basic(text):
            if special:
                res.append((w, b, e))
            else:
                res.extend(self._wordpiece(w[0], b, e, w[1]))
        return res

    def _split_word(self, tok):
        """Lowercase and strip accents when uncased, then split punctuation.
        Each word is ((string, [(b, e) per code point]), b, e, False)."""
        norm = []
        for c, b, e in tok:
            if self.lowercase:
                for d in unicodedata.normalize("NFD", c.lower()):
                    if unicodedata.category(d) != "Mn":
                        norm.append((d, b, e))
            else:
                norm.append((c, b, e))
        out, cur = [], []
        for c, b, e in norm:
            if _is_punctuation(c):
                if cur:
                    out.append(cur)
                    cur = []
                out.append([(c, b, e)])
            else:
                cur.append((c, b, e))
        if cur:
            out.append(cur)
        return [(("".join(c for c, _, _ in w), [(b, e) for _, b, e in w]),
                 w[0][1], w[-1][2], False) for w in out]

    def encode(self, text, max_len=None):
        """(ids, tokens, spans) with [CLS] and [SEP]; truncated to max_len."""
        toks = self.tokenize(text)
        if max_len is not None and len(toks) > max_len - 2:
            toks = toks[: max_len - 2]
        tokens = ["[CLS]"] + [t for t, _, _ in toks] + ["[SEP]"]
        spans = [(0, 0)] + [(b, e) for _, b, e in toks] + [(0, 0)]
        ids = [self.vocab.get(t, self.vocab[self.unk]) for t in tokens]
        return ids, tokens, spans
