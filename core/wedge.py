"""Keyboard-wedge scans: a burst of characters at most 50 ms apart ending in Enter or Tab.

Pure timing logic: the terminal layer feeds every key press with its time; the detector holds
printable keys until it knows whether they are a scan (then they never reach an input field) or
typing (then they are handed back in order)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

K = TypeVar("K")

#: The largest gap between two keystrokes of one scanner burst.
BURST_GAP_S = 0.05
#: Shorter bursts are typing (nobody's barcode is two characters).
MIN_SCAN_LENGTH = 3


@dataclass
class WedgeOutput(Generic[K]):
    """What to do after a key: keys to hand back as typing (in order) and/or a complete scan."""

    replay: list[K] = field(default_factory=list)
    scan: str | None = None


class WedgeDetector(Generic[K]):
    """Tells scanner bursts from typing by timing. ``K`` is the caller's key event type."""

    def __init__(self, gap_s: float = BURST_GAP_S, min_length: int = MIN_SCAN_LENGTH) -> None:
        self.gap_s = gap_s
        self.min_length = min_length
        self._held: list[tuple[K, str]] = []
        self._last = 0.0

    @property
    def holding(self) -> bool:
        """Whether keys are held, waiting to see if a scan terminator follows."""
        return bool(self._held)

    def deadline(self) -> float | None:
        """When held keys turn into typing if nothing else arrives."""
        return self._last + self.gap_s if self._held else None

    def feed(self, key: K, char: str | None, terminator: bool, now: float) -> WedgeOutput[K]:
        """Take one key press. ``char`` is its printable character (None for others);
        ``terminator`` marks Enter/Tab."""
        out: WedgeOutput[K] = WedgeOutput()
        if self._held and now - self._last > self.gap_s:
            out.replay.extend(self._release())
        if terminator:
            if len(self._held) >= self.min_length:
                out.scan = "".join(ch for _, ch in self._held)
                self._held.clear()
            else:
                out.replay.extend(self._release())
                out.replay.append(key)
        elif char is not None and char.isprintable():
            self._held.append((key, char))
            self._last = now
        else:
            out.replay.extend(self._release())
            out.replay.append(key)
        return out

    def expire(self, now: float) -> list[K]:
        """Hand back held keys whose burst ended without a terminator."""
        if self._held and now - self._last > self.gap_s:
            return self._release()
        return []

    def _release(self) -> list[K]:
        keys = [key for key, _ in self._held]
        self._held.clear()
        return keys
