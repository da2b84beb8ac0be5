"""``croissant.json``: the release described in MLCommons Croissant 1.1 (JSON-LD), with its RAI fields.

One record set per table; single-file tables are ``cr:FileObject`` distributions with their
sha256, the partitioned posts a ``cr:FileSet`` over their Parquet files. The context is written
inline, so nothing has to be fetched to read or validate the file.
"""

from __future__ import annotations

from typing import Any

from warehouse.card import citation, datasheet
from warehouse.publish import ReleaseFacts
from warehouse.release_tables import RELEASE_TABLES, ReleaseTable

CONFORMS_TO = "http://mlcommons.org/croissant/1.1"
PARQUET = "application/x-parquet"

# The Croissant 1.1 JSON-LD context as mlcroissant writes it, less its language maps on name and
# description: slant writes those as plain strings, in English (@language).
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "arrayShape": "cr:arrayShape",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "containedIn": "cr:containedIn",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isArray": "cr:isArray",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

_SCALAR_TYPES = {
    "VARCHAR": "sc:Text",
    "BOOLEAN": "sc:Boolean",
    "INTEGER": "sc:Integer",
    "BIGINT": "sc:Integer",
    "SMALLINT": "sc:Integer",
    "DOUBLE": "sc:Float",
    "FLOAT": "sc:Float",
    "DATE": "sc:Date",
    "TIMESTAMP": "sc:DateTime",
    "TIMESTAMP WITH TIME ZONE": "sc:DateTime",
}

_LICENSES = {
    "cc-by-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "cc-by-sa-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "cc-by-nc-4.0": "https://creativecommons.org/licenses/by-nc/4.0/",
    "cc0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "odc-by": "https://opendatacommons.org/licenses/by/1-0/",
}


def license_url(license_id: str) -> str:
    """The URL of a license given by its Hugging Face id, or the id itself when unknown."""
    return _LICENSES.get(license_id.lower(), license_id)


def _data_type(duck_type: str) -> tuple[str, bool]:
    """Croissant data type and whether the column is a list."""
    if duck_type.endswith("[]"):
        return _SCALAR_TYPES.get(duck_type[:-2], "sc:Text"), True
    return _SCALAR_TYPES.get(duck_type, "sc:Text"), False


def _distribution_id(spec: ReleaseTable) -> str:
    return f"{spec.name}-files" if spec.partition_by else f"{spec.name}-file"


def _distribution(facts: ReleaseFacts) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for spec in RELEASE_TABLES:
        table = facts.table(spec.name)
        if spec.partition_by:
            out.append(
                {
                    "@type": "cr:FileSet",
                    "@id": _distribution_id(spec),
                    "name": _distribution_id(spec),
                    "description": f"{spec.name} as Parquet files, one per "
                    + " and ".join(spec.partition_by)
                    + f" ({len(table.files)} files)",
                    "encodingFormat": PARQUET,
                    "includes": f"data/{spec.name}/" + "/".join("*" for _ in spec.partition_by) + "/*.parquet",
                }
            )
        else:
            (only,) = table.files
            out.append(
                {
                    "@type": "cr:FileObject",
                    "@id": _distribution_id(spec),
                    "name": _distribution_id(spec),
                    "description": f"{spec.name} as one Parquet file",
                    "contentUrl": only.path,
                    "contentSize": f"{only.bytes} B",
                    "encodingFormat": PARQUET,
                    "sha256": only.sha256,
                }
            )
    return out


def _record_set(facts: ReleaseFacts, spec: ReleaseTable) -> dict[str, Any]:
    types = dict(facts.table(spec.name).types)
    source_kind = "fileSet" if spec.partition_by else "fileObject"
    fields = []
    for column in spec.columns:
        data_type, is_array = _data_type(types[column.name])
        entry: dict[str, Any] = {
            "@type": "cr:Field",
            "@id": f"{spec.name}/{column.name}",
            "name": column.name,
            "description": column.description,
            "dataType": data_type,
            "source": {source_kind: {"@id": _distribution_id(spec)}, "extract": {"column": column.name}},
        }
        if is_array:
            entry["isArray"] = True
            entry["arrayShape"] = "-1"
        fields.append(entry)
    key = [{"@id": f"{spec.name}/{k}"} for k in spec.key]
    return {
        "@type": "cr:RecordSet",
        "@id": spec.name,
        "name": spec.name,
        "description": spec.description,
        "key": key[0] if len(key) == 1 else key,
        "field": fields,
    }


def croissant(facts: ReleaseFacts) -> dict[str, Any]:
    """The Croissant JSON-LD document of a release."""
    options = facts.options
    sheet = datasheet(facts)
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "name": options.name,
        "description": (
            "Political blog posts with machine labels for loaded language (by voice: the blogger's own words "
            f"or quoted words) and stance toward named targets. Release {options.version}, text policy "
            f"{options.text_policy}. " + sheet.composition
        ),
        "conformsTo": CONFORMS_TO,
        "citeAs": citation(facts),
        "creator": {"@type": "sc:Organization", "name": "The slant project", "url": options.homepage},
        "datePublished": (facts.data_as_of or facts.last_day or "")[:10],
        "license": license_url(options.license),
        "url": options.homepage,
        "version": options.version,
        "keywords": ["media bias", "loaded language", "stance detection", "political blogs"],
        "inLanguage": list(facts.languages),
        "isLiveDataset": False,
        "rai:dataCollection": sheet.collection,
        "rai:dataCollectionType": ["Web Scraping"],
        "rai:dataAnnotationProtocol": [sheet.labelling],
        "rai:machineAnnotationTools": [m.model_version for m in facts.models],
        "rai:dataBiases": [sheet.biases],
        "rai:dataLimitations": [sheet.limitations],
        "rai:dataUseCases": [sheet.uses],
        "rai:personalSensitiveInformation": [sheet.personal_information],
        "rai:dataReleaseMaintenancePlan": sheet.maintenance,
        "distribution": _distribution(facts),
        "recordSet": [_record_set(facts, spec) for spec in RELEASE_TABLES],
    }
