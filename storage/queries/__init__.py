"""Session-first query functions: the only place SQL is written."""
