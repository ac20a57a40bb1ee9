"""Supabase: the project, API keys, auth and the session, workspaces, and the network runtime.

Never imports Textual (a test checks). The `supabase` package is imported only by the modules
that talk to a project (`client`, `auth`, `workspaces`, `runtime` when it builds a client), and
only when a project is configured, so an offline start-up never pays for the network stack.
This package's `__init__` therefore imports nothing.
"""
