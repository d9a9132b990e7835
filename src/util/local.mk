# Allocation wrappers and error messages shared by every module.
libheed_a_SOURCES += src/util/util.c
noinst_HEADERS += include/heed/util.h
