"""A private PostgreSQL cluster for the benchmarks, started and stopped by them.

It plays Aurora as far as one machine can: it listens on a free port of 127.0.0.1 with
TLS, under a certificate this module issues from an authority of its own for
`127.0.0.1` and `localhost`. The app reaches it as the function does (`DB_HOST`, an IAM
token signed with fake credentials, `sslmode=verify-full` against the RDS bundle with
that authority appended); `pg_hba.conf` trusts the token as Aurora trusts a valid one.
Plain TCP is allowed too, for the `DATABASE_URL` path and the benchmarks' own sessions.

Its log is CSV (`log_destination = csvlog`), so what reached the server is read by
column (database, application name, message), whatever `log_line_prefix` says; every
connection is logged, with its TLS protocol. Nothing here depends on the machine's own
PostgreSQL server, which only lends its binaries (PG_BIN, `initdb` on PATH, or the
newest /usr/lib/postgresql/*/bin).
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from core.database import RDS_CA_BUNDLE

ROOT = Path(__file__).resolve().parent.parent
# PostgreSQL's csvlog columns (version 15), by name.
LOG_COLUMNS = (
    "log_time",
    "user_name",
    "database_name",
    "process_id",
    "connection_from",
    "session_id",
    "session_line_num",
    "command_tag",
    "session_start_time",
    "virtual_transaction_id",
    "transaction_id",
    "error_severity",
    "sql_state_code",
    "message",
    "detail",
    "hint",
    "internal_query",
    "internal_query_pos",
    "context",
    "query",
    "query_pos",
    "location",
    "application_name",
    "backend_type",
    "leader_pid",
    "query_id",
)
SERVER_SETTINGS = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{folder}'
ssl = on
ssl_cert_file = '{folder}/tls/server.crt'
ssl_key_file = '{folder}/tls/server.key'
logging_collector = on
log_destination = 'csvlog'
log_directory = 'log'
log_filename = 'server.log'
log_file_mode = 0640
log_connections = on
"""
HBA = """
local     all all              trust
# The benchmarks' own sessions and the DATABASE_URL path.
hostnossl all all 127.0.0.1/32 trust
# The deployed path: TLS, and the IAM token taken as Aurora takes a valid one.
hostssl   all all 127.0.0.1/32 trust
"""
SERVER_CERTIFICATE = """
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
"""


@dataclass(frozen=True)
class Cluster:
    """A running private cluster."""

    folder: Path
    port: int
    # The RDS certificate authorities plus this cluster's: what the app verifies against.
    ca_bundle: Path

    @property
    def authority(self) -> Path:
        """Return the certificate of the authority that signed the server's."""
        return self.folder / "tls" / "ca.pem"

    def url(self, database: str = "postgres", user: str = "postgres", **params: str) -> str:
        """Return a URL of one of its databases, over plain TCP unless `params` say else."""
        query = "&".join(f"{k}={v}" for k, v in {"sslmode": "disable", **params}.items())
        return f"postgres://{user}@127.0.0.1:{self.port}/{database}?{query}"

    def version(self) -> str:
        """Return the server's version string."""
        with psycopg.connect(self.url()) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "unknown"

    @property
    def log(self) -> ServerLog:
        """Return the server's CSV log."""
        return ServerLog(self)


class ServerLog:
    """The cluster's CSV log, read by column from a given point on."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.path = cluster.folder / "data" / "log" / "server.csv"

    def end(self, timeout: float = 10.0) -> int:
        """Return where the lines logged from now on start: just past a marker logged now.

        The server writes its log in a process of its own, a little after the event, so
        the file's size alone could leave lines about what came before still to come,
        which would then count as later ones. The marker, logged after everything before
        it, is waited for.

        :raises SystemExit: when the marker does not show up within `timeout` seconds.
        """
        start = self.path.stat().st_size if self.path.exists() else 0
        marker = self._mark()
        # The marker's own row has it as the whole message column; the statement that
        # raised it, logged too while statements are, has it inside its text.
        field = f',"{marker}",'.encode()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.path.open("rb") as log:
                log.seek(start)
                text = log.read()
            found = text.find(field)
            row_end = text.find(b"\n", found) if found >= 0 else -1
            if row_end >= 0:
                return start + row_end + 1
            time.sleep(0.02)
        raise SystemExit(f"The server log ({self.path}) never showed its marker: cannot read it.")

    def _mark(self) -> str:
        """Log a marker of its own at the server; return it."""
        marker = f"benchmark marker {uuid.uuid4()}"
        with psycopg.connect(self.cluster.url(), autocommit=True) as conn:
            conn.execute(f"DO $$ BEGIN RAISE LOG '{marker}'; END $$")
        return marker

    def since(self, start: int, timeout: float = 10.0) -> list[dict[str, str]]:
        """Return the rows written since `start`, up to a marker written now.

        The server writes its log in a process of its own, a little after the event; the
        marker, logged after everything before it, says when the rows are all there.

        :raises SystemExit: when the marker does not show up within `timeout` seconds.
        """
        marker = self._mark()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.path.open(encoding="utf-8", errors="replace", newline="") as log:
                log.seek(start)
                text = log.read()
            rows: list[dict[str, str]] = []
            for fields in csv.reader(io.StringIO(text)):
                row = dict(zip(LOG_COLUMNS, fields, strict=False))
                if row.get("message") == marker:
                    return rows
                rows.append(row)
            time.sleep(0.02)
        raise SystemExit(f"The server log ({self.path}) never showed its marker: cannot read it.")


def statements(rows: list[dict[str, str]], application: str) -> list[str]:
    """Return the statements an application sent, as `log_statement = all` logs them,
    each on one line (white space collapsed), so a report's table can quote them."""
    return [
        " ".join(row["message"].split())
        for row in rows
        if row.get("application_name") == application
        and row.get("message", "").startswith(("statement: ", "execute "))
    ]


def tls_connections(rows: list[dict[str, str]], application: str) -> int:
    """Count the application's connections that the server authorized over TLS."""
    return sum(
        1
        for row in rows
        if row.get("message", "").startswith("connection authorized:")
        and f"application_name={application} " in row["message"]
        and "SSL enabled" in row["message"]
    )


def postgresql_binaries() -> Path:
    """Return the folder of initdb and pg_ctl.

    :raises SystemExit: when none is found.
    """
    candidates = [os.environ.get("PG_BIN", ""), str(Path(shutil.which("initdb") or "").parent)]
    candidates += sorted(
        (str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
        reverse=True,
    )
    for candidate in filter(None, candidates):
        if (Path(candidate) / "initdb").is_file() and (Path(candidate) / "pg_ctl").is_file():
            return Path(candidate)
    raise SystemExit("No PostgreSQL server binaries (initdb, pg_ctl): set PG_BIN.")


def free_port() -> int:
    """Return a TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def server_account() -> dict[str, Any]:
    """Return how to run the server's commands: as root, as an unprivileged account,
    because PostgreSQL refuses to run as root; otherwise as this user."""
    if os.geteuid() != 0:
        return {}
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            account = pwd.getpwnam(name)
            return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    raise SystemExit("Running as root, and no postgres or nobody account to run PostgreSQL as.")


def issue_certificates(tls: Path) -> None:
    """Write an authority (ca.pem) and a server certificate for 127.0.0.1 and localhost."""
    tls.mkdir()

    binary = shutil.which("openssl")
    if not binary:
        raise SystemExit("openssl is needed to issue the benchmark cluster's certificates.")

    def openssl(*args: str) -> None:
        subprocess.run([binary, *args], cwd=tls, check=True, capture_output=True)

    openssl(
        *("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
        *("-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=todo benchmark CA"),
        *("-addext", "basicConstraints=critical,CA:TRUE"),
        *("-addext", "keyUsage=critical,keyCertSign,cRLSign"),
    )
    openssl(
        *("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key"),
        *("-out", "server.csr", "-subj", "/CN=localhost"),
    )
    (tls / "server.ext").write_text(SERVER_CERTIFICATE)
    openssl(
        *("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key"),
        *("-CAcreateserial", "-days", "2", "-extfile", "server.ext", "-out", "server.crt"),
    )


def _exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def running() -> Iterator[Cluster]:
    """Start a private cluster in build/; stop and delete it when the block ends, however."""
    binaries, account = postgresql_binaries(), server_account()
    (ROOT / "build").mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="bench-pg-", dir=ROOT / "build"))
    data, port = folder / "data", free_port()

    def server(*command: str) -> None:
        subprocess.run(
            [str(binaries / command[0]), *command[1:]],
            check=True,
            capture_output=True,
            env={"PATH": os.environ.get("PATH", ""), "LC_ALL": "C"},
            **account,
        )

    # A SIGTERM (a CI timeout, a kill) ends the run through the `finally` below.
    previous = signal.signal(signal.SIGTERM, _exit)
    started = False
    try:
        issue_certificates(folder / "tls")
        ca_bundle = folder / "tls" / "rds-and-benchmark-ca.pem"
        ca_bundle.write_text(RDS_CA_BUNDLE.read_text() + (folder / "tls" / "ca.pem").read_text())
        if account:
            for path in (folder, *folder.rglob("*")):
                os.chown(path, account["user"], account["group"])
        (folder / "tls" / "server.key").chmod(0o600)
        server(
            "initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "--no-locale", "-E", "UTF8"
        )
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(SERVER_SETTINGS.format(port=port, folder=folder))
        (data / "pg_hba.conf").write_text(HBA)
        server("pg_ctl", "-D", str(data), "-l", str(folder / "startup.log"), "-w", "start")
        started = True
        yield Cluster(folder=folder, port=port, ca_bundle=ca_bundle)
    finally:
        try:
            if started:
                server("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
        finally:
            signal.signal(signal.SIGTERM, previous)
            shutil.rmtree(folder, ignore_errors=True)
