"""A print error is kept as a code and parameters: a supervisor reading Chinese sees it in
Chinese (with the printer named in Chinese too) though the worker wrote it in English. Real
worker, real refused TCP connection, real compiled catalog."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from core import i18n
from core.notices import NOTICES
from tests.devices.fakes import free_port, url_for, wait_for
from tests.devices.test_outbox import Floor, start_worker  # noqa: F401 (the fixture)
from tests.test_i18n import write_mo

REFUSED = NOTICES["printer.refused"]
WHERE = NOTICES["printer.where.tcp"]


@pytest.fixture
def zh_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "locale"
    write_mo(
        folder / "zh_CN" / "LC_MESSAGES" / "wareterm.mo",
        {
            REFUSED: "{where} 拒绝连接——是否已开机并联网，{port} 是否为其打印端口？",
            WHERE: "打印机 {host}:{port}",
        },
    )
    monkeypatch.setattr(i18n, "LOCALE_DIR", folder)
    yield folder
    i18n.set_language(None)


def test_a_print_error_reads_in_the_readers_language(
    tmp_path: Path,
    start_worker: Callable,  # noqa: F811 (the fixture imported above)
    zh_catalog: Path,
) -> None:
    port = free_port()
    floor = Floor(tmp_path / "w.db", url_for(port))
    (job_id,) = floor.queue_codes("T:0001")
    worker, _events = start_worker(floor.db)
    wait_for(lambda: floor.status(job_id) == "failed")
    assert worker.stop()
    english = floor.job(job_id).last_error or ""
    assert english.startswith(f"printer at 127.0.0.1:{port} refused the connection")
    i18n.set_language("zh_CN")
    assert floor.job(job_id).last_error == (
        f"打印机 127.0.0.1:{port} 拒绝连接——是否已开机并联网，{port} 是否为其打印端口？"
    )
    i18n.set_language("en")
    assert floor.job(job_id).last_error == english
    row = floor.store.query("SELECT last_error, error_code FROM print_jobs WHERE id = ?", (job_id,))
    assert row[0]["last_error"] == english
    assert row[0]["error_code"] == "printer.refused"
