"""Peak memory of ``wareterm import orders`` on a large generated file (200 MB by default).

python -m bench.import_memory                      # 200 MB CSV, full import into a catalog
python -m bench.import_memory --mb 50 --format json
python -m bench.import_memory --parse-only         # only read the file (both passes)

The file is written a block at a time and the import runs as its own process, so the peak
resident set measured (``ru_maxrss`` of that process) is the importer's alone. This takes
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


def _child(argv: list[str], env: dict[str, str]) -> tuple[int, float, float]:
    """Run a process; its exit status, peak RSS in MB and seconds."""
    began = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - began
    if status and process.stderr is not None:
        sys.stderr.write(process.stderr.read().decode(errors="replace")[-2000:])
    return os.waitstatus_to_exitcode(status), usage.ru_maxrss / 1024, elapsed


PARSE_ONLY = """
import sys
from pathlib import Path
from core.importing import read_orders
path = Path(sys.argv[1])
drafts = rejected = 0
for item in read_orders(lambda: path.open("rb"), path.name):
    if type(item).__name__ == "Rejection":
        rejected += 1
    else:
        drafts += 1
print(drafts, rejected)
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
        command = [sys.executable, "-c", PARSE_ONLY, str(path)]
        what = "read (both passes)"
    else:
        db = workdir / "floor.db"
        db.unlink(missing_ok=True)
        print("building the catalog …", file=sys.stderr)
        warehouse.build_catalog(db, warehouse.Sizes(products=PRODUCTS))
        command = [sys.executable, "-m", "tui.cli", "--db", str(db), "import", "orders", str(path)]
        what = "import (read, review, allocate, store)"
    print(f"{what} of {size_mb:.0f} MB …", file=sys.stderr)
    code, peak_mb, seconds = _child(command, env)
    print(
        json.dumps(
            {
                "file_mb": round(size_mb, 1),
                "format": args.format,
                "order_lines": rows,
                "what": what,
                "exit": code,
                "peak_rss_mb": round(peak_mb, 1),
                "seconds": round(seconds, 1),
            }
        )
    )
    return 0 if code in (0, 1) else 1


if __name__ == "__main__":
    sys.exit(main())
