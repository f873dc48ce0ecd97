"""The terminal: the Textual app, the CLI entry point and the SSH server."""
