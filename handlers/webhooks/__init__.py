"""Alert webhooks: one module per source, each a pure `parse(body) -> list[AlertIn]`."""
