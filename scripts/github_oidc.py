"""Trade a GitHub Actions OIDC token for the deploy role's credentials, for `make deploy`.

In a job with `permissions: id-token: write`, GitHub's runner sets
ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN. This script asks that
URL for a token meant for STS, calls AssumeRoleWithWebIdentity (which needs no AWS
credentials), and writes the temporary credentials to a shared-credentials file of its
own (mode 0600) under a profile; the job then points AWS_SHARED_CREDENTIALS_FILE and
AWS_PROFILE at it. No key is stored anywhere, and nothing is printed but the role's ARN.

    uv run python scripts/github_oidc.py --role-arn arn:aws:iam::123456789012:role/x \\
        --region eu-west-1 --credentials-file "$RUNNER_TEMP/aws-credentials"
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import sys
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

AUDIENCE = "sts.amazonaws.com"
PROFILE = "deploy"
# Long enough for a deploy that waits out a 10 % canary; the role allows at most an hour.
SESSION_SECONDS = 3600


class NoToken(RuntimeError):
    """The job cannot get an OIDC token (no `id-token: write`, or GitHub refused)."""


def request_token(environ: dict[str, str], *, timeout: float = 10) -> str:
    """Ask the runner's token service for an OIDC token whose audience is STS.

    :raises NoToken: when the job has no token service, or it answers without a token.
    """
    url, bearer = (
        environ.get("ACTIONS_ID_TOKEN_REQUEST_URL"),
        environ.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
    )
    if not url or not bearer:
        raise NoToken("no OIDC token service: the job needs `permissions: id-token: write`")
    separator = "&" if urllib.parse.urlparse(url).query else "?"
    address = f"{url}{separator}audience={urllib.parse.quote(AUDIENCE)}"
    if not address.startswith(("https://", "http://127.0.0.1")):
        raise NoToken("the token service must be reached over HTTPS")
    request = urllib.request.Request(address, headers={"Authorization": f"Bearer {bearer}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        token = json.load(response).get("value")
    if not token:
        raise NoToken("the token service answered without a token")
    return str(token)


def assume_role(sts: Any, *, role_arn: str, token: str, session: str) -> dict[str, str]:
    """Call AssumeRoleWithWebIdentity; return the credentials as a profile's keys."""
    answer = sts.assume_role_with_web_identity(
        RoleArn=role_arn,
        RoleSessionName=session,
        WebIdentityToken=token,
        DurationSeconds=SESSION_SECONDS,
    )
    credentials = answer["Credentials"]
    return {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }


def write_profile(path: Path, keys: dict[str, str], region: str) -> None:
    """Write one profile to a new credentials file only its owner may read."""
    config = configparser.ConfigParser()
    config[PROFILE] = {**keys, "region": region}
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        config.write(file)


def session_name(environ: dict[str, str]) -> str:
    """Name the session after the run, so CloudTrail shows which run deployed."""
    run = environ.get("GITHUB_RUN_ID", "local")
    return f"github-{run}"[:64]


def main(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> int:
    """Fetch the token, assume the role, write the profile; 1 with a message on failure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--role-arn", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--credentials-file", type=Path, required=True)
    args = parser.parse_args(argv)
    environ = dict(os.environ) if environ is None else environ
    import boto3  # the deploy's tooling; not part of the function

    sts = boto3.client("sts", region_name=args.region)
    try:
        token = request_token(environ)
    except NoToken as error:
        print(f"github_oidc: {error}", file=sys.stderr)
        return 1
    keys = assume_role(sts, role_arn=args.role_arn, token=token, session=session_name(environ))
    write_profile(args.credentials_file, keys, args.region)
    print(f"github_oidc: credentials of {args.role_arn} in profile {PROFILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
