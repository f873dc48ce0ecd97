"""Domain errors: what the services raise instead of storage or device exceptions."""

from __future__ import annotations


class WaretermError(Exception):
    """Base of every error a person should read; the message says what happened and what to do."""


class NotFound(WaretermError):
    """A named thing (order, user, pick list) does not exist."""


class Rejected(WaretermError):
    """The request was understood and refused by a rule."""


class NotAllowed(WaretermError):
    """The user's role may not do this."""


class InvalidBarcode(WaretermError):
    """A barcode in the catalog is malformed (for example a GTIN with a wrong check digit)."""


class StoreBusy(WaretermError):
    """The database stayed locked by another session longer than the busy timeout."""


class ScanUnconfirmed(WaretermError):
    """A scan was sent to the server's scan writer, which stopped before it said whether the
    scan was stored: the screen shows the list as stored."""


class StoreFault(WaretermError):
    """The database file cannot do its work (disk full, read-only, an I/O error, gone or
    damaged): nothing of the refused change was stored. The message says what to do."""


class DiskFull(StoreFault):
    """The disk holding the database is full."""


class ReadOnlyStore(StoreFault):
    """The database file (or its disk) cannot be written."""


class StorageFailed(StoreFault):
    """The disk failed to read or write the database (an I/O error)."""


class DatabaseGone(StoreFault):
    """The database file is missing, or another file now stands at its path."""


class DatabaseCorrupt(StoreFault):
    """The database file is damaged or is no SQLite database."""
