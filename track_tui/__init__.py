"""Track TUI: a keyboard-driven terminal client for the Track CRM."""

__version__ = "0.1.0"
