"""``wareterm returns receive`` taking an expected exchange as the export says, and ``stock
putaway`` taking good returned units from the returns bin, on a real file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli_returns import Run, Write, _shipped


def test_an_expected_exchange_and_the_returns_bin_put_away(
    wareterm: Run, write_file: Write, db_path: Path
) -> None:
    _shipped(wareterm, write_file, db_path)
    export = (
        "after_sales_no,order_no,return_waybill,type,reason,sku,qty,exchange_sku\n"
        "AS-1,TB-1,YT0000000001,exchange,尺码不合适,SKU-A,1,SKU-B\n"
    )
    imported = wareterm("returns", "import", write_file("as.csv", export))
    assert imported.exit_code == 0, imported.output
    listed = json.loads(wareterm("returns", "expected", "--json").stdout)
    assert [(e["kind"], e["exchange_sku"]) for e in listed] == [("exchange", "SKU-B")]
    args = ["returns", "receive", "--waybill", "YT0000000001", "--sku", "SKU-A", "--json"]
    received = wareterm(*args)
    assert received.exit_code == 0, received.output
    assert json.loads(received.stdout)["replacement"] == "TB-1-HH1"
    # the next unit is no longer expected as an exchange; --kind still says it when given
    plain = wareterm("returns", "receive", "--order", "TB-1", "--sku", "SKU-A", "--json")
    assert "replacement" not in json.loads(plain.stdout)
    # the returns bin holds two cups now; put-away takes them back to their pick face
    proposed = wareterm("stock", "putaway", "SKU-A", "--qty", "2", "--json")
    assert proposed.exit_code == 0, proposed.output
    assert (json.loads(proposed.stdout)["from"], json.loads(proposed.stdout)["proposed"]) == (
        "RET-01",
        "A-01",
    )
    put = wareterm("stock", "putaway", "SKU-A", "--qty", "2", "--to", "A-01", "--from", "RET-01")
    assert put.exit_code == 0 and "RET-01" in put.stdout, put.output
    wrong = wareterm("stock", "putaway", "SKU-B", "--qty", "1", "--to", "A-09", "--from", "A-02")
    assert wrong.exit_code == 1 and "A-02" in wrong.stderr and "Traceback" not in wrong.output
    assert wareterm("stock", "check").exit_code == 0
