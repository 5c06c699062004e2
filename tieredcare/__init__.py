"""tieredcare."""
