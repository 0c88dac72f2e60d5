"""Property-based tests: random command sequences against the registry's invariants."""
