"""Postmortems rendered from the incident's stored timeline, alerts and follow-ups."""
