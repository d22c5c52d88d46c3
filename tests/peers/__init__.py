"""Real external programs run as peers of the bot in tests."""
