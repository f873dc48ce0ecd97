"""CLI commands: the SSH server (``serve``) and users' SSH keys (``users add-key|keys|remove-key``)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sys
from pathlib import Path

import click

from core.errors import Rejected, WaretermError
from core.i18n import N_, _
from tui.cli_output import PlainLogFormatter, cell, echo, listing


def _read_key_file(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise WaretermError(
            _("cannot read {path}: {error}").format(path=path, error=error.strerror)
        ) from None


def _log_to_stderr() -> None:
    """One line per event on stderr; asyncssh only says something when it is wrong."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(PlainLogFormatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    for name, level in (
        ("wareterm.serve", logging.INFO),
        ("wareterm.print", logging.INFO),
        ("wareterm.scan_writer", logging.INFO),
        ("asyncssh", logging.WARNING),
    ):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(level)
        logger.propagate = False


def register(main: click.Group) -> None:
    """Add this module's commands to the ``wareterm`` group."""
    from tui.cli import Context, _emit_json, _rejections, pass_context

    @main.command(
        "serve",
        help=N_(
            "Serve the floor terminal over SSH: operators log in with their PIN as password or\nwith a registered key; each session runs its own terminal. Stops on SIGTERM or Ctrl-C."
        ),
    )
    @click.option(
        "--host",
        default="0.0.0.0",
        show_default=True,
        help=N_("Address to listen on (0.0.0.0: every IPv4 interface; :: for IPv6)."),
    )
    @click.option(
        "--port",
        type=click.IntRange(0, 65535),
        default=2222,
        show_default=True,
        help=N_("TCP port (0: any free port, printed at start)."),
    )
    @click.option(
        "--host-key",
        type=click.Path(path_type=Path, dir_okay=False),
        help=N_(
            "Host key file, made on first start [default: ssh_host_ed25519_key next to the "
            "database]."
        ),
    )
    @click.option(
        "--max-sessions",
        type=click.IntRange(min=1),
        default=100,
        show_default=True,
        help=N_("Terminals running at once."),
    )
    @click.option(
        "--reserved-sessions",
        type=click.IntRange(min=0),
        help=N_(
            "Terminals only supervisors and admins may use [default: a tenth of --max-sessions]."
        ),
    )
    @click.option(
        "--print/--no-print",
        "printing",
        default=True,
        show_default=True,
        help=N_("Run a print worker for every station with a printer."),
    )
    @click.option(
        "--waybill-worker/--no-waybill-worker",
        "waybill_worker",
        default=True,
        show_default=True,
        help=N_(
            "Keep trying orders waiting for their API waybill number and numbers to cancel "
            "at the carrier (as carriers worker does)."
        ),
    )
    @click.option(
        "--waybill-interval",
        default=10.0,
        show_default=True,
        type=click.FloatRange(0.2, 3600),
        help=N_("Seconds between the waybill worker's passes."),
    )
    @click.option(
        "--push-port",
        type=click.IntRange(0, 65535),
        help=N_(
            "Take 快递鸟's tracking pushes over HTTP on this port (0: any free port, printed "
            "at start) [default: off]."
        ),
    )
    @click.option(
        "--push-host",
        default="127.0.0.1",
        show_default=True,
        help=N_("Address the tracking push receiver listens on."),
    )
    @pass_context
    def serve_command(
        ctx: Context,
        host: str,
        port: int,
        host_key: Path | None,
        max_sessions: int,
        reserved_sessions: int | None,
        printing: bool,
        waybill_worker: bool,
        waybill_interval: float,
        push_port: int | None,
        push_host: str,
    ) -> None:
        from tui import serve_workers
        from tui.serve import ServeConfig, serve

        if reserved_sessions is not None and reserved_sessions >= max_sessions:
            raise click.BadParameter(
                _("must be less than --max-sessions, or no picker or packer gets a terminal"),
                param_hint="--reserved-sessions",
            )
        _log_to_stderr()
        config = ServeConfig(
            db=Path(ctx.db).resolve(),
            host=host,
            port=port,
            host_key=host_key.resolve() if host_key else None,
            max_sessions=max_sessions,
            reserved_sessions=reserved_sessions,
        )

        def ready(bound_host: str, bound_port: int, key_fingerprint: str) -> None:
            # The scan writer starts once the server listens (a refused start starts none);
            # until its socket is there, terminals store their own scans.
            writer.start()
            echo(
                _("wareterm serve: listening on {host}:{port}, host key {fp} ({path})").format(
                    host=bound_host, port=bound_port, fp=key_fingerprint, path=config.host_key_path
                )
            )
            sys.stdout.flush()

        with _rejections():
            # The database must exist (`init` makes it) and is upgraded and checked whole
            # before anyone logs in: a damaged file is refused here, not on the Orders screen.
            ctx.store.migrate()
            ctx.store.quick_check()
            push = (push_host, push_port) if push_port is not None else None
            try:
                workers = serve_workers.start_all(
                    config.db,
                    waybill_interval if waybill_worker else None,
                    push,
                    lambda address: echo(
                        _("taking 快递鸟 tracking pushes on http://{address}/").format(
                            address=address
                        )
                    ),
                )
            except OSError as error:
                raise Rejected(
                    _("cannot take tracking pushes on {host}:{port}: {error}").format(
                        host=push_host, port=push_port, error=error
                    )
                ) from None
            service = None
            writer = serve_workers.ScanWriterProcess(config.db)
            config = dataclasses.replace(config, scan_writer=writer.socket)
            try:
                if printing:
                    from devices.outbox import PrintService

                    service = PrintService(config.db, on_event=_log_print_event)
                    service.start()
                asyncio.run(serve(config, ready))
            finally:
                if service is not None:
                    service.stop()
                writer.stop()
                serve_workers.stop_all(workers)

    @main.command(
        "scan-writer",
        hidden=True,
        help=N_("Store the terminals' pick scans in group commits (serve runs it)."),
    )
    @click.option(
        "--socket",
        "socket_path",
        required=True,
        type=click.Path(path_type=Path),
        help=N_("The Unix socket the terminals send their scans to."),
    )
    @click.option("--parent", type=int, help=N_("Stop when the process with this id is gone."))
    @pass_context
    def scan_writer_command(ctx: Context, socket_path: Path, parent: int | None) -> None:
        import signal

        from data.scan_writer import ScanWriter

        _log_to_stderr()
        with _rejections():
            writer = ScanWriter(ctx.store, socket_path, parent=parent)
            for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                signal.signal(signum, lambda *_: writer.stop())
            writer.run()

    users_group = main.commands["users"]
    assert isinstance(users_group, click.Group)

    @users_group.command(
        "add-key",
        help=N_("Let a user log in over SSH with the OpenSSH public key in KEYFILE (- for stdin)."),
    )
    @click.argument("name")
    @click.argument("keyfile")
    @click.option(
        "--station",
        help=N_('Sessions with this key work at this station (a handheld\'s key); "" unbinds.'),
    )
    @click.option("--json", "as_json", is_flag=True)
    @pass_context
    def users_add_key(
        ctx: Context, name: str, keyfile: str, station: str | None, as_json: bool
    ) -> None:
        from data import keys

        with _rejections():
            key = keys.add_key(ctx.store, ctx.actor, name, _read_key_file(keyfile), station)
        if as_json:
            _emit_json(key)
            return
        echo(
            _("key {fp} ({algorithm} {comment}) for {user}{where}").format(
                fp=key["fingerprint"],
                algorithm=key["algorithm"],
                comment=key["comment"] or "-",
                user=key["user"],
                where=_(" at station {station}").format(station=key["station"])
                if key["station"]
                else "",
            )
        )
        if key["also_for"]:
            echo(
                _(
                    "note: the same key also logs in as {users}; whoever holds it can log in as "
                    "each of them"
                ).format(users=", ".join(key["also_for"])),
                err=True,
            )

    @users_group.command("keys", help=N_("SSH keys of one user or of everyone."))
    @click.argument("name", required=False)
    @click.option("--json", "as_json", is_flag=True)
    @pass_context
    def users_keys(ctx: Context, name: str | None, as_json: bool) -> None:
        from data import keys

        rows = keys.list_keys(ctx.store, name)
        listing(
            rows,
            [
                "user",
                "fingerprint",
                "algorithm",
                "comment",
                "station",
                "created_at",
                "last_used_at",
            ],
            as_json,
        )

    @users_group.command(
        "remove-key",
        help=N_("Stop a user logging in with a key (FINGERPRINT as `users keys` shows it)."),
    )
    @click.argument("name")
    @click.argument("fingerprint")
    @pass_context
    def users_remove_key(ctx: Context, name: str, fingerprint: str) -> None:
        from data import keys

        with _rejections():
            keys.remove_key(ctx.store, ctx.actor, name, fingerprint)
        echo(
            _("key {fp} of {user} removed").format(
                fp=keys.normalise_fingerprint(fingerprint), user=name.strip().lower()
            )
        )


def _log_print_event(event: object) -> None:
    """The print workers' news goes to the server's log."""
    import logging

    kind = getattr(event, "kind", "")
    level = logging.WARNING if kind in ("failed", "uncertain", "error", "busy") else logging.INFO
    logging.getLogger("wareterm.print").log(level, cell(str(getattr(event, "message", ""))))
