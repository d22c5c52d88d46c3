"""Acting on alerts in Alertmanager: silences made from Slack (docs/alert-actions.md)."""
