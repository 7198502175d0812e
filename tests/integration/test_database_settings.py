"""Which database the environment names, who connects, over what TLS, and how patiently."""

import ssl
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ImproperlyConfigured

from core.database import RDS_CA_BUNDLE
from core.postgresql.ca_bundle import regional_bundle
from core.postgresql.credentials import IamAuthConnection
from tests.integration.databases import settings_from

CLUSTER = "todo.cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com"
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:todo-master-AbCdEf"
ON_LAMBDA = {"DB_HOST": CLUSTER, "DB_NAME": "todo", "AWS_REGION": "eu-west-1"}
# API Gateway ends a request after 29 s; the function must have answered by then.
API_GATEWAY_LIMIT = 29


def test_the_function_connects_as_the_app_role_with_an_iam_token_and_no_password() -> None:
    config = settings_from(**ON_LAMBDA)
    assert config["ENGINE"] == "core.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == (CLUSTER, "5432", "todo")
    assert config["USER"] == "todo_app"
    assert config["PASSWORD"] == ""
    assert config["POLICY"].iam_region == "eu-west-1"
    assert config["CONN_MAX_AGE"] == 0
    assert "pool" not in config["OPTIONS"]


def test_the_function_verifies_the_certificate_and_name_against_rds_authorities() -> None:
    options = settings_from(**ON_LAMBDA)["OPTIONS"]
    assert options["sslmode"] == "verify-full"
    # Those of the bundle that a cluster in the function's region can chain to.
    assert options["sslrootcert"] == regional_bundle(str(RDS_CA_BUNDLE), "eu-west-1")
    assert options["sslrootcert"] != str(RDS_CA_BUNDLE)
    kept = ssl.create_default_context(cafile=options["sslrootcert"]).get_ca_certs()
    every = ssl.create_default_context(cafile=str(RDS_CA_BUNDLE)).get_ca_certs()
    assert 0 < len(kept) < len(every)
    assert all(ca in every for ca in kept)


def test_through_the_tunnel_the_chain_is_verified_but_not_the_name() -> None:
    options = settings_from(DB_SECRET_ARN=SECRET_ARN, DB_HOST="127.0.0.1")["OPTIONS"]
    assert options["sslmode"] == "verify-ca"
    assert options["sslrootcert"] == str(RDS_CA_BUNDLE)


def test_db_sslmode_overrides_the_tls_mode() -> None:
    assert settings_from(**ON_LAMBDA, DB_SSLMODE="require")["OPTIONS"]["sslmode"] == "require"


def test_db_sslrootcert_names_other_authorities_and_the_name_is_still_verified() -> None:
    options = settings_from(**ON_LAMBDA, DB_SSLROOTCERT="/etc/todo/rds-and-test-ca.pem")["OPTIONS"]
    assert options["sslrootcert"] == "/etc/todo/rds-and-test-ca.pem"
    assert options["sslmode"] == "verify-full"


def test_the_secret_wins_over_a_local_database_url_and_acts_as_the_app_role() -> None:
    config = settings_from(
        DB_SECRET_ARN=SECRET_ARN,
        DB_HOST="127.0.0.1",
        DATABASE_URL="postgres://todo:todo@127.0.0.1:5432/todo",
    )
    policy = config["POLICY"]
    assert policy.secret_arn == SECRET_ARN
    assert config["HOST"] == "127.0.0.1"
    assert policy.session_role == "todo_app"
    assert (config["USER"], config["PASSWORD"]) == ("", "")  # read from the secret
    assert policy.iam_region is None


def test_a_database_url_wins_over_db_host() -> None:
    config = settings_from(**ON_LAMBDA, DATABASE_URL="postgres://todo:todo@db.local:5432/todo")
    assert config["ENGINE"] == "core.postgresql"
    assert config["HOST"] == "db.local"
    assert config["POLICY"].iam_region is None
    assert "sslmode" not in config["OPTIONS"]


def test_without_any_database_settings_the_app_uses_sqlite() -> None:
    config = settings_from()
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/srv/app/db.sqlite3"


def test_on_lambda_every_connect_attempt_ends_before_api_gateway_gives_up() -> None:
    config = settings_from(**ON_LAMBDA)
    timeout, retries = config["OPTIONS"]["connect_timeout"], config["POLICY"].connect_retries
    assert retries == 1
    assert timeout >= 12  # long enough to see a resuming cluster through (about 15 s)
    assert timeout * (1 + retries) <= API_GATEWAY_LIMIT - 4


def test_locally_an_unreachable_database_is_reported_sooner() -> None:
    config = settings_from(DATABASE_URL="postgres://todo:todo@127.0.0.1:5432/todo")
    assert config["OPTIONS"]["connect_timeout"] == 5
    assert config["POLICY"].connect_retries == 1


def test_pool_mode_keeps_a_small_pool_that_waits_no_longer_than_the_connect_budget() -> None:
    config = settings_from(**ON_LAMBDA, DB_CONNECTION_MODE="pool")
    pool = config["OPTIONS"]["pool"]
    assert (pool["min_size"], pool["max_size"]) == (0, 2)
    assert pool["timeout"] == 24
    assert issubclass(pool["connection_class"], IamAuthConnection)
    assert pool["connection_class"].region == "eu-west-1"
    assert config["CONN_MAX_AGE"] == 0  # Django's pool requires it
    assert "reset" not in pool  # it would return connections from a background thread
    # Idle pooled connections are closed by the server, so that Aurora can pause; one
    # that has been idle a while is checked before use, well before the server's limit.
    assert config["OPTIONS"]["options"].endswith("-c idle_session_timeout=60000")
    assert config["POLICY"].pool_check_idle_after == 10


def test_a_short_idle_timeout_brings_the_check_forward() -> None:
    config = settings_from(**ON_LAMBDA, DB_CONNECTION_MODE="pool", DB_POOL_IDLE_TIMEOUT="4")
    assert config["POLICY"].pool_check_idle_after == 2


def test_on_lambda_the_default_mode_is_the_pool_and_elsewhere_a_connection_per_request() -> None:
    assert "pool" in settings_from(**ON_LAMBDA, AWS_LAMBDA_FUNCTION_NAME="todo-api")["OPTIONS"]
    assert "pool" not in settings_from(**ON_LAMBDA)["OPTIONS"]
    local = settings_from(DATABASE_URL="postgres://todo:todo@127.0.0.1:5432/todo")
    assert "pool" not in local["OPTIONS"]


def test_in_request_mode_the_server_sets_no_idle_timeout() -> None:
    assert "idle_session_timeout" not in settings_from(**ON_LAMBDA)["OPTIONS"]["options"]


def test_an_unknown_connection_mode_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="DB_CONNECTION_MODE"):
        settings_from(**ON_LAMBDA, DB_CONNECTION_MODE="persistent")


def test_the_rds_ca_bundle_loads_and_holds_roots_valid_for_decades() -> None:
    context = ssl.create_default_context(cafile=str(RDS_CA_BUNDLE))
    authorities = context.get_ca_certs()
    assert len(authorities) >= 100
    names = {dict(part[0] for part in ca["subject"])["commonName"]: ca for ca in authorities}
    # The authorities RDS signs server certificates with today (rds-ca-rsa2048-g1 is the
    # default), for the region this project deploys to by default.
    for key in ("RSA2048", "RSA4096", "ECC384"):
        root = names[f"Amazon RDS eu-west-1 Root CA {key} G1"]
        expires = datetime.strptime(root["notAfter"], "%b %d %H:%M:%S %Y %Z").replace(tzinfo=UTC)
        assert expires.year >= 2061
