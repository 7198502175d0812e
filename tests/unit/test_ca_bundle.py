"""The authorities a function trusts: the bundle's, cut down to the cluster's region."""

from __future__ import annotations

import os
import ssl
import stat
import tempfile
from pathlib import Path

import pytest

from core.database import RDS_CA_BUNDLE
from core.postgresql.ca_bundle import REGION_NAME, regional_authorities, regional_bundle


def common_names(cafile: str) -> set[str]:
    """Return the common names of the authorities a TLS context loads from `cafile`."""
    authorities = ssl.create_default_context(cafile=cafile).get_ca_certs()
    return {dict(part[0] for part in ca["subject"])["commonName"] for ca in authorities}


def test_a_function_trusts_its_regions_authorities_and_those_of_no_region_only() -> None:
    kept = common_names(regional_bundle(str(RDS_CA_BUNDLE), "eu-west-1"))
    every = common_names(str(RDS_CA_BUNDLE))
    assert kept < every
    roots = {f"Amazon RDS eu-west-1 Root CA {key} G1" for key in ("RSA2048", "RSA4096", "ECC384")}
    assert roots <= kept
    # The 2019 authorities: the region's, and the root above every region's.
    assert {"Amazon RDS eu-west-1 2019 CA", "Amazon RDS Root 2019 CA"} <= kept
    assert not any(" us-east-1 " in name or " eu-west-2 " in name for name in kept)
    assert len(kept) < len(every) / 5


def blocks(pem: bytes) -> list[str]:
    """Return the PEM certificates in `pem`."""
    end = "-----END CERTIFICATE-----"
    return [part.strip() + "\n" + end for part in pem.decode().split(end) if "BEGIN" in part]


def test_an_authority_appended_to_the_bundle_is_kept(tmp_path: Path) -> None:
    # Any authority that names no RDS region stays, as a test server's would. Here: a
    # second copy of one of RDS's that names none (a root above regional authorities).
    pem = RDS_CA_BUNDLE.read_bytes()
    no_region = next(
        block for block in blocks(pem) if not REGION_NAME.search(ssl.PEM_cert_to_DER_cert(block))
    )
    regional = regional_authorities(pem, "eu-west-1")
    appended = regional_authorities(pem + b"\n" + no_region.encode() + b"\n", "eu-west-1")
    assert regional is not None
    assert appended is not None
    assert len(blocks(appended)) == len(blocks(regional)) + 1


def test_a_region_the_bundle_does_not_name_gets_the_whole_bundle() -> None:
    assert regional_authorities(RDS_CA_BUNDLE.read_bytes(), "xx-nowhere-1") is None
    assert regional_bundle(str(RDS_CA_BUNDLE), "xx-nowhere-1") == str(RDS_CA_BUNDLE)


def test_a_missing_bundle_is_left_for_libpq_to_report() -> None:
    assert regional_bundle("/nonexistent/rds.pem", "eu-west-1") == "/nonexistent/rds.pem"


def test_the_regional_bundle_is_private_to_the_process() -> None:
    path = regional_bundle(str(RDS_CA_BUNDLE), "eu-west-1")
    assert path != str(RDS_CA_BUNDLE)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_without_a_writable_temporary_directory_the_whole_bundle_is_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(**kwargs: object) -> tuple[int, str]:
        raise PermissionError("read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    assert regional_bundle(str(RDS_CA_BUNDLE), "us-east-2") == str(RDS_CA_BUNDLE)
