"""Prometheus's HTTP API over aiohttp: the outbound side of the SLIs that read Prometheus."""
