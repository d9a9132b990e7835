# The heed binary: option parsing and subcommand dispatch.
heed_SOURCES += src/cli/main.c
noinst_HEADERS += src/cli/cli.h
