"""A database that fails the first connection attempt and takes the second is waited for."""

import socket
import threading
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client

from core.postgresql.policy import ConnectionPolicy
from tests.integration.databases import point_database_at

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
        sink.shutdown(socket.SHUT_WR)
    except OSError:
        pass  # the other side closed first


@pytest.fixture
def hangs_up_once() -> Iterator[list[str]]:
    """A proxy to the test server that hangs up on the first connection, as a database
    that is not ready yet does. Yields the log of what it did with each connection."""
    upstream = (connection.settings_dict["HOST"] or "127.0.0.1", connection.settings_dict["PORT"])
    server = socket.create_server(("127.0.0.1", 0))
    log: list[str] = []

    def serve() -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return  # the test is over
            if not log:
                log.append("hung up")
                client.close()
                continue
            log.append("forwarded")
            database = socket.create_connection((upstream[0], int(upstream[1] or 5432)))
            for ends in ((client, database), (database, client)):
                threading.Thread(target=_pump, args=ends, daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    for _ in point_database_at(server.getsockname()[1]):
        connection.settings_dict["POLICY"] = ConnectionPolicy(connect_retries=1)
        yield log
    server.close()


def test_a_failed_first_connection_attempt_is_retried_and_the_request_succeeds(
    client: Client, hangs_up_once: list[str]
) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert hangs_up_once == ["hung up", "forwarded"]


def test_without_retries_the_same_failure_answers_503(
    client: Client, hangs_up_once: list[str]
) -> None:
    connection.settings_dict["POLICY"] = ConnectionPolicy(connect_retries=0)
    response = client.get("/api/health")
    assert response.status_code == 503
    assert response["Retry-After"]
    assert hangs_up_once == ["hung up"]
