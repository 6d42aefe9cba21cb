"""The WebSocket path's persistent connection (workspaces.asgi.keep_socket_thread_connection)."""

import threading

import pytest
from django.db import connections
from django.db.backends.postgresql.base import DatabaseWrapper


@pytest.mark.django_db(transaction=True)
def test_a_process_whose_first_database_use_is_a_socket_can_use_the_database(settings):
    """A web process that had served no HTTP request yet had no pool; Django refuses to make one
    for a connection already made persistent, so the socket got a 500."""
    from workspaces.asgi import keep_socket_thread_connection

    if not settings.DATABASES["default"].get("OPTIONS", {}).get("pool"):
        pytest.skip("DB_POOL=false: no pool to make")
    outcome = {}
    kept = dict(DatabaseWrapper._connection_pools)

    def socket_thread():  # a thread of its own: a connection object of its own, as in daphne
        try:
            keep_socket_thread_connection()
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT 1")
                outcome["row"] = cursor.fetchone()
        except Exception as exc:  # noqa: BLE001  (the assertion shows it)
            outcome["error"] = exc
        finally:
            connections["default"].settings_dict["CONN_MAX_AGE"] = 0
            connections["default"].close()

    DatabaseWrapper._connection_pools.clear()  # as in a new process
    try:
        thread = threading.Thread(target=socket_thread)
        thread.start()
        thread.join(30)
    finally:
        for pool in DatabaseWrapper._connection_pools.values():
            pool.close()
        DatabaseWrapper._connection_pools.clear()
        DatabaseWrapper._connection_pools.update(kept)

    assert outcome == {"row": (1,)}
