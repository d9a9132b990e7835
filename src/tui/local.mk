# tui module: sources, headers and unit tests
