"""One translation function for every operator-facing text (gettext, English by default).

A catalog for another language is ``core/locale/<lang>/LC_MESSAGES/wareterm.mo``, compiled by
``make i18n`` from the ``.po`` next to it. A process speaks one language at a time (a terminal
is one process per session, the command line one per command): ``set_language`` switches it and
tells the listeners (screens redraw, footers take the new key labels). A process that speaks
to many people at once (the SSH server) asks :func:`translation` for each person's language
instead of switching.

Which language: :func:`choose_language` takes the first of the user's own, ``WARETERM_LANG``,
``LANGUAGE``/``LANG`` (the command line only) and the site default (``ui.language``).
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

#: The compiled catalogs; ``WARETERM_LOCALE_DIR`` points elsewhere (a translator trying a
#: catalog without reinstalling).
LOCALE_DIR = Path(os.environ.get("WARETERM_LOCALE_DIR") or Path(__file__).parent / "locale")
DOMAIN = "wareterm"
#: The language of the messages in the code.
SOURCE_LANGUAGE = "en"
#: Languages a user or the site may choose (``--lang``, ``ui.language``).
LANGUAGES = ("en", "zh_CN")


def N_(message: str) -> str:  # noqa: N802 (the gettext convention for "mark, translate later")
    """Mark a message for the catalog without translating it now (translated where shown)."""
    return message


def normalise_language(value: str | None) -> str | None:
    """A known language from a locale name (``zh_CN.UTF-8``, ``zh-cn``, ``zh``, ``en_US``,
    ``C``), or None when it names none of :data:`LANGUAGES`."""
    if not value:
        return None
    name = value.split(".")[0].split("@")[0].replace("-", "_").strip()
    lower = name.lower()
    if lower.startswith("en"):
        return "en"
    if lower in ("zh", "zh_cn", "zh_hans", "zh_hans_cn", "zh_sg"):
        return "zh_CN"
    return None


def environment_language(environ: dict[str, str] | None = None) -> str | None:
    """The language the environment asks for: ``WARETERM_LANG``, then the first known one of
    ``LANGUAGE`` (a colon list), then ``LANG``."""
    env = os.environ if environ is None else environ
    wanted = normalise_language(env.get("WARETERM_LANG"))
    if wanted:
        return wanted
    for part in env.get("LANGUAGE", "").split(":"):
        wanted = normalise_language(part)
        if wanted:
            return wanted
    return normalise_language(env.get("LANG"))


def choose_language(*choices: str | None) -> str:
    """The first known language of ``choices`` (most specific first), else English."""
    for choice in choices:
        language = normalise_language(choice)
        if language:
            return language
    return SOURCE_LANGUAGE


@lru_cache(maxsize=8)
def _catalog(language: str, localedir: str) -> gettext.NullTranslations:
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    folder = Path(localedir) / language / "LC_MESSAGES"
    mo, po = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    if po.exists() and (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
        # A checkout whose .mo was not built yet (or is older than its .po): compile in memory,
        # so a fresh clone or an editable install never speaks a stale or missing catalog.
        return _compile_po(po)
    return gettext.translation(DOMAIN, localedir, languages=[language], fallback=True)


def _compile_po(po: Path) -> gettext.NullTranslations:
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        catalog = read_po(source)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def translation(language: str | None, localedir: Path | None = None) -> gettext.NullTranslations:
    """The catalog of ``language`` (English when None or missing), for code that speaks to
    several people in one process: ``translation(lang).gettext(msgid)``."""
    return _catalog(language or SOURCE_LANGUAGE, str(localedir or LOCALE_DIR))


# Until a program chooses (the command line, the terminal), only WARETERM_LANG counts: a
# library caller or a test run in a Chinese shell still reads English unless asked.
_language = normalise_language(os.environ.get("WARETERM_LANG")) or SOURCE_LANGUAGE
_translation = translation(_language)
_listeners: list[Callable[[str], None]] = []


def _(message: str) -> str:
    """Translate an operator-facing message."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message that depends on a count."""
    return _translation.ngettext(singular, plural, n)


def current_language() -> str:
    """The language this process speaks now."""
    return _language


def set_language(language: str | None, localedir: Path | None = None) -> None:
    """Switch the catalog (None: English) and tell the listeners, which redraw what they show
    (texts drawn already keep their language until redrawn)."""
    global _translation, _language
    wanted = normalise_language(language) or SOURCE_LANGUAGE
    catalog = translation(wanted, localedir)
    if (wanted, catalog) == (_language, _translation):
        return  # nothing to redraw
    _language, _translation = wanted, catalog
    for listener in list(_listeners):
        listener(_language)


def on_language_change(listener: Callable[[str], None]) -> Callable[[], None]:
    """Call ``listener(language)`` after every switch; returns what stops it."""
    _listeners.append(listener)

    def stop() -> None:
        if listener in _listeners:
            _listeners.remove(listener)

    return stop


def known_languages() -> Iterable[str]:
    """The languages a user or the site may choose."""
    return LANGUAGES
