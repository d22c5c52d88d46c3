"""Read-only web pages for people signed in with Slack, or automation with WEB_TOKEN: incidents and SLOs."""
