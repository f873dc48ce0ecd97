"""The warehouse domain: pure rules over plain dataclasses, no I/O."""
