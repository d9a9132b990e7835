# tui module: the interactive explorer (`heed` with no command); see
# docs/ARCHITECTURE.md for the map.  The pure parts (colours, line editing,
# layout, derived numbers, frames, the job queue, the cell screen and its
# renderer) live in the library so unit tests link them without a terminal.
libheed_a_SOURCES += src/tui/palette.c src/tui/input.c src/tui/layout.c \
	src/tui/derive.c src/tui/frame.c src/tui/queue.c src/tui/cells.c src/tui/importance.c \
	src/tui/pin.c
noinst_HEADERS += src/tui/palette.h src/tui/input.h src/tui/layout.h \
	src/tui/derive.h src/tui/frame.h src/tui/queue.h src/tui/cells.h src/tui/importance.h src/tui/pin.h \
	include/heed/tui.h

# The terminal side: the entry point, the core and its loop, the encoder
# thread, the screen, one file per view.
heed_SOURCES += src/tui/tui.c src/tui/app.c src/tui/worker.c src/tui/term.c \
	src/tui/screen.c src/tui/widget.c src/tui/view_grid.c src/tui/view_head.c \
	src/tui/view_tokens.c src/tui/view_output.c src/tui/view_stats.c \
	src/tui/view_help.c src/tui/view_imp.c src/tui/view_inside.c
noinst_HEADERS += src/tui/app.h src/tui/view.h src/tui/key.h src/tui/screen.h \
	src/tui/widget.h src/tui/term.h src/tui/worker.h

# heed export and the `e` key: figures of the views (SVG, HTML, text) and
# the explorer's own screen as ANSI text.
heed_SOURCES += src/tui/export.c src/tui/export_svg.c src/tui/export_txt.c src/tui/export_imp.c \
	src/tui/export_screen.c
noinst_HEADERS += src/tui/export.h src/tui/export_screen.h src/tui/export_svg.h src/tui/export_imp.h
TESTS += tests/export_test.sh tests/export_imp_test.sh
EXTRA_DIST += tests/export_test.sh tests/export_imp_test.sh

# What a frame costs the encoder thread beyond the forward, the statistics
# with a calibration above all; built on demand: make bench/derive_bench
EXTRA_PROGRAMS += bench/derive_bench
bench_derive_bench_SOURCES = bench/derive_bench.c
bench_derive_bench_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/tui
bench_derive_bench_LDADD = $(HEED_LIBS)
CLEANFILES += bench/derive_bench

UI_UNIT = tests/unit/test_ui_palette tests/unit/test_ui_input \
	tests/unit/test_ui_layout tests/unit/test_ui_derive tests/unit/test_ui_frame \
	tests/unit/test_ui_queue tests/unit/test_ui_cells tests/unit/test_ui_pin
check_PROGRAMS += $(UI_UNIT)
TESTS += $(UI_UNIT)
tests_unit_test_ui_palette_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/src/tui
tests_unit_test_ui_palette_LDADD = $(TEST_LIBS)
tests_unit_test_ui_input_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/src/tui
tests_unit_test_ui_input_LDADD = $(TEST_LIBS)
tests_unit_test_ui_layout_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/src/tui
tests_unit_test_ui_layout_LDADD = $(TEST_LIBS)
tests_unit_test_ui_derive_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/src/tui
tests_unit_test_ui_derive_LDADD = $(TEST_LIBS)
tests_unit_test_ui_frame_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/src/tui
tests_unit_test_ui_frame_LDADD = $(TEST_LIBS)
tests_unit_test_ui_queue_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/src/tui
tests_unit_test_ui_queue_LDADD = $(TEST_LIBS)
tests_unit_test_ui_cells_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/src/tui
tests_unit_test_ui_cells_LDADD = $(TEST_LIBS)
tests_unit_test_ui_pin_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/src/tui
tests_unit_test_ui_pin_LDADD = $(TEST_LIBS)
# The encoder thread is binary-only code: the test builds it in.
check_PROGRAMS += tests/unit/test_ui_worker
TESTS += tests/unit/test_ui_worker
tests_unit_test_ui_worker_SOURCES = tests/unit/test_ui_worker.c src/tui/worker.c
tests_unit_test_ui_worker_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/src/tui
tests_unit_test_ui_worker_LDADD = $(TEST_LIBS)

# The tests where two threads meet (queue hand-over, the encoder thread):
# the ThreadSanitizer build (configure --enable-tsan) runs just these, so
# its part of ./quickstart.sh check stays short.
TSAN_TESTS = tests/unit/test_ui_queue tests/unit/test_ui_worker
check-tsan: $(TSAN_TESTS)
	$(MAKE) $(AM_MAKEFLAGS) check-TESTS TESTS='$(TSAN_TESTS)'
.PHONY: check-tsan
EXTRA_DIST += tests/time_limit.sh tests/tsan.supp docs/ARCHITECTURE.md

# End-to-end: the real binary in a tmux pane (tests/e2e/lib.sh).
TUI_E2E = tests/e2e/tui_type.sh tests/e2e/tui_modes.sh tests/e2e/tui_help.sh \
	tests/e2e/tui_resize.sh tests/e2e/tui_paste.sh tests/e2e/tui_stty.sh \
	tests/e2e/tui_colour.sh tests/e2e/tui_mouse.sh tests/e2e/tui_trace.sh \
	tests/e2e/tui_output.sh \
	tests/e2e/tui_window.sh tests/e2e/tui_bracketed_paste.sh tests/e2e/tui_terminals.sh \
	tests/e2e/tui_scale.sh tests/e2e/tui_difference.sh tests/e2e/tui_help_scroll.sh \
	tests/e2e/tui_small.sh tests/e2e/tui_labels.sh tests/e2e/tui_large.sh \
	tests/e2e/tui_nonfinite.sh tests/e2e/tui_many_heads.sh tests/e2e/tui_pairs.sh \
	tests/e2e/tui_stats.sh tests/e2e/tui_importance.sh tests/e2e/tui_lesson.sh \
	tests/e2e/tui_words.sh tests/e2e/tui_presets.sh tests/e2e/tui_before_after.sh \
	tests/e2e/tui_export.sh tests/e2e/tui_pin.sh tests/e2e/tui_inside.sh \
	tests/e2e/tui_settle.sh
EXTRA_DIST += $(TUI_E2E) tests/e2e/tui_common.sh tests/e2e/ansi_cells.py
if HAVE_TMUX
TESTS += $(TUI_E2E)
endif
