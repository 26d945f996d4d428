"""bulletin."""
