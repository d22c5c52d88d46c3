"""Pagers: phones reached through PagerDuty's Events API v2 and signed webhooks, beside Slack's pages.

Its own package, importing neither bot.paging nor bot.incidents: paging's steps trigger pagers, and
acknowledging or resolving an incident (bot/incidents) tells them, without tying those two together.
"""
