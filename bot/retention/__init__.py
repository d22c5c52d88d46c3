"""Retention: the tables that grow by themselves are kept to the horizons of `retention:` in ONCALL_CONFIG."""
