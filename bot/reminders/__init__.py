"""Time: durations people write, cadences of retros, and the reminders the bot sends on schedule."""
