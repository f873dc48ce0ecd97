"""Key labels in the session's language: bindings are written with their English msgid
(``N_``) and translated on each screen when it is shown and again on every language switch."""

from __future__ import annotations

import dataclasses

from textual.dom import DOMNode

from core.i18n import _


def translate_bindings(node: DOMNode) -> None:
    """Give ``node``'s own key bindings their descriptions (and tooltips) in the current
    language; the msgids are kept on the node, so this can be done again after a switch."""
    msgids: dict[tuple[str, str], tuple[str, str]] = node.__dict__.setdefault("_binding_msgids", {})
    table = node._bindings.key_to_bindings
    for key, bindings in table.items():
        translated = []
        for binding in bindings:
            description, tooltip = msgids.setdefault(
                (key, binding.action), (binding.description, binding.tooltip)
            )
            translated.append(
                dataclasses.replace(
                    binding,
                    description=_(description) if description else description,
                    tooltip=_(tooltip) if tooltip else tooltip,
                )
            )
        table[key] = translated


#: Each language by its own name, as the switch key names the language it switches to.
LANGUAGE_NAMES = {"en": "English", "zh_CN": "中文"}


def other_language(language: str) -> str:
    """The language the login screen's switch key goes to from ``language``."""
    return "en" if language != "en" else "zh_CN"
