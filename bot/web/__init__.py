"""What the read-only web pages show, in words and pictures a person reads (bot/web_views.py gathers it)."""
