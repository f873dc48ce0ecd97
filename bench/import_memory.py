"""Peak memory of ``wareterm import orders`` on a large generated file (200 MB by default).

python -m bench.import_memory                      # 200 MB CSV, full import into a catalog
python -m bench.import_memory --mb 50 --format json
python -m bench.import_memory --parse-only         # only read the file (both passes)

The file is written a block at a time and the import runs in a new interpreter, which
reports its own peak resident set (``VmHWM``) as it exits. This takes
minutes (the full import stores a million order lines); it is not part of ``make bench``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import warehouse
from core.importing import ORDER_COLUMNS

#: Products in the catalog the orders are imported into.
PRODUCTS = 20_000
#: Order lines generated per block (about 18 MB of CSV).
BLOCK_LINES = 100_000


def write_orders(path: Path, megabytes: int, fmt: str) -> int:
    """An order file of about ``megabytes`` MB written a block at a time; its line count."""
    target = megabytes * 1_000_000
    rows = 0
    with path.open("wb") as out:
        if fmt == "json":
            out.write(b"[\n")
        block = 0
        while out.tell() < target:
            content = warehouse.orders_csv(
                BLOCK_LINES, PRODUCTS, seed=block + 2, prefix=f"B{block:03d}-"
            )
            if fmt == "csv":
                body = content.split(b"\n", 1)[1]
                if block == 0:
                    out.write(content.split(b"\n", 1)[0] + b"\n")
                out.write(body)
            else:
                out.write(_as_json(content, first=block == 0))
            rows += BLOCK_LINES
            block += 1
        if fmt == "json":
            out.write(b"\n]\n")
    return rows


def _as_json(content: bytes, first: bool) -> bytes:
    import csv
    import io

    reader = csv.DictReader(io.StringIO(content.decode()))
    orders: dict[str, dict[str, object]] = {}
    for row in reader:
        order = orders.setdefault(
            row["order_no"],
            {name: row[name] for name in ORDER_COLUMNS[:13]} | {"lines": []},
        )
        order["lines"].append({"sku": row["sku"], "qty": int(row["qty"])})  # type: ignore[attr-defined]
    text = ",\n".join(json.dumps(order, ensure_ascii=False) for order in orders.values())
    return (b"" if first else b",\n") + text.encode()


def _child(code: str, args: list[str], env: dict[str, str]) -> tuple[int, float, float]:
    """Run ``code`` in a new interpreter; its exit status, peak RSS in MB and seconds.

    The peak is the child's own high-water mark (``VmHWM``) read as it exits: ``ru_maxrss``
    from ``wait4`` would count the pages of this process (which wrote the file) copied at
    the fork."""
    began = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", REPORT_PEAK + code, *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    elapsed = time.perf_counter() - began
    stderr = result.stderr.decode(errors="replace")
    peaks = [line.split()[1] for line in stderr.splitlines() if line.startswith("VMHWM ")]
    if result.returncode not in (0, 1) or not peaks:
        sys.stderr.write(stderr[-2000:])
    peak_mb = int(peaks[-1]) / 1024 if peaks else float("nan")
    return result.returncode, peak_mb, elapsed


REPORT_PEAK = """
import atexit, sys
def _peak():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                sys.stderr.write("VMHWM " + line.split()[1] + "\\n")
atexit.register(_peak)
"""

PARSE_ONLY = """
from pathlib import Path
from core.importing import read_orders
path = Path(sys.argv[1])
for item in read_orders(lambda: path.open("rb"), path.name):
    pass
"""

IMPORT = """
from tui.cli import main
sys.argv = ["wareterm", "--db", sys.argv[1], "import", "orders", sys.argv[2]]
main()
"""


def main(argv: list[str] | None = None) -> int:
    """Generate the file, import it in a child process, print what it measured."""
    parser = argparse.ArgumentParser(prog="python -m bench.import_memory")
    parser.add_argument("--mb", type=int, default=200, help="file size in MB (default 200)")
    parser.add_argument("--format", choices=("csv", "json"), default="csv")
    parser.add_argument("--parse-only", action="store_true", help="only read the file")
    parser.add_argument("--workdir", type=Path, help="keep the files here")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="wareterm-import-memory-"))
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"orders.{args.format}"
    print(f"writing {path} …", file=sys.stderr)
    rows = write_orders(path, args.mb, args.format)
    size_mb = path.stat().st_size / 1_000_000
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    if args.parse_only:
        code, child_args = PARSE_ONLY, [str(path)]
        what = "read (both passes)"
    else:
        db = workdir / "floor.db"
        db.unlink(missing_ok=True)
        print("building the catalog …", file=sys.stderr)
        warehouse.build_catalog(db, warehouse.Sizes(products=PRODUCTS))
        code, child_args = IMPORT, [str(db), str(path)]
        what = "import (read, review, allocate, store)"
    print(f"{what} of {size_mb:.0f} MB …", file=sys.stderr)
    status, peak_mb, seconds = _child(code, child_args, env)
    print(
        json.dumps(
            {
                "file_mb": round(size_mb, 1),
                "format": args.format,
                "order_lines": rows,
                "what": what,
                "exit": status,
                "peak_rss_mb": round(peak_mb, 1),
                "seconds": round(seconds, 1),
            }
        )
    )
    return 0 if status in (0, 1) else 1


if __name__ == "__main__":
    sys.exit(main())
