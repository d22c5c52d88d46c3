"""Durable Slack side effects: stored with the change that causes them, performed by the worker."""

from bot.outbox.outbox import Effect, Outbox, alert_group_lane, incident_lane

__all__ = ["Effect", "Outbox", "alert_group_lane", "incident_lane"]
