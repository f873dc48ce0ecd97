"""Big letters for the bin a picker walks to: a 3-row font readable at arm's length."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from tui.text import plain, shown

# Three rows per glyph, three cells wide. Zero carries a slash so it never reads as O.
_GLYPHS: dict[str, tuple[str, str, str]] = {
    "0": ("┏━┓", "┃╱┃", "┗━┛"),
    "1": ("╺┓ ", " ┃ ", "╺┻╸"),
    "2": ("╺━┓", "┏━┛", "┗━╸"),
    "3": ("╺━┓", " ━┫", "╺━┛"),
    "4": ("╻ ╻", "┗━┫", "  ╹"),
    "5": ("┏━╸", "┗━┓", "╺━┛"),
    "6": ("┏━╸", "┣━┓", "┗━┛"),
    "7": ("╺━┓", "  ┃", "  ╹"),
    "8": ("┏━┓", "┣━┫", "┗━┛"),
    "9": ("┏━┓", "┗━┫", "╺━┛"),
    "A": ("┏━┓", "┣━┫", "╹ ╹"),
    "B": ("┳━┓", "┣━┫", "┻━┛"),
    "C": ("┏━╸", "┃  ", "┗━╸"),
    "D": ("┳━┓", "┃ ┃", "┻━┛"),
    "E": ("┏━╸", "┣━ ", "┗━╸"),
    "F": ("┏━╸", "┣━ ", "╹  "),
    "G": ("┏━╸", "┃╺┓", "┗━┛"),
    "H": ("╻ ╻", "┣━┫", "╹ ╹"),
    "I": ("╺┳╸", " ┃ ", "╺┻╸"),
    "J": ("  ╻", "  ┃", "┗━┛"),
    "K": ("╻ ╻", "┣┳┛", "╹┗╸"),
    "L": ("╻  ", "┃  ", "┗━╸"),
    "M": ("┏┳┓", "┃┃┃", "╹╹╹"),
    "N": ("┏┓╻", "┃┃┃", "╹┗┛"),
    "O": ("┏━┓", "┃ ┃", "┗━┛"),
    "P": ("┏━┓", "┣━┛", "╹  "),
    "Q": ("┏━┓", "┃ ┃", "┗━╋"),
    "R": ("┏━┓", "┣┳┛", "╹┗╸"),
    "S": ("┏━┓", "┗━┓", "┗━┛"),
    "T": ("╺┳╸", " ┃ ", " ╹ "),
    "U": ("╻ ╻", "┃ ┃", "┗━┛"),
    "V": ("╻ ╻", "╲ ╱", " ╹ "),
    "W": ("╻╻╻", "┃┃┃", "┗┻┛"),
    "X": ("╲ ╱", " ╳ ", "╱ ╲"),
    "Y": ("╻ ╻", "┗┳┛", " ╹ "),
    "Z": ("━━┓", " ╱ ", "┗━━"),
    "-": ("   ", "╺━╸", "   "),
    ".": ("   ", "   ", " • "),
    ":": ("   ", " • ", " • "),
    "/": ("  ╱", " ╱ ", "╱  "),
    "_": ("   ", "   ", "━━━"),
    " ": ("   ", "   ", "   "),
}


def big_rows(text: str, width: int) -> list[str] | None:
    """The three rows of ``text`` in the big font, with a gap between glyphs if it fits in
    ``width`` cells, without if that fits; None when the font cannot show it."""
    glyphs = [_GLYPHS.get(ch) for ch in text.upper()]
    if not text or any(glyph is None for glyph in glyphs):
        return None
    for gap in (" ", ""):
        rows = [gap.join(glyph[row] for glyph in glyphs if glyph) for row in range(3)]
        if len(rows[0]) <= width:
            return rows
    return None


class BigText(Widget):
    """A short code (a bin, a tote) in three-row letters; plain bold text if it cannot fit."""

    DEFAULT_CSS = """
    BigText { height: 3; width: 1fr; }
    """

    text: reactive[str] = reactive("", layout=True)

    def render(self) -> Text:
        """Draw the big rows, or the plain code when it is too long for the width."""
        rows = big_rows(self.text, self.size.width or 40)
        if rows is None:
            return plain(self.text, "bold")
        return shown("\n".join(rows), style="bold")
