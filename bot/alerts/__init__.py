"""Alerts from monitoring systems, normalized whatever their source."""
