"""Campaign rules: no I/O."""
