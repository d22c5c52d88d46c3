"""The JSON API (bearer WEBHOOK_TOKEN): SLO measurements in, SLO reports out."""
