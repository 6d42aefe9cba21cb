"""The database backend: django-tenants' PostgreSQL backend plus one hook, run right before COMMIT.

Django offers `transaction.on_commit` (after) but nothing before a commit. The publisher needs
"before": it writes a transaction's events to the event log as the transaction's last statements,
so the log commits with the change (a crash between commit and publish loses nothing) and the
workspace's seq counter row stays locked only for the COMMIT's round trip (blazz/core/eventlog.py).

The hook rides on Django's own on_commit list: a callback with a `before_commit` method
(blazz.core.publisher's batches) has it called here. Django already drops the callbacks of a
rolled-back savepoint from that list, so a batch is written exactly when its callback would run.
"""

from django_tenants.postgresql_backend import base


class DatabaseWrapper(base.DatabaseWrapper):
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
