"""Inbound adapters: they parse what arrives and delegate to the services in bot/."""
