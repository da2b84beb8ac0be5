"""``datapackage.json``: the release as a Frictionless Data Package, one tabular resource per Parquet file.

Each file is its own resource (Frictionless reads Parquet one file at a time; posts, partitioned
by month, become ``posts-YYYY-MM``), with a Table Schema whose fields carry the column
descriptions, and the primary key. List columns are typed ``any``: Table Schema's ``array`` is
for JSON text, and a Parquet list is not that. No ``hash`` or ``bytes`` either: Frictionless
cannot count a Parquet resource's bytes and would report them as wrong; ``CHECKSUMS.sha256``
and ``croissant.json`` carry the checksums.
"""

from __future__ import annotations

import re
from typing import Any

from warehouse.croissant import license_url
from warehouse.publish import ReleaseFacts, ReleaseFile
from warehouse.release_tables import RELEASE_TABLES, ReleaseTable

PROFILE = "tabular-data-package"
MEDIA_TYPE = "application/vnd.apache.parquet"

_FIELD_TYPES = {
    "VARCHAR": "string",
    "BOOLEAN": "boolean",
    "INTEGER": "integer",
    "BIGINT": "integer",
    "SMALLINT": "integer",
    "DOUBLE": "number",
    "FLOAT": "number",
    "DATE": "date",
    "TIMESTAMP": "datetime",
    "TIMESTAMP WITH TIME ZONE": "datetime",
}
_PARTITION_VALUE = re.compile(r"(\w+)=([^/]+)")


def field_type(duck_type: str) -> str:
    """The Table Schema type of a DuckDB column type."""
    return "any" if duck_type.endswith("[]") else _FIELD_TYPES.get(duck_type, "string")


def _resource_name(spec: ReleaseTable, file: ReleaseFile) -> str:
    if not spec.partition_by:
        return spec.name
    parts = dict(_PARTITION_VALUE.findall(file.path))
    return "-".join([spec.name, *(parts[p].zfill(2) for p in spec.partition_by)])


def _schema(facts: ReleaseFacts, spec: ReleaseTable) -> dict[str, Any]:
    types = dict(facts.table(spec.name).types)
    return {
        "fields": [
            {"name": c.name, "type": field_type(types[c.name]), "description": c.description} for c in spec.columns
        ],
        "primaryKey": list(spec.key),
    }


def datapackage(facts: ReleaseFacts) -> dict[str, Any]:
    """The Data Package descriptor of a release."""
    options = facts.options
    resources = []
    for spec in RELEASE_TABLES:
        schema = _schema(facts, spec)
        for file in facts.table(spec.name).files:
            resources.append(
                {
                    "name": _resource_name(spec, file),
                    "profile": "tabular-data-resource",
                    "type": "table",
                    "path": file.path,
                    "format": "parquet",
                    "mediatype": MEDIA_TYPE,
                    "description": spec.description,
                    "schema": schema,
                }
            )
    return {
        "profile": PROFILE,
        "name": re.sub(r"[^a-z0-9._-]+", "-", options.name.lower()),
        "title": f"{options.name} {options.version}",
        "description": "Political blog posts with machine labels for loaded language and stance; see README.md.",
        "version": options.version,
        "homepage": options.homepage,
        "licenses": [{"name": options.license, "path": license_url(options.license)}],
        "contributors": [{"title": "The slant project", "role": "author", "path": options.homepage}],
        "keywords": ["media bias", "loaded language", "stance detection", "political blogs"],
        "resources": resources,
    }
