"""The certificate registry's domain: aggregates, events, rules, clock and calendar.

Imports the standard library and ``eventsourcing`` only (STYLE.md, convention 1).
"""
