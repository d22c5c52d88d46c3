"""Values read from text wherever the bot is configured: durations, and the strict models config sections are."""
