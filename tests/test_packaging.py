"""The two-command promise: pins agree across requirements.lock, pyproject.toml and environment.yml; make and CI
call what the README says."""

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep, f"requirements.lock line {line!r} is not an exact pin"
            pins[_norm(name)] = version
    return pins


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _direct() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]


def test_lock_pins_every_direct_dependency_within_pyproject_ranges():
    lock = _lock()
    for requirement in _direct():
        name = _norm(requirement.name)
        assert name in lock, f"{name} is in pyproject.toml but not pinned in requirements.lock"
        assert requirement.specifier.contains(lock[name], prereleases=True), (
            f"{name}=={lock[name]} in requirements.lock is outside pyproject's {requirement.specifier}"
        )
    assert lock["torch"] == "2.13.0"


def test_environment_yml_names_the_same_packages_at_the_lock_versions():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    pinned = {_norm(k): v for k, v in (p.split("==") for p in pip_section)}
    direct = {_norm(r.name) for r in _direct()}
    assert set(pinned) == direct
    lock = _lock()
    for name, version in pinned.items():
        assert version == lock[name], f"environment.yml pins {name}=={version}, requirements.lock {lock[name]}"
    assert "python=3.11" in env["dependencies"]


def test_make_targets_and_ci_entry_point():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("setup", "serve", "test", "lab", "bench", "reproduce"):
        assert re.search(rf"^{target}:", makefile, re.M), f"Makefile lacks target {target}"
    for target in ("serve", "test", "lab"):
        assert re.search(rf"^{target}: setup", makefile, re.M), f"`make {target}` must bootstrap through setup"
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci and "apt-get update" in ci and "chromium" in ci and "ngspice" in ci
    readme = (ROOT / "README.md").read_text()
    assert "make serve" in readme and "make test" in readme


def test_console_script_points_at_the_cli():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["workbench"] == "workbench.cli:main"


def test_every_design_citation_names_a_section_of_docs_design_md():
    headings = re.findall(r"^#{2,3} (.+)$", (ROOT / "docs" / "design.md").read_text(), re.M)
    files = [*(ROOT / "workbench").rglob("*.py"), *(ROOT / "notebooks").glob("*.ipynb"),
             *(ROOT / "data" / "presets").rglob("*.yaml"), *(ROOT / "data" / "reference").glob("*.csv")]
    cited = 0
    for path in files:
        text = path.read_text()
        assert "DESIGN.md" not in text, f"{path.relative_to(ROOT)} cites DESIGN.md; the design notes are docs/design.md"
        for section in re.findall(r"docs/design\.md`? § ([^\n]+)", text):
            cited += 1
            assert any(section.startswith(h.split(" (")[0]) for h in headings), \
                f"{path.relative_to(ROOT)} cites docs/design.md § {section[:40]!r}, not a section of it: {headings}"
    assert cited, "no docstring cites docs/design.md"
