"""The hub's domain: plain typed Python, no I/O. Everything else depends on it, not back."""
