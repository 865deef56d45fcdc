"""The `acorn` command line: thin click shells over the pure core."""
