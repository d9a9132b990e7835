# open module: heed_open(), the one sequence that opens a model for every
# command and the explorer (resolve, weights, vocabulary, calibration, modes).
libheed_a_SOURCES += src/open/open.c
noinst_HEADERS += include/heed/open.h
