"""The one way the terminal draws data: anything that came from a file, a user, a scanner or a
printer (order numbers, channels, names, addresses, SKUs, bins, carriers, reasons, errors that
quote them) becomes Rich ``Text``, never a markup string, with every control and invisible
format character removed.

Textual reads a ``str`` given to ``Static``, ``DataTable`` or ``notify`` as markup, so a name
holding ``[/bold]`` crashes the screen and ``[@click=app.quit]`` makes a link; and it draws
``Text`` as it is, so an ESC inside a value would reach the terminal as a command (OSC 52 writes
the clipboard, ``ESC[?1049l`` leaves the screen, ``ESC]0;`` sets the window title, 0x9B is an
8-bit CSI, U+202E reverses what follows). Screens, dialogs, tables, banners and notifications
draw data only through these helpers; ``core.labels`` decides which characters go.
"""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from core.labels import neutralise, strip_controls


def plain(value: object, style: str = "", *, limit: int | None = None) -> Text:
    """One value from outside as one line of plain text: no markup, no control or invisible
    format characters, spaces collapsed (``None`` is empty). ``limit`` cuts it to that many
    terminal columns after cleaning (see :func:`fit`)."""
    text = neutralise("" if value is None else str(value))
    if limit is not None:
        text = fit(text, limit)
    return Text(text, style=style)


def fit(text: str, width: int) -> str:
    """``text`` shortened to ``width`` terminal columns, with ``…`` where it was cut: by
    display width (a Chinese character takes two columns), never half a character."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(width - 1, 0)).rstrip() + "…"


def shown(text: object, style: str = "") -> Text:
    """A whole message that may quote data (a banner, a dialog's question, an error) as plain
    text: its line breaks kept, control and invisible format characters removed."""
    return Text(clean(text), style=style)


def clean(text: object) -> str:
    """``shown`` as a ``str``, for the few places that take one (notifications, tab labels,
    choices in a list); give it to them with markup off."""
    return strip_controls("" if text is None else str(text))


def cells(values: tuple[object, ...] | list[object]) -> list[Text]:
    """A table row's cells as ``Text``: a ``str`` cell would be read as markup, so any value
    that is not ``Text`` is drawn by ``plain``; a ``Text`` keeps its style, and loses any
    control character it was built with."""
    return [_safe_text(value) if isinstance(value, Text) else plain(value) for value in values]


def _safe_text(text: Text) -> Text:
    if clean(text.plain) == text.plain:
        return text
    return plain(text.plain, str(text.style))
