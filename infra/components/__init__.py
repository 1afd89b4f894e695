"""One ComponentResource per concern; each takes its settings section and the shared context."""
