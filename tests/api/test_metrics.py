"""Application metrics: each answer that counts writes one CloudWatch embedded metric
format (EMF) line on standard output, in the shape AWS's specification gives."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.test import Client, RequestFactory

from core.http_errors import database_unavailable_response
from core.identity.domain import User
from core.metrics import NAMESPACE_VARIABLE, counted_by, document, emit
from tests.api.test_auth import sign_in
from tests.api.test_idempotent_creates import post

NAMESPACE = "TodoApi/test"


@pytest.fixture
def metrics(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """Turn metrics on; return a function that reads the counts written so far."""
    monkeypatch.setenv(NAMESPACE_VARIABLE, NAMESPACE)
    capsys.readouterr()

    def written() -> list[dict[str, Any]]:
        lines = capsys.readouterr().out.splitlines()
        return [check_emf(json.loads(line)) for line in lines if line.startswith("{")]

    return written


def check_emf(doc: dict[str, Any]) -> dict[str, Any]:
    """Check a document against the EMF specification's rules; return its counts."""
    meta = doc["_aws"]
    assert isinstance(meta["Timestamp"], int)
    assert meta["Timestamp"] > 1_600_000_000_000
    (directive,) = meta["CloudWatchMetrics"]
    assert directive["Namespace"] == NAMESPACE
    assert directive["Dimensions"] == [[]]
    names = [m["Name"] for m in directive["Metrics"]]
    assert all(m["Unit"] == "Count" for m in directive["Metrics"])
    # Every metric named has its value at the top level, as a number.
    assert {n: doc[n] for n in names} == dict.fromkeys(names, 1)
    return {n: doc[n] for n in names}


def test_a_sign_in_counts_once(anonymous: Client, user: User, metrics: Any) -> None:
    assert sign_in(anonymous).status_code == 200
    assert metrics() == [{"SignIns": 1}]


def test_each_sign_in_refused_as_locked_counts_a_lockout(
    anonymous: Client, user: User, metrics: Any
) -> None:
    """The five failures before the lock are 401s, which count nothing."""
    for _ in range(5):
        assert sign_in(anonymous, password="not the password").status_code == 401
    assert metrics() == []
    assert sign_in(anonymous).status_code == 429
    assert sign_in(anonymous).status_code == 429
    assert metrics() == [{"SignInLockouts": 1}, {"SignInLockouts": 1}]


def test_a_replayed_create_counts_a_replay(client: Client, metrics: Any) -> None:
    post(client, '{"title": "Milk"}')
    replayed = post(client, '{"title": "Milk"}')
    assert replayed["Idempotent-Replayed"] == "true"
    assert metrics() == [{"IdempotentReplays": 1}]


def test_a_stale_if_match_counts_a_failed_precondition(client: Client, metrics: Any) -> None:
    created = post(client, '{"title": "Milk"}', key=None)
    stale = client.patch(
        created["Location"],
        '{"title": "Lost update"}',
        content_type="application/json",
        headers={"If-Match": '"not-the-etag"'},
    )
    assert stale.status_code == 412
    assert metrics() == [{"PreconditionFailed": 1}]


def test_a_503_counts_the_database_as_unavailable() -> None:
    request = RequestFactory().get("/api/todos")
    assert counted_by(request, database_unavailable_response()) == ["DatabaseUnavailable"]


def test_without_a_namespace_nothing_is_written(
    anonymous: Client, user: User, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """Local runs and the tests keep standard output free of metric lines."""
    monkeypatch.delenv(NAMESPACE_VARIABLE, raising=False)
    assert sign_in(anonymous).status_code == 200
    assert "_aws" not in capsys.readouterr().out


def test_a_line_is_one_json_document_with_every_metric_it_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(NAMESPACE_VARIABLE, NAMESPACE)
    stream = io.StringIO()
    emit(["SignIns", "IdempotentReplays", "SignIns"], stream)
    (line,) = stream.getvalue().splitlines()
    assert check_emf(json.loads(line)) == {"IdempotentReplays": 1, "SignIns": 1}
    assert document(NAMESPACE, [], now_ms=1)["_aws"]["CloudWatchMetrics"][0]["Metrics"] == []
