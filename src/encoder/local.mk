# encoder module: sources, headers and unit tests
