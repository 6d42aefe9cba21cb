"""Time to create a workspace: its schema, the tenant migrations run into it (django-tenants'
`migrate_schemas` for that schema, called by `Workspace.save`), its domain and its owner, i.e.
`workspaces.services.workspace_create`, the work behind signup and `manage.py create_workspace`.
Also what each existing workspace adds to a `migrate_schemas` with nothing to apply (the pass every
`make run` start makes): the command run in this process over all the new workspaces, divided by
their count (in-process, so Django's start-up is not in it), and the whole `manage.py
migrate_schemas` command as `make run` runs it, start-up included.

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


def migrate_schemas_cli_seconds(database_url: str) -> float:
    """Wall time of `manage.py migrate_schemas` as `make run` runs it (public and every workspace,
    nothing to apply), Django's start-up included."""
    started = time.monotonic()
    subprocess.run([PYTHON, str(ROOT / "manage.py"), "migrate_schemas", "--executor", "standard", "-v", "0"],
                   env={**os.environ, "DATABASE_URL": database_url, "DEBUG": "false"}, cwd=ROOT, check=True,
                   stdout=sys.stderr)
    return time.monotonic() - started


def migrate_schemas_noop_seconds(**options) -> float:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate_schemas", tenant=True, executor="standard", interactive=False, verbosity=0, **options)
    return time.perf_counter() - started


def main() -> None:
    server_urls()
    with bench_database("migrate") as url:
        django_setup(url)
        from django.db import connection

        from workspaces import services

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
        migrate_schemas_noop_seconds(schema_name="ws_mig0")  # loads what the full pass reuses
        noop_s = migrate_schemas_noop_seconds()
        connection.set_schema_to_public()
        connection.close()
        cli_s = migrate_schemas_cli_seconds(url)
    steady = create_ms[1:] or create_ms
    emit({
        "bench": "migrate_per_workspace",
        "workspace_create_median_ms": rounded(median(steady)),
        "workspace_create_max_ms": rounded(max(steady)),
        "workspace_create_first_ms": rounded(create_ms[0]),
        "tables_per_schema": tables,
        "migrate_schemas_noop_per_workspace_ms": rounded(noop_s * 1000 / WORKSPACES),
        f"manage_py_migrate_schemas_noop_{WORKSPACES}_workspaces_s": rounded(cli_s, 2),
        "samples": len(steady),
        "workspace_create_p90_ms": rounded(percentile(steady, 90)),
    })


if __name__ == "__main__":
    main()
