"""Operational reviews: figures over the incidents, alerts, pages and follow-ups the bot stored (docs/reports.md)."""
