"""The team inbox's chat list with CHATS chats (default 5,000) in one workspace: for each view
(all, open, mine, unassigned, a member's, a label, a session), the first page as GET /api/v1/chats/
answers it (the Django test client on the workspace host, as the owner: selectors, serializers,
the cursor; no network), the median of ROUNDS requests after a warm-up, and the query plan of the
page's SQL: which indexes it reads, and whether any node sorts (a sort would mean reading the whole
filtered set before the first row).

Chats: a quarter resolved, a tenth snoozed or pending, two thirds assigned over MEMBERS agents, one
in eight labelled, all through one number. Prints one JSON line.
"""

from __future__ import annotations

import os
import re
import time

from _lib import bench_database, django_setup, emit, log, median, rounded

CHATS = int(os.environ.get("CHATS", "5000"))
ROUNDS = int(os.environ.get("ROUNDS", "15"))
MEMBERS = 4


def seed(workspace):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from chats.models import Label
    from sessions_wa.models import SessionStatus, WhatsAppSession
    from workspaces.models import Membership

    User = get_user_model()
    agents = []
    for n in range(MEMBERS):
        user = User.objects.create_user(username=f"agent{n}@bench", email=f"agent{n}@bench", password="x")
        Membership.objects.create(user=user, workspace=workspace, role="agent")
        agents.append(user.pk)
    with schema_context(workspace.schema_name):
        session = WhatsAppSession.objects.create(id=f"{workspace.schema_name}.bench", engine="sandbox",
                                                 status=SessionStatus.CONNECTED, phone="+628000000001")
        label = Label.objects.create(name="vip")
        start = int(timezone.now().timestamp()) - CHATS * 60
        with connection.cursor() as cursor:
            # One statement each: contacts, their last messages, the link, the labels.
            cursor.execute("""
                INSERT INTO chats_contact (wa_id, phone, name, push_name, avatar_url, custom_fields, tags,
                    unread_count, online, created_at, updated_at, status, session_id, assignee_id)
                SELECT '6281' || lpad(n::text, 8, '0') || '@c.us', '+6281' || lpad(n::text, 8, '0'), '',
                    'Customer ' || n, '', '{}', '[]', n %% 3, false, now(), now(),
                    CASE WHEN n %% 4 = 0 THEN 'resolved' WHEN n %% 10 = 1 THEN 'snoozed'
                         WHEN n %% 10 = 3 THEN 'pending' ELSE 'open' END,
                    %s, CASE WHEN n %% 3 = 0 THEN NULL ELSE (%s::int[])[1 + (n / 3) %% %s] END
                FROM generate_series(1, %s) AS n""", [session.pk, agents, MEMBERS, CHATS])
            cursor.execute("""
                INSERT INTO chats_message (contact_id, session_id, direction, type, body, caption, status,
                    failure_reason, reply_to_wa_id, edits, revoked, origin, send_attempts, timestamp, created_at,
                    updated_at, wa_message_id, history)
                SELECT c.id, %s, 'in', 'text', 'hello from ' || c.push_name, '', 'delivered', '', '', '[]', false,
                    'customer', 0, to_timestamp(%s + c.id * 60), now(), now(), 'bench-' || c.id, false
                FROM chats_contact c""", [session.pk, start])
            cursor.execute("""
                UPDATE chats_contact c SET last_message_id = m.id, last_message_at = m.timestamp
                FROM chats_message m WHERE m.contact_id = c.id""")
            cursor.execute("""
                INSERT INTO chats_contact_labels (contact_id, label_id)
                SELECT id, %s FROM chats_contact WHERE id %% 8 = 1""", [label.pk])
            cursor.execute("UPDATE chats_contact SET snoozed_until = now() + interval '1 day' "
                           "WHERE status = 'snoozed'")
            cursor.execute("ANALYZE")
    return agents, label.pk, session.pk


def plan_of(schema: str, path: str, owner) -> dict:
    """EXPLAIN of the list query the view runs for `path` (the first page: 50 rows + 1)."""
    from django.db import connection
    from django.test import RequestFactory
    from django_tenants.utils import schema_context

    from chats import selectors
    from chats.api.team import chat_filters

    request = RequestFactory().get(path)
    request.user = owner
    with schema_context(schema):
        from rest_framework.request import Request

        filters = chat_filters(Request(request))
        queryset = selectors.chat_list(filters=filters)[:51]
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
    return {"indexes": sorted(set(re.findall(r"Index (?:Only )?Scan (?:Backward )?using (\w+)", plan))),
            "sort": bool(re.search(r"\bSort\b", plan)), "seq_scan_contacts": "Seq Scan on chats_contact" in plan,
            "plan_ms": float(re.search(r"Execution Time: ([\d.]+)", plan).group(1))}


def main():
    with bench_database("team_chat_list") as url:
        django_setup(url)
        from django.db import connection
        from django.test import Client

        from workspaces import services

        connection.set_schema_to_public()
        owner = services.user_get_or_create(email="owner@team.bench", password="bench-owner-password-1")
        workspace = services.workspace_create(slug="teambench", name="Team bench", owner=owner)
        started = time.monotonic()
        agents, label_id, session_id = seed(workspace)
        log(f"{CHATS} chats seeded in {time.monotonic() - started:.1f}s")
        from django.conf import settings

        settings.ALLOWED_HOSTS = ["*"]
        client = Client(HTTP_HOST=workspace.host)
        client.force_login(owner)
        from workspaces.middleware import SESSION_WORKSPACE_KEY

        session = client.session
        session[SESSION_WORKSPACE_KEY] = workspace.schema_name
        session.save()
        views = {
            "all": "/api/v1/chats/", "open": "/api/v1/chats/?status=open",
            "unassigned_open": "/api/v1/chats/?assignee=none&status=open",
            "member_open": f"/api/v1/chats/?assignee={agents[0]}&status=open",
            "member_all": f"/api/v1/chats/?assignee={agents[0]}",
            "resolved": "/api/v1/chats/?status=resolved",
            "label_open": f"/api/v1/chats/?label={label_id}&status=open",
            "session_open": f"/api/v1/chats/?session_id={session_id}&status=open",
        }
        results = {}
        for name, path in views.items():
            assert client.get(path).status_code == 200
            times = []
            for _ in range(ROUNDS):
                t0 = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200 and len(response.json()["results"]) == 50, path
            connection.set_schema_to_public()
            results[name] = {"first_page_ms": rounded(median(times), 2),
                             **plan_of(workspace.schema_name, path, owner)}
            log(name, results[name])
        counts_times = []
        for _ in range(ROUNDS):
            t0 = time.perf_counter()
            assert client.get("/api/v1/chats/counts/?status=open").status_code == 200
            counts_times.append((time.perf_counter() - t0) * 1000)
        emit({"bench": "team_chat_list", "chats": CHATS, "page_size": 50, "views": results,
              "counts_ms": rounded(median(counts_times), 2),
              "no_sort_anywhere": not any(v["sort"] for v in results.values())})


if __name__ == "__main__":
    main()
