"""The GitHub Actions workflow builds with build.py and deploys dist/ with the
official Pages actions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "pages.yml"


def load() -> dict[str, Any]:
    data = yaml.safe_load(WORKFLOW.read_text())
    assert isinstance(data, dict)
    return data


def uses(steps: list[dict[str, Any]]) -> list[str]:
    return [str(s["uses"]).split("@")[0] for s in steps if "uses" in s]


def test_workflow_builds_and_deploys_pages() -> None:
    data = load()
    # PyYAML reads the bare key `on` as True
    triggers = data["on"] if "on" in data else data[True]  # type: ignore[index]
    assert "main" in triggers["push"]["branches"]
    assert data["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    build_steps = data["jobs"]["build"]["steps"]
    assert uses(build_steps) == [
        "actions/checkout",
        "actions/setup-python",
        "actions/setup-node",
        "actions/configure-pages",
        "actions/upload-pages-artifact",
    ]
    runs = "\n".join(str(s.get("run", "")) for s in build_steps)
    assert "npm ci" in runs
    assert "pip install -e ." in runs
    assert "python build.py --out dist" in runs
    upload = next(
        s for s in build_steps if str(s.get("uses", "")).startswith("actions/upload-pages")
    )
    assert upload["with"]["path"] == "dist"
    python = next(
        s for s in build_steps if str(s.get("uses", "")).startswith("actions/setup-python")
    )
    assert python["with"]["python-version"] == "3.11"


def test_deploy_job_uses_the_pages_environment() -> None:
    deploy = load()["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert uses(deploy["steps"]) == ["actions/deploy-pages"]
