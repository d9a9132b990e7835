# calib module: sources, headers and unit tests
