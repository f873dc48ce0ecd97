"""Label commands: an order's label preview, bin/SKU/tote label files, queueing and managing
print jobs from the command line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from PIL import Image

from tests.data.builders import locations_csv, order_rows, orders_csv, product, products_csv
from tests.devices.test_render import decode

Run = Callable[..., Result]
Write = Callable[[str, bytes | str], Path]


def _ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


@pytest.fixture
def warehouse(wareterm: Run, write_file: Write) -> None:
    """Two bins, two products, one Chinese order and a bench with a dummy printer."""
    _ok(wareterm("init"))
    _ok(wareterm("import", "locations", write_file("l.csv", locations_csv([("A-01", 1)]))))
    catalog = [product("SKU-MUG", location="A-01"), product("SKU-TEA", location="B-07")]
    _ok(wareterm("import", "products", write_file("p.csv", products_csv(catalog))))
    orders = orders_csv(order_rows("SO-1", [("SKU-MUG", 1)], customer_name="王芳"))
    _ok(wareterm("import", "orders", write_file("o.csv", orders)))
    _ok(wareterm("stations", "add", "bench-1", "--printer", "dummy://"))


def test_label_preview_writes_a_png_whose_codes_scan(
    wareterm: Run, warehouse: None, tmp_path: Path
) -> None:
    png = tmp_path / "out" / "SO-1.png"
    png.parent.mkdir()
    result = _ok(wareterm("label", "preview", "SO-1", "--png", png, "--waybill", "SF1234567890"))
    assert result.stdout.strip() == str(png)
    image = Image.open(png)
    assert image.width == 576
    codes = decode(image)
    assert codes["Code128"] == "SF1234567890"
    assert "SO-1" in codes["QRCode"]


def test_label_preview_of_an_unknown_order_or_station_exits_1(
    wareterm: Run, warehouse: None, tmp_path: Path
) -> None:
    result = wareterm("label", "preview", "SO-404", "--png", tmp_path / "x.png")
    assert result.exit_code == 1 and "SO-404" in result.stderr
    result = wareterm("label", "preview", "SO-1", "--png", tmp_path / "x.png", "--station", "no")
    assert result.exit_code == 1 and "no station" in result.stderr
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_bin_sku_and_tote_label_files(
    wareterm: Run, warehouse: None, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / "labels"
    _ok(wareterm("labels", "bins", "--out", out, "--format", fmt))
    _ok(wareterm("labels", "skus", "--out", out, "--format", fmt))
    result = _ok(
        wareterm("labels", "totes", "--from", "1", "--to", "3", "--out", out, "--format", fmt)
    )
    assert "3 files written" in result.stdout
    names = sorted(path.name for path in out.iterdir())
    assert len(names) == 2 + 2 + 3
    assert all(name.endswith("." + fmt) for name in names)
    if fmt == "png":
        tote = next(path for path in out.iterdir() if "0002" in path.name)
        assert decode(Image.open(tote))["Code128"] == "T:0002"


def test_labels_need_a_destination_and_sane_ranges(wareterm: Run, warehouse: None) -> None:
    assert wareterm("labels", "bins").exit_code == 2
    assert wareterm("labels", "totes", "--from", "5", "--to", "1", "--out", "x").exit_code == 2


def test_labels_queued_at_a_station_are_jobs_to_list_show_and_cancel(
    wareterm: Run, warehouse: None
) -> None:
    result = _ok(wareterm("labels", "skus", "--station", "bench-1"))
    assert "2 labels queued" in result.stdout
    _ok(wareterm("print", "label", "SO-1", "--station", "bench-1", "--waybill", "YT123"))
    jobs = json.loads(_ok(wareterm("print", "jobs", "--json")).stdout)
    assert [(job["kind"], job["status"]) for job in jobs] == [
        ("code", "queued"),
        ("outbound", "queued"),
    ]
    outbound = jobs[1]["id"]
    shown = json.loads(_ok(wareterm("print", "show", str(outbound), "--json")).stdout)
    assert shown["content"]["waybill_no"] == "YT123"
    assert shown["content"]["recipient"]["name"] == "王芳"
    _ok(wareterm("print", "cancel", str(outbound), "--reason", "wrong printer"))
    cancelled = json.loads(_ok(wareterm("print", "jobs", "--status", "cancelled", "--json")).stdout)
    assert [job["id"] for job in cancelled] == [outbound]
    again = wareterm("print", "cancel", str(outbound), "--reason", "twice")
    assert again.exit_code == 1
    missing = wareterm("print", "show", "999")
    assert missing.exit_code == 1 and "999" in missing.stderr


def test_a_station_chooses_its_e_waybill_layout(wareterm: Run, warehouse: None) -> None:
    shown = json.loads(
        _ok(
            wareterm(
                "stations", "add", "bench-1", "--label", "100x180", "--label-width", "792",
                "--json",
            )
        ).stdout
    )  # fmt: skip
    assert (shown["label_layout"], shown["label_width"]) == ("100x180", 792)
    listed = json.loads(_ok(wareterm("stations", "list", "--json")).stdout)
    assert listed[0]["label_layout"] == "100x180"
    assert "label_layout" in _ok(wareterm("stations", "list")).stdout
    refused = wareterm("stations", "add", "bench-1", "--label", "A4")
    assert refused.exit_code == 2 and "76x130" in refused.output
    kept = json.loads(_ok(wareterm("stations", "add", "bench-1", "--json")).stdout)
    assert kept["label_layout"] == "100x180"
