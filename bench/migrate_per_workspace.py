"""Time to create a workspace: its schema, the tenant migrations run into it (django-tenants'
`migrate_schemas` for that schema, called by `Workspace.save`), its domain and its owner, i.e.
`workspaces.services.workspace_create`, the work behind signup and `manage.py create_workspace`.
Also what each existing workspace adds to a `manage.py migrate_schemas` with nothing to apply (the
pass every `make run` start makes): a run with 0 workspaces and one with all of them, the
difference divided by the count.

Prints one JSON line. WORKSPACES=N (default 6; the first one pays for loading the migration
modules, so the median is over the rest).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from _lib import (PYTHON, ROOT, bench_database, django_setup, emit, log, median, percentile, rounded,
                  server_urls)

WORKSPACES = int(os.environ.get("WORKSPACES", "6"))


def migrate_schemas_seconds(database_url: str) -> float:
    """Wall time of `manage.py migrate_schemas --tenant` (every workspace schema, nothing to apply)."""
    started = time.monotonic()
    subprocess.run([PYTHON, str(ROOT / "manage.py"), "migrate_schemas", "--tenant", "--executor", "standard",
                    "-v", "0"], env={**os.environ, "DATABASE_URL": database_url, "DEBUG": "false"}, cwd=ROOT,
                   check=True, stdout=sys.stderr)
    return time.monotonic() - started


def main() -> None:
    server_urls()
    with bench_database("migrate") as url:
        django_setup(url)
        from django.db import connection

        from workspaces import services

        noop_empty_s = migrate_schemas_seconds(url)
        owner = services.user_get_or_create(email="owner@migrate.bench", password=None)
        create_ms = []
        for i in range(WORKSPACES):
            connection.set_schema_to_public()
            started = time.perf_counter()
            services.workspace_create(slug=f"mig{i}", name=f"Migrate {i}", owner=owner)
            create_ms.append((time.perf_counter() - started) * 1000)
            log(f"workspace mig{i}: {create_ms[-1]:.0f} ms")
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'ws_mig0'")
            tables = cursor.fetchone()[0]
        connection.close()
        noop_full_s = migrate_schemas_seconds(url)
    steady = create_ms[1:] or create_ms
    emit({
        "bench": "migrate_per_workspace",
        "workspace_create_median_ms": rounded(median(steady)),
        "workspace_create_max_ms": rounded(max(steady)),
        "workspace_create_first_ms": rounded(create_ms[0]),
        "tables_per_schema": tables,
        "migrate_schemas_noop_per_workspace_ms": rounded((noop_full_s - noop_empty_s) * 1000 / WORKSPACES),
        "migrate_schemas_noop_0_workspaces_s": rounded(noop_empty_s, 2),
        f"migrate_schemas_noop_{WORKSPACES}_workspaces_s": rounded(noop_full_s, 2),
        "samples": len(steady),
        "workspace_create_p90_ms": rounded(percentile(steady, 90)),
    })


if __name__ == "__main__":
    main()
