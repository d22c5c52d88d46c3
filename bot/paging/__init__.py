"""Paging: notify the people an escalation policy names, step by step, until someone acknowledges."""
