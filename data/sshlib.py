"""asyncssh, imported in one place with the warnings its import raises silenced.

cryptography 51 deprecated DSA, and asyncssh (which still offers DSA keys to old clients) raises
CryptographyDeprecationWarning five times while it is imported. Those lines would reach an
operator's screen and the server log on every start; they say nothing about wareterm. The filter is
narrow: that message, from asyncssh's own modules, during that import only.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=r"DSA is deprecated", module=r"asyncssh(\.|$)")
    import asyncssh

__all__ = ["asyncssh"]
