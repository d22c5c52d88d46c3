"""On-call schedules: who is on call when, from layers of rotations, restrictions, overrides and iCal calendars.

models.py is the definition, resolver.py the one function of it every feature asks, config.py reads the
`schedules:` section of ONCALL_CONFIG, ical.py reads and writes calendars. All of it is pure: no Slack, no SQL.
docs/schedules.md explains the model with worked examples.
"""
