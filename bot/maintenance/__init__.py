"""Maintenance windows: while one is active, alerts its matchers match are held instead of paging anyone."""
