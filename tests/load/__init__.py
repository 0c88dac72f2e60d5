"""Load: a bounded mixed read/write load against a live ``registry serve`` on PostgreSQL (issue 9, part 4)."""
