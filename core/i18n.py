"""One translation function for every operator-facing text (gettext, English by default).

A catalog for another language is a compiled ``core/locale/<lang>/LC_MESSAGES/wareterm.mo``;
``WARETERM_LANG`` (or the usual ``LANGUAGE``/``LANG``) picks it. Screens never hold their own text.
"""

from __future__ import annotations

import gettext
import os
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "wareterm"


def _load() -> gettext.NullTranslations:
    wanted = os.environ.get("WARETERM_LANG")
    languages = [wanted] if wanted else None
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=languages, fallback=True)


_translation = _load()


def _(message: str) -> str:
    """Translate an operator-facing message."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message that depends on a count."""
    return _translation.ngettext(singular, plural, n)


def set_language(language: str | None, localedir: Path | None = None) -> None:
    """Switch the catalog (None: English). Texts drawn already keep their language until
    redrawn; key binding labels take the language at start-up."""
    global _translation
    if language is None:
        _translation = gettext.NullTranslations()
    else:
        _translation = gettext.translation(
            DOMAIN, localedir or LOCALE_DIR, languages=[language], fallback=True
        )
