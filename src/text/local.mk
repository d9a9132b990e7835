# text module: sources, headers and unit tests
