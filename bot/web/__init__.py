"""What the read-only web pages show, in words and pictures a person reads (bot/web/views.py gathers it)."""
