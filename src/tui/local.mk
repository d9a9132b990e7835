# tui module: the interactive explorer (`heed` with no command).
# The pure parts (colours, line editing, layout, derived numbers, the job
# queue) live in the library so unit tests link them without a terminal.
libheed_a_SOURCES += src/tui/palette.c src/tui/input.c src/tui/layout.c \
	src/tui/ui_model.c src/tui/queue.c
noinst_HEADERS += src/tui/palette.h src/tui/input.h src/tui/layout.h \
	src/tui/ui_model.h src/tui/queue.h

check_PROGRAMS += tests/unit/test_ui_palette tests/unit/test_ui_input \
	tests/unit/test_ui_layout tests/unit/test_ui_model tests/unit/test_ui_queue
TESTS += tests/unit/test_ui_palette tests/unit/test_ui_input \
	tests/unit/test_ui_layout tests/unit/test_ui_model tests/unit/test_ui_queue
tests_unit_test_ui_palette_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/src/tui
tests_unit_test_ui_palette_LDADD = $(TEST_LIBS)
tests_unit_test_ui_input_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/src/tui
tests_unit_test_ui_input_LDADD = $(TEST_LIBS)
tests_unit_test_ui_layout_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/src/tui
tests_unit_test_ui_layout_LDADD = $(TEST_LIBS)
tests_unit_test_ui_model_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/src/tui
tests_unit_test_ui_model_LDADD = $(TEST_LIBS)
tests_unit_test_ui_queue_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/src/tui
tests_unit_test_ui_queue_LDADD = $(TEST_LIBS)
