"""Heartbeats: things that must check in (POST /webhooks/heartbeat/<name>, or Alertmanager's Watchdog), and
the alert raised through normal ingestion when one falls silent past its timeout."""
