"""Read-only web pages, closed to anyone without WEB_TOKEN: incidents, timelines, postmortems, SLOs."""
