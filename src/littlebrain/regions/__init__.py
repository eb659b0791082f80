"""The regions littlebrain builds brains from: one module each, named for what it does."""
