"""The village and district centroids the portal ships (`regions/data/*_centroids.csv.gz`, MIT, see the README
there): 83,246 of 83,762 villages and 7,284 of 7,285 districts, so that a fresh install has coordinates for
maps and planning without importing any geometry."""

import csv
import gzip
from decimal import Decimal
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
FILES = {"village": DATA / "indonesia_villages_centroids.csv.gz",
         "district": DATA / "indonesia_districts_centroids.csv.gz"}


def centroids(level: str, prefix: str = "") -> dict[str, tuple[Decimal, Decimal]]:
    """{code: (latitude, longitude)} of one level ("village" or "district"), for codes starting with `prefix`."""
    with gzip.open(FILES[level], "rt", encoding="utf-8", newline="") as rows:
        return {row["code"]: (Decimal(row["lat"]), Decimal(row["lng"])) for row in csv.DictReader(rows)
                if row["code"].startswith(prefix)}
