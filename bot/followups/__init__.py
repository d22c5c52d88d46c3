"""Follow-ups: the action items an incident leaves behind."""
