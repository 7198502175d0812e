"""What a new TLS connection costs with the whole RDS bundle, and with the region's part.

libpq reads the authorities in `sslrootcert` for every connection it opens. This opens
connections to the private cluster (bench/cluster.py) as the function does (`verify-full`,
the RDS bundle with the cluster's authority appended), in turn with that whole file and
with what core/postgresql/ca_bundle.py keeps of it for the benchmarks' region, and
reports the median of each and the median of the pair-by-pair differences; and what
cutting the bundle costs, once, when the settings load.

    uv run python bench/tls_connect.py [--connections 101]              # prints JSON
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from bench import cluster as clusters
from bench.database import REGION
from core.postgresql.ca_bundle import regional_authorities, regional_bundle


def connect_seconds(port: int, cafile: str) -> float:
    """Return the seconds one TLS connection (verify-full against `cafile`) takes to open."""
    started = time.perf_counter()
    connection = psycopg.connect(
        host="127.0.0.1",
        port=port,
        dbname="postgres",
        user="postgres",
        sslmode="verify-full",
        sslrootcert=cafile,
        connect_timeout=5,
    )
    elapsed = time.perf_counter() - started
    if connection.pgconn.ssl_in_use is not True:
        raise SystemExit("The connection is not over TLS.")
    connection.close()
    return elapsed


def ms(seconds: float) -> float:
    """Return `seconds` in milliseconds, to two decimals."""
    return round(seconds * 1000, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--connections", type=int, default=101)
    args = parser.parse_args()
    with clusters.running() as cluster:
        whole = str(cluster.ca_bundle)
        started = time.perf_counter()
        regional = regional_bundle(whole, REGION)
        first_cut = time.perf_counter() - started
        cuts = []
        for _ in range(21):
            started = time.perf_counter()
            regional_authorities(Path(whole).read_bytes(), REGION)
            cuts.append(time.perf_counter() - started)
        if regional == whole:
            raise SystemExit(f"No authority in {whole} names {REGION}.")
        times: dict[str, list[float]] = {"whole bundle": [], "region only": []}
        for _ in range(args.connections):
            times["whole bundle"].append(connect_seconds(cluster.port, whole))
            times["region only"].append(connect_seconds(cluster.port, regional))
        saved = [a - b for a, b in zip(times["whole bundle"], times["region only"], strict=True)]
        authorities = {
            "whole bundle": Path(whole).read_text().count("BEGIN CERTIFICATE"),
            "region only": Path(regional).read_text().count("BEGIN CERTIFICATE"),
        }
        print(
            json.dumps(
                {
                    "connections": args.connections,
                    "region": REGION,
                    "authorities": authorities,
                    "median_ms": {k: ms(statistics.median(v)) for k, v in times.items()},
                    "saved_per_connection_ms": ms(statistics.median(saved)),
                    # The first cut writes the file; the others only read and cut.
                    "first_cut_ms": ms(first_cut),
                    "cut_median_ms": ms(statistics.median(cuts)),
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
