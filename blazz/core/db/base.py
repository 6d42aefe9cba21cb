"""The database backend: django-tenants' PostgreSQL backend plus two things.

A hook run right before COMMIT. Django offers `transaction.on_commit` (after) but nothing before
a commit. The publisher needs "before": it writes a transaction's events to the event log as the
transaction's last statements, so the log commits with the change (a crash between commit and
publish loses nothing) and the workspace's seq counter row stays locked only for the COMMIT's
round trip (blazz/core/eventlog.py). The hook rides on Django's own on_commit list: a callback
with a `before_commit` method (blazz.core.publisher's batches) has it called here. Django already
drops the callbacks of a rolled-back savepoint from that list, so a batch is written exactly when
its callback would run.

No `SET search_path` for the search path the server already has. django-tenants forgets what it
set on every schema switch, so a thread that goes public -> workspace -> public -> the same
workspace (every bridge event: the webhook's thread, then its schema_context) sends a SET each
time. Here the path last set stays known until something could have undone it (a rollback, a
rollback to a savepoint, a closed connection), and switching back to it sends nothing.
"""

from django.core.exceptions import ValidationError
from django_tenants.postgresql_backend import base


class DatabaseWrapper(base.DatabaseWrapper):
    _path_on_server = None  # the search path the last SET left on this connection, while it holds

    def commit(self):
        hooks = [hook for _savepoints, callback, _robust in list(self.run_on_commit)
                 if (hook := getattr(callback, "before_commit", None)) is not None]
        if hooks:
            # The deferred foreign-key checks run now, before the hooks lock the counter row: at
            # COMMIT they would take row locks after it, and a writer that locked such a row FOR
            # UPDATE and then waits for the counter deadlocks with us.
            with self.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for before_commit in hooks:
            before_commit()
        super().commit()

    def set_tenant(self, tenant, include_public=True):
        on_server = self._path_on_server
        super().set_tenant(tenant, include_public)
        if on_server is not None and on_server == self._wanted_search_path():
            self.search_path_set_schemas = on_server

    def _wanted_search_path(self) -> list[str] | None:
        try:
            return self._get_cursor_search_paths()
        except ValidationError:  # not a schema name: the next cursor raises it, as without us
            return None

    def _handle_search_path(self, cursor=None):
        super()._handle_search_path(cursor)
        if not self._setting_search_path:
            self._path_on_server = self.search_path_set_schemas

    def close(self):
        self._path_on_server = None
        super().close()

    def rollback(self):
        self._path_on_server = None
        super().rollback()

    def savepoint_rollback(self, sid):
        try:
            super().savepoint_rollback(sid)
        finally:
            self._path_on_server = None
