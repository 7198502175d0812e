"""The deploy's bootstrap function sends the role's statement to the RDS Data API, retries
while a paused cluster resumes, and fails in one line (botocore's Stubber: no AWS)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from botocore.stub import Stubber

from config.aws_lambda import bootstrap
from core.postgresql.app_role import bootstrap_sql
from core.postgresql.credentials import aws_client

pytestmark = pytest.mark.usefixtures("aws_credentials")

REGION = "eu-west-1"
CLUSTER = f"arn:aws:rds:{REGION}:123456789012:cluster:todo-dev"
SECRET = f"arn:aws:secretsmanager:{REGION}:123456789012:secret:rds!cluster-0a1b2c-XyZ123"
EXPECTED = {
    "resourceArn": CLUSTER,
    "secretArn": SECRET,
    "database": "todo",
    "sql": bootstrap_sql("todo_app", "rds_iam"),
}
OK = {"numberOfRecordsUpdated": 0, "generatedFields": []}


@pytest.fixture
def data_api() -> Iterator[Stubber]:
    with Stubber(aws_client("rds-data", REGION)) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def run(**options: object) -> int:
    arguments: dict[str, object] = {
        "cluster_arn": CLUSTER,
        "secret_arn": SECRET,
        "database": "todo",
        "role": "todo_app",
    }
    return bootstrap.run_bootstrap(**(arguments | options))  # type: ignore[arg-type]


def resuming(stubber: Stubber) -> None:
    stubber.add_client_error(
        "execute_statement",
        service_error_code="DatabaseResumingException",
        service_message="The database is resuming after being auto-paused.",
        http_status_code=400,
        expected_params=EXPECTED,
    )


def test_the_handler_sends_the_bootstrap_statement_with_both_arns(
    data_api: Stubber, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The statement create_app_role runs, for DB_USER in DB_NAME, on the cluster, with
    the secret the Data API reads itself: one call, no parameters."""
    for name, value in {"DB_CLUSTER_ARN": CLUSTER, "DB_SECRET_ARN": SECRET,
                        "DB_NAME": "todo", "DB_USER": "todo_app"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    data_api.add_response("execute_statement", OK, expected_params=EXPECTED)
    assert bootstrap.handler({}, None) == {"role": "todo_app", "attempts": 1}
    assert EXPECTED["sql"].startswith("DO $bootstrap$")


def test_a_resuming_cluster_is_retried_until_it_answers(data_api: Stubber) -> None:
    resuming(data_api)
    resuming(data_api)
    data_api.add_response("execute_statement", OK, expected_params=EXPECTED)
    sleeps = Sleeps()
    assert run(sleep=sleeps, delay=8.0) == 3
    assert sleeps == [8.0, 8.0]


def test_a_cluster_still_resuming_fails_after_the_last_attempt_in_one_line(
    data_api: Stubber, caplog: pytest.LogCaptureFixture
) -> None:
    for _ in range(3):
        resuming(data_api)
    sleeps = Sleeps()
    with caplog.at_level(logging.DEBUG), pytest.raises(bootstrap.BootstrapFailed) as failed:
        run(attempts=3, sleep=sleeps)
    assert str(failed.value) == (
        "bootstrap of role todo_app failed (DatabaseResumingException after 3 attempts); "
        "the function's log has the details."
    )
    assert len(sleeps) == 2, "no wait after the last attempt"
    assert failed.value.__cause__ is None
    assert failed.value.__suppress_context__


def test_another_error_fails_at_once_without_the_sql_or_the_secret_in_message_or_log(
    data_api: Stubber, caplog: pytest.LogCaptureFixture
) -> None:
    """A statement error's message quotes SQL; only its code reaches the deploy output
    and the log."""
    data_api.add_client_error(
        "execute_statement",
        service_error_code="BadRequestException",
        service_message='ERROR: syntax error at or near "CREATE ROLE todo_app LOGIN"',
        http_status_code=400,
        expected_params=EXPECTED,
    )
    sleeps = Sleeps()
    with caplog.at_level(logging.DEBUG), pytest.raises(bootstrap.BootstrapFailed) as failed:
        run(sleep=sleeps)
    message = str(failed.value)
    assert "\n" not in message
    assert "(BadRequestException)" in message
    assert sleeps == []
    logged = caplog.text + " ".join(str(r.__dict__) for r in caplog.records)
    for leak in ("CREATE ROLE", "syntax error", "secret:rds", SECRET, "$bootstrap$"):
        assert leak not in message
        assert leak not in logged
    assert [r.__dict__.get("errorCode") for r in caplog.records if r.levelno >= logging.ERROR] == [
        "BadRequestException"
    ]


@pytest.mark.parametrize("arn", ["", "todo-dev", "arn:aws:rds::123:cluster:x"])
def test_a_cluster_arn_without_a_region_is_refused(arn: str) -> None:
    with pytest.raises(ValueError, match="regional ARN"):
        bootstrap.region_of(arn)
