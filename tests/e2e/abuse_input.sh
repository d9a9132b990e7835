#!/bin/sh
# abuse_input.sh — what a terminal can throw at the input line: a paste of
# 10,000 characters, invalid UTF-8 bytes, and escape sequences heed never
# asked for (bracketed-paste markers, mouse reports, OSC and DCS strings,
# cursor-position reports, huge CSI parameters, lone ESCs).  heed keeps
# working, tokenizes what is left, and gives the terminal back intact.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/abuse_common.sh"

abuse_shell
abuse_run -m "$TUI_MODEL"
e2e_wait_for 'type a sentence' 10

# Bytes that are not UTF-8 mixed with words:
# a lone continuation byte, an overlong NUL, a surrogate, 0xFE/0xFF, a
# truncated 4-byte sequence, a code point past U+10FFFF.
# heed decodes key bytes itself, so valid characters in the same read as
# an invalid byte survive: the last burst, " \x80abc", must keep "abc".
e2e_type "ok "
for bad in '80' 'c0 80' 'ed a0 80' 'fe ff' 'f0 9f 98' 'f4 90 80 80'; do
	# shellcheck disable=SC2086
	e2e_tmux send-keys -t e2e -H $bad
	sleep 0.2
done
e2e_type " fine"
e2e_tmux send-keys -t e2e -H 20 80 61 62 63
e2e_keys Enter
e2e_wait_for '^ \[CLS\] o ##k fine a ##b ##c \[SEP\]' 10
e2e_check "heed is still running after invalid UTF-8" test -n "$(abuse_pid)"

# 10,000 characters in one paste (words of 1..7 letters and spaces).
text=$(awk 'BEGIN { s = ""; w = "the cat sat on a mat by river "; while (length(s) < 10000) s = s w; printf "%s", substr(s, 1, 10000); }')
e2e_check "the paste is 10000 characters" test ${#text} = 10000
e2e_keys i C-u
e2e_type "$text"
e2e_wait_for 'input truncated to 128 tokens' 20
e2e_keys Enter
e2e_wait_for '^ +L3 ' 10

# Escape sequences typed while editing: ESC ends editing, so what follows
# lands on the view keys too (none of these bytes is q or Ctrl-C).
e2e_keys i
for seq in \
    '1b 5b 32 30 30 7e 78 1b 5b 32 30 31 7e' \
    '1b 5b 3c 30 3b 35 3b 35 4d 1b 5b 3c 30 3b 35 3b 35 6d' \
    '1b 5b 4d 20 21 21' \
    '1b 5d 35 32 3b 63 3b 61 47 6b 3d 07' \
    '1b 50 30 3b 31 7c 31 37 2f 61 62 1b 5c' \
    '1b 5b 31 32 3b 34 30 52' \
    '1b 5b 39 39 39 39 39 39 39 39 39 39 39 3b 39 39 39 39 39 39 39 39 39 48' \
    '1b 5b 3f 31 30 34 39 68 1b 5b 3f 32 35 6c' \
    '1b 1b 1b 4f' \
    '1b 5b 31 3b 35 50 1b 4f 51 1b 5b 31 35 3b 32 7e'; do
	# shellcheck disable=SC2086
	e2e_tmux send-keys -t e2e -H $seq
done
sleep 0.5
e2e_check "heed is still running after stray escape sequences" test -n "$(abuse_pid)"
# Still works: close any overlay, go to the grid, type a new sentence.
e2e_keys Escape
sleep 0.2
e2e_keys Escape
sleep 0.2
e2e_keys i C-u
e2e_type "the dog ran"
e2e_keys Enter
e2e_wait_for '^ \[CLS\] the dog ran \[SEP\]' 10
e2e_keys q
abuse_status_ok 5 "q after the abuse exits cleanly"
e2e_finish
