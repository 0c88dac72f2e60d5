"""Builders of registries with something in them: the demo data set and the certification walks.

Not the domain: everything here drives ``registry``'s application class as a certification body's staff would,
for ``registry serve --demo``, the tests' builders and the benchmarks. ``demo`` imports ``registry``; ``registry``
never imports ``demo``.

- ``demo.scenario``: ``Walk`` (one case walked from application to certificate), ``Staff`` and ``enrol_staff``,
  ``new_uscc``, and the defaults a walk records (``ALL_CONDITIONS``, ``FULL_REVIEW`` …).
- ``demo.dataset``: ``load_demo``, several organisations with certificates in every status.
"""
