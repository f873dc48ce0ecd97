"""Screens of the wareterm app; they talk to the floor only through core.ports."""
