"""The certificate authorities a function trusts: its bundle, cut down to its own region.

libpq reads its `sslrootcert` file anew for every connection it opens, and parsing AWS's
global bundle, the authorities of every region (115 of them), costs each new connection
5 to 6 ms of its TLS setup. A cluster's certificate chains to an authority of the
cluster's own region, which is the region the function signs its IAM tokens for. So the
function trusts, of the bundle it is given:

- the authorities that name its region ("Amazon RDS eu-west-1 Root CA RSA2048 G1", the
  regional "Amazon RDS eu-west-1 2019 CA");
- those that name no region (the "Amazon RDS Root 2019 CA" above the regional 2019
  ones, an authority appended to the bundle for a test server);

and none that names another region: never more than the whole bundle, often a tenth of
it. These go into a private temporary file (mode 0600), written once while the settings
load; a bundle that names the region nowhere is used whole, as given.
"""

from __future__ import annotations

import atexit
import base64
import binascii
import contextlib
import os
import re
import tempfile
from pathlib import Path

BEGIN, END = b"-----BEGIN CERTIFICATE-----", b"-----END CERTIFICATE-----"
# An RDS authority's name, in a certificate's subject or issuer, as its DER encoding holds
# it (plain ASCII): "Amazon RDS eu-west-1 ...", "Amazon RDS Beta us-east-1 ...".
REGION_NAME = re.compile(rb"Amazon RDS (?:Beta |Preview )?([a-z]{2}(?:-[a-z]+)+-\d+) ")


def regional_authorities(pem: bytes, region: str) -> bytes | None:
    """Return the certificates of `pem` that name `region` or no region at all, or None
    when none names `region` (or a certificate does not decode)."""
    kept: list[bytes] = []
    found = False
    # Split, not a regular expression across the whole file: three times as fast.
    for chunk in pem.split(END):
        start = chunk.find(BEGIN)
        if start < 0:
            continue
        try:  # the base64 between the markers; line breaks are skipped
            der = base64.b64decode(chunk[start + len(BEGIN) :])
        except binascii.Error:
            return None
        named = {name.decode() for name in REGION_NAME.findall(der)}
        if named - {region}:
            continue
        found = found or region in named
        kept.append(chunk[start:] + END)
    return b"\n".join(kept) + b"\n" if found else None


_written: dict[tuple[str, str], str] = {}


def regional_bundle(path: str, region: str) -> str:
    """Return a file holding the authorities of the bundle at `path` a cluster in
    `region` can chain to: a temporary file of this process's, written once, or `path`
    itself when no certificate in it names the region."""
    written = _written.get((path, region))
    if written is not None and os.path.exists(written):
        return written
    try:
        pem = Path(path).read_bytes()
    except OSError:
        return path  # libpq reports the missing file, on the first connection
    kept = regional_authorities(pem, region)
    if kept is None:
        return path
    try:
        descriptor, name = tempfile.mkstemp(prefix="rds-ca-", suffix=".pem")
        with os.fdopen(descriptor, "wb") as file:
            file.write(kept)
    except OSError:  # no writable temporary directory: the whole bundle, as given
        return path
    atexit.register(_remove, name)
    _written[path, region] = name
    return name


def _remove(name: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(name)
