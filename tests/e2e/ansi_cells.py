"""ansi_cells.py FILE: a screen captured with its SGR sequences (tmux
capture-pane -e, or an ANSI export) as one line of cells per row, in a form
two screens that look the same share whatever sequences drew them: an
upper half block in fg on bg, a lower half block in bg on fg and a space
on a background are the same two-colour cell; 3x/9x colours are their
256-colour numbers; trailing blank cells are dropped.

With --mask-time the last row (the status bar) has its frame time
("2.4 ms") as one cell T and each run of equal blank cells as one: the
time of a run differs from one run to the next, and its width moves the
padding before it."""
import re
import sys

def colour(params, i):
    """The colour at params[i] (38 or 48 already read): (value, next index)."""
    if params[i] == 5:
        return "%d" % params[i + 1], i + 2
    return "#%02x%02x%02x" % tuple(params[i + 1:i + 4]), i + 4

def cells(line, pen):
    """The cells of one row; pen (fg, bg, attrs) carries over from the row
    before, as tmux's capture-pane leaves it."""
    out, i = [], 0
    fg, bg, attrs = pen
    while i < len(line):
        ch = line[i]
        if ch == "\x1b" and line[i + 1:i + 2] == "[":
            j = i + 2
            while line[j] not in "mABCDHJK":
                j += 1
            if line[j] == "m":
                params = [int(p) if p else 0 for p in line[i + 2:j].split(";")]
                k = 0
                while k < len(params):
                    p = params[k]
                    k += 1
                    if p == 0:
                        fg, bg, attrs = None, None, set()
                    elif p in (1, 2, 4, 7):
                        attrs.add(p)
                    elif p == 22:
                        attrs -= {1, 2}
                    elif p in (24, 27):
                        attrs.discard(p - 20)
                    elif 30 <= p <= 37:
                        fg = "%d" % (p - 30)
                    elif 90 <= p <= 97:
                        fg = "%d" % (p - 82)
                    elif 40 <= p <= 47:
                        bg = "%d" % (p - 40)
                    elif 100 <= p <= 107:
                        bg = "%d" % (p - 92)
                    elif p == 38:
                        fg, k = colour(params, k)
                    elif p == 48:
                        bg, k = colour(params, k)
                    elif p == 39:
                        fg = None
                    elif p == 49:
                        bg = None
            i = j + 1
            continue
        a = "".join(str(x) for x in sorted(attrs))
        if not attrs and ch in "\u2580\u2584 " and bg is not None:
            top, bot = (fg, bg) if ch == "\u2580" else (bg, fg) if ch == "\u2584" else (bg, bg)
            out.append("\u2580%s/%s" % (top, bot))
        elif ch == " " and not attrs and bg is None:
            out.append(" ")
        else:
            out.append("%s%s:%s/%s" % (ch, a, fg if ch != " " else "", bg))
        i += 1
    while out and out[-1] == " ":
        out.pop()
    pen[:] = [fg, bg, attrs]
    return out

mask = sys.argv[1] == "--mask-time"
rows = open(sys.argv[-1], encoding="utf-8").read().split("\n")
if rows and rows[-1] == "":
    rows.pop()
pen = [None, None, set()]
out = [cells(r, pen) for r in rows]
if mask and out:
    last = out[-1]
    chars = "".join(c[0] for c in last)
    m = re.search(r"[0-9]+\.[0-9] ms", chars)
    if m:
        last[m.start():m.end() - 3] = ["T"]
    out[-1] = [c for i, c in enumerate(last) if i == 0 or c[0] != " " or c != last[i - 1]]
for r in out:
    print(" ".join(r))
