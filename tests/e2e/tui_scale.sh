#!/bin/sh
# tui_scale.sh — colours that do not lie (issue #18): by default a weight's
# colour is absolute (0 to 1), so a uniform head is uniformly faint and a
# peaked head is brighter; S switches to each layer's and each head's
# maximum, and the legend always says which scale is in force.  Colours
# are read off the pane in truecolor (COLORTERM), as red, green, blue.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

shot=$E2E_TMP/shot

# head_colours H: the luminances of every pixel of head H in layer 1 of
# the grid captured in $shot, one per line.  A cell is two pixels: a half
# block (upper or lower) in the foreground colour over the background, or
# a blank whose background is both; the default background is none.
head_colours() {
	_plain=$(sed 's/\x1b\[[0-9;]*m//g' "$shot")
	_from=$(printf '%s\n' "$_plain" | awk -v h="H$1" '/ H1/{ print index($0, h); exit }')
	_to=$(printf '%s\n' "$_plain" | awk -v h="H$(($1 + 1))" '/ H1/{ i = index($0, h); print i ? i : 999; exit }')
	_r0=$(printf '%s\n' "$_plain" | awk '/^ *L1 /{ print NR; exit }')
	_r1=$(printf '%s\n' "$_plain" | awk '/^ *L2 /{ print NR; exit }')
	sed 's/[▀▄]/@/g' "$shot" | LC_ALL=C awk -v from="$_from" -v to="$_to" -v r0="$_r0" -v r1="$_r1" '
	NR >= r0 && NR < r1 {
		col = 0; fg = ""; bg = ""; s = $0
		while (length(s) > 0) {
			if (substr(s, 1, 2) == "\033[") {
				e = index(s, "m"); n = split(substr(s, 3, e - 3), p, ";")
				for (i = 1; i <= n; i++) {
					if (p[i] == "" || p[i] == 0) { fg = ""; bg = "" }
					else if (p[i] == 38 && p[i + 1] == 2) { fg = lum(p[i + 2], p[i + 3], p[i + 4]); i += 4 }
					else if (p[i] == 48 && p[i + 1] == 2) { bg = lum(p[i + 2], p[i + 3], p[i + 4]); i += 4 }
					else if (p[i] == 39) fg = ""
					else if (p[i] == 49) bg = ""
				}
				s = substr(s, e + 1); continue
			}
			col++
			if (col >= from && col < to - 1) {
				if (fg != "" && substr(s, 1, 1) == "@") print fg
				if (bg != "") print bg
			}
			s = substr(s, 2)
		}
	}
	function lum(r, g, b) { return int(2126 * r + 7152 * g + 722 * b) }'
}

# The same sentence, head 2 of layer 1 made uniform; head 1 attends as the
# model does, which is never uniform.
e2e_start 80 24 env COLORTERM=truecolor "$HEED_BIN" -m "$TUI_MODEL" --modes L1H2=uniform \
    "the cat sat on the mat"
e2e_wait_for '^ +L3 ' 10
e2e_wait_for 'colour: weight, absolute 0\.00 .* 1\.00' 5
e2e_screen_colour >"$shot"
e2e_check "truecolor: direct RGB backgrounds" grep -q '48;2;' "$shot"
uni=$(head_colours 2 | sort -u)
peak=$(head_colours 1 | sort -n | tail -n 1)
e2e_check "the uniform head has one colour ($uni)" \
    test -n "$uni" -a "$(printf '%s\n' "$uni" | wc -l)" -eq 1
e2e_check "the uniform head is fainter than the peaked head's peak ($uni < $peak)" \
    test "${uni:-0}" -lt "${peak:-0}"

e2e_keys S
e2e_wait_for 'colour: weight, to layer max' 5
e2e_keys S
e2e_wait_for 'colour: weight, to head max' 5
sleep 0.5
e2e_screen_colour >"$shot"
uni2=$(head_colours 2 | sort -u)
peak2=$(head_colours 1 | sort -n | tail -n 1)
e2e_check "per-head max: the uniform head glows like the peak ($uni2 = $peak2)" \
    test "${uni2:-0}" -eq "${peak2:-1}"
e2e_keys S
e2e_wait_for 'colour: weight, absolute' 5
# the head view states the scale too
e2e_keys Enter
e2e_wait_for 'colour: weight, absolute 0\.00 .* 1\.00' 5
e2e_keys 3
e2e_wait_for 'colour: weight, absolute 0\.00 .* 1\.00' 5
tui_quit
e2e_finish
