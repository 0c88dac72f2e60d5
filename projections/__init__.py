"""Read models built from the registry's event log (public lookup, search, staff views)."""
