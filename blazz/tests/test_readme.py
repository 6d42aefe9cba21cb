"""The README's configuration table names every variable the settings and the Procfile read."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def documented() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return {name for row in table.splitlines() if row.startswith("| `") for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def test_every_variable_the_settings_and_the_procfile_read_is_in_the_readme_table():
    settings = (ROOT / "blazz" / "settings.py").read_text()
    procfile = (ROOT / "Procfile").read_text()
    read = set(re.findall(r"env\.\w+\(\s*\"([A-Z][A-Z0-9_]+)\"", settings)) | set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)", procfile))
    assert len(read) > 30  # the patterns still find them

    assert read - documented() == set()
