/* input.h — the sentence editor: a UTF-8 line with a byte cursor that only
 * ever rests on character boundaries, readline-like kills and a history.
 * Pure: no curses, so it is unit-tested directly. */
#ifndef HEED_TUI_INPUT_H
#define HEED_TUI_INPUT_H

#include <stdbool.h>
#include <stddef.h>

/* Longer pastes are cut here: the tokenizer keeps HEED_MAX_TOKENS anyway. */
#define INPUT_MAX_BYTES 65536
#define INPUT_HISTORY 64

typedef struct ui_input {
	char *buf;        /* NUL-terminated */
	size_t len, cap;
	size_t cur;       /* byte offset of the cursor */
	char *hist[INPUT_HISTORY];
	int nhist;        /* oldest first */
	int hpos;         /* nhist = editing the new line */
	char *draft;      /* the new line while browsing history */
} ui_input;

void input_init(ui_input *in);
void input_free(ui_input *in);
/* Replace the whole line, cursor at the end. */
void input_set(ui_input *in, const char *s);
/* Insert n bytes at the cursor; returns false if nothing fitted. */
bool input_insert(ui_input *in, const char *s, size_t n);
/* Insert one code point (encoded as UTF-8). */
bool input_insert_cp(ui_input *in, unsigned cp);
bool input_backspace(ui_input *in);
bool input_delete(ui_input *in);
bool input_left(ui_input *in);
bool input_right(ui_input *in);
bool input_home(ui_input *in);
bool input_end(ui_input *in);
bool input_kill_word(ui_input *in);   /* Ctrl-W */
bool input_kill_line(ui_input *in);   /* Ctrl-U: start of line to cursor */
/* Remember the line (skipping empty lines and repeats). */
void input_hist_push(ui_input *in);
bool input_hist_prev(ui_input *in);
bool input_hist_next(ui_input *in);
/* Keys arrive as bytes (wgetch): a UTF-8 decoder that never loses a valid
 * character next to an invalid byte, which ncurses' get_wch does. */
typedef struct ui_utf8 {
	unsigned cp, min;  /* code point so far; smallest legal value (overlongs) */
	int need;          /* continuation bytes still expected */
} ui_utf8;

/* Feed one byte; writes up to two code points to out (a U+FFFD for a broken
 * sequence, then the byte itself when it starts anew) and returns how many. */
int input_utf8_feed(ui_utf8 *d, unsigned char b, unsigned out[2]);

/* Display columns of bytes [from, to) (wide characters count 2). */
int input_width(const char *s, size_t from, size_t to);

#endif
