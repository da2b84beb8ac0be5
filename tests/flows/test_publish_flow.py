"""The ``publish`` Prefect flow: a real flow run writing a validated release, and its deployment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from extract.errors import PublishError
from warehouse.publish import verify_checksums

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_the_publish_flow_writes_a_validated_release_and_refuses_to_overwrite_it(
    labelled_db: Path, tmp_path: Path
) -> None:
    from flows.publish import publish

    takedown = tmp_path / "takedown.txt"
    takedown.write_text("# nothing taken down yet\n", encoding="utf-8")
    out = tmp_path / "release"
    summary = publish(str(out), "2026.1.0", str(labelled_db), "excerpt", takedown_file=str(takedown))
    assert summary["validated"] is True and summary["text_policy"] == "excerpt"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert summary["tables"] == {name: entry["rows"] for name, entry in manifest["tables"].items()}
    assert manifest["release"] == "2026.1.0" and manifest["code_version"].startswith("0.1.0")
    assert verify_checksums(out) == []
    with pytest.raises(PublishError, match="already holds release 2026.1.0"):
        publish(str(out), "2026.2.0", str(labelled_db), takedown_file=str(takedown))
    missing = tmp_path / "elsewhere" / "takedown.txt"
    with pytest.raises(PublishError, match="takedown list not found"):
        publish(str(tmp_path / "other"), "2026.2.0", str(labelled_db), takedown_file=str(missing))
    assert not (tmp_path / "other").exists()


def test_the_publish_deployment_runs_the_flow_unscheduled_and_every_run_names_its_version() -> None:
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    deployment = next(d for d in config["deployments"] if d["name"] == "publish")
    assert deployment["entrypoint"] == "flows/publish.py:publish"
    assert not deployment.get("schedules")
    # No default version or directory: a run that does not say which release it is cannot start.
    assert not {"out_dir", "version"} & set(deployment["parameters"])
