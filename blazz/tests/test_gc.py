"""The web and worker processes leave what they imported out of the garbage collector's full passes."""

import subprocess
import sys

from blazz.dev.realstack import ROOT


def test_the_web_app_freezes_what_it_imported():
    code = "import gc, blazz.asgi; print(gc.get_freeze_count())"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip().splitlines()[-1]) > 50_000  # Django, DRF and the apps


def test_a_worker_process_freezes_what_it_imported():
    code = ("import gc, django; django.setup(); from celery import signals; import blazz.celery; "
            "signals.worker_process_init.send(sender=None); print(gc.get_freeze_count())")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip().splitlines()[-1]) > 50_000
