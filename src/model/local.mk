# model module: sources, headers and unit tests
