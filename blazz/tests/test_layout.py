"""DESIGN.md "Layout", checked on the code itself.

grimp reads every import statement of the apps, the ones inside functions included, into a graph
(tests and migrations left out: they may import anything). On it:
- no import cycle between modules;
- no cycle between apps (blazz's wiring modules and blazz.core count as their own nodes);
- the directions the design fixes: blazz.core imports no app, sessions_wa neither chats nor
  webhooks, chats not webhooks, chats.internal not chats' API, the webhook ASGI route no view, settings no dev tooling (blazz.dev);
- only services call the one publisher.
And no source file is over 400 lines.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("blazz", "chats", "nodes", "sessions_wa", "webhooks", "workspaces")
MAX_LINES = 400
KNOWN_APP_EDGES: set[tuple[str, str]] = set()


def _ours(module: str) -> bool:
    return ".tests" not in module and ".migrations" not in module


@cache
def imports() -> dict[str, set[str]]:
    """module -> the modules of ours it imports (anywhere in it)."""
    graph = grimp.build_graph(*APPS, cache_dir=None)
    return {module: {found for found in graph.find_modules_directly_imported_by(module) if _ours(found)}
            for module in graph.modules if _ours(module)}


def _app(module: str) -> str:
    """The node a module counts as between apps: its app, or blazz's own module (blazz.core, blazz.asgi...)."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "blazz" and len(parts) > 1 else parts[0]


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan, iterative)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycle_between_modules():
    assert cycles(imports()) == []


def test_no_import_cycle_between_apps():
    edges: dict[str, set[str]] = {}
    for module, imported in imports().items():
        for other in imported:
            if _app(module) != _app(other) and (module, other) not in KNOWN_APP_EDGES:
                edges.setdefault(_app(module), set()).add(_app(other))

    assert cycles(edges) == []


def test_the_cycle_finder_finds_cycles():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("importer, forbidden", [
    ("blazz.core", ("chats", "nodes", "sessions_wa", "webhooks", "workspaces", "blazz.celery", "blazz.settings")),
    ("sessions_wa", ("chats", "webhooks")),
    ("chats", ("webhooks",)),
    ("workspaces", ("chats", "webhooks", "sessions_wa")),
    ("nodes", ("chats", "webhooks", "sessions_wa")),
    ("chats.internal", ("chats.api",)),
    ("chats.services", ("chats.tasks", "chats.api", "chats.consumers")),
    ("webhooks.inbound.asgi", ("webhooks.inbound.views",)),
    ("blazz.settings", ("blazz.dev",)),
    ("blazz.addresses", ("blazz.dev",)),
])
def test_imports_go_the_way_the_design_says(importer, forbidden):
    wrong = sorted((module, other) for module, imported in imports().items()
                   if module == importer or module.startswith(importer + ".")
                   for other in imported if any(other == f or other.startswith(f + ".") for f in forbidden))

    assert wrong == []


def test_no_source_file_is_over_400_lines():
    long = {str(path.relative_to(ROOT)): lines for app in APPS for path in (ROOT / app).rglob("*.py")
            if "tests" not in path.parts and "migrations" not in path.parts
            and (lines := len(path.read_text().splitlines())) > MAX_LINES}

    assert long == {}


def test_the_graph_sees_imports_inside_functions():
    # chats.services.team imports workspaces.models inside member_ids.
    assert "workspaces.models" in imports()["chats.services.team"]


def test_only_services_publish():
    """The one publisher is called from services only (and defined in blazz/core/publisher.py)."""
    callers = {str(path.relative_to(ROOT)) for app in APPS for path in (ROOT / app).rglob("*.py")
               if "tests" not in path.parts and "publish_on_commit(" in path.read_text()}

    assert {caller for caller in callers if "services" not in Path(caller).parts
            and not caller.endswith("services.py")} == {"blazz/core/publisher.py"}


def test_git_holds_no_installs_builds_data_or_secrets():
    """What make install, a build or a run makes stays out of git, a symlink to it included (a
    worktree's link to another checkout's node_modules once came in with a merge)."""
    import shutil
    import subprocess

    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split("\n")
    kept_out = ("node_modules", ".venv", "venv", ".data", ".env", "dist", "staticfiles", "test-results")
    found = [path for path in tracked if any(part in kept_out for part in Path(path).parts)]
    assert found == []
