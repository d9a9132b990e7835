/* tui.h — the attention explorer, `heed` with no command. */
#ifndef HEED_TUI_H
#define HEED_TUI_H

/* Parse the explorer's options (argv[0] is the program or command name),
 * load the model and run until q.  Returns HEED_OK or a negative HEED_E*
 * code (HEED_EINVAL for a usage error), the message already printed. */
int tui_main(int argc, char **argv);
/* `heed export`: a view as SVG, HTML, ANSI or text (src/tui/export.c);
 * returns like tui_main. */
int export_main(int argc, char **argv);

#endif
