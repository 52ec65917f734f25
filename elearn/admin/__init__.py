"""CST administration."""
