"""A serial scanner over a long shift: unplugged and plugged in again twenty times (the pty
closed, its by-id symlink moved to a new one), bursts of scans, garbage, a megabyte without an
end-of-scan. The reader never dies, never joins two scans, never loses a good one.
(Each case on its own: tests/devices/test_scanner.py.)"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devices import scanner as scanner_module
from tests.devices import test_scanner
from tests.devices.conftest import wait_until
from tests.devices.test_scanner import MakePty, StartScanner, connected, disconnected

CYCLES = 20
BURST = 40
GARBAGE = b"\x00\x07\xff\xfe\r\x1b[2J\r"


# The fixtures of test_scanner.py: ptys made and closed for the test, scanners stopped after it.
ptys = test_scanner.ptys
scanners = test_scanner.scanners


@pytest.mark.slow
def test_twenty_unplugs_bursts_garbage_and_a_flood(
    ptys: MakePty, scanners: StartScanner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Reconnect attempts capped at 0.2 s instead of 1 s, so twenty replugs take seconds; the
    # cap itself is tested in test_scanner.py.
    monkeypatch.setattr(scanner_module, "RETRY_MAX_S", 0.2)
    link = tmp_path / "usb-Scanner-if00"
    pty = ptys()
    link.symlink_to(pty.path)
    scanner, seen = scanners(f"{link}?suffix=CR&timeout=5")
    sent: list[str] = []
    partials: list[str] = []
    for cycle in range(CYCLES):
        wait_until(connected(seen), timeout=5)
        codes = [f"C{cycle:02d}-{number:03d}" for number in range(BURST)]
        half = BURST // 2
        # A burst in one write, garbage in the middle of it, the rest of the burst.
        pty.send(b"".join(code.encode() + b"\r" for code in codes[:half]) + GARBAGE)
        pty.send(b"".join(code.encode() + b"\r" for code in codes[half:]))
        sent.extend(codes)
        if cycle == CYCLES // 2:
            pty.send(b"X" * (1 << 20))  # a megabyte without an end of scan
            pty.send(b"\rAFTER-FLOOD\r")
            sent.append("AFTER-FLOOD")
        partial = f"PART{cycle:02d}"
        pty.send(partial.encode())  # the cable is pulled in the middle of a scan
        partials.append(partial)
        written = _sent_bytes(sent, partials, cycle)
        wait_until(lambda n=written: scanner.bytes_read >= n, timeout=10)
        pty.unplug()
        wait_until(disconnected(seen), timeout=2)
        pty = ptys()
        moved = tmp_path / "usb-Scanner-if00.new"
        moved.symlink_to(pty.path)
        os.replace(moved, link)
    wait_until(connected(seen), timeout=5)
    pty.send(b"LAST\r")
    sent.append("LAST")
    wait_until(lambda: bool(seen.scans) and seen.scans[-1].text == "LAST", timeout=5)

    assert scanner.is_running
    good = [scan.text for scan in seen.scans if scan.problem is None]
    assert good == sent  # every good scan, once, in order, none joined to another
    incomplete = [scan.text for scan in seen.scans if scan.problem == "incomplete"]
    assert incomplete == partials
    problems = [scan.problem for scan in seen.scans if scan.problem not in (None, "incomplete")]
    assert problems.count("too_long") == 1
    assert problems.count("non_printable") + problems.count("undecodable") == 2 * CYCLES
    statuses = [state.status for state in seen.states]
    assert statuses.count("connected") == CYCLES + 1
    assert statuses.count("disconnected") >= CYCLES


def _sent_bytes(sent: list[str], partials: list[str], cycle: int) -> int:
    """Bytes written to the scanner so far (each good scan with its CR, the garbage, the
    flood, the partial scans)."""
    total = sum(len(code) + 1 for code in sent)
    total += len(GARBAGE) * (cycle + 1) + sum(len(partial) for partial in partials)
    if cycle >= CYCLES // 2:
        total += (1 << 20) + 1
    return total
