"""The frontend's copy of the vocabulary (frontend/src/generated/contract.js) is what
`manage.py export_contract` writes from the Python catalogue and contract today, and the SPA
reads its names from it rather than spelling them."""

from pathlib import Path

from django.core.management import call_command

from chats.management.commands.export_contract import TARGET, render

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_frontend_contract_is_fresh():
    assert TARGET.read_text() == render(), "stale: run `python manage.py export_contract` and commit the file"


def test_the_command_checks_without_writing(capsys):
    call_command("export_contract", "--check")  # raises SystemExit(1) when stale


def test_the_spa_takes_its_vocabulary_from_the_generated_file():
    events_js = (ROOT / "frontend/src/realtime/events.js").read_text()
    status_js = (ROOT / "frontend/src/lib/status.js").read_text()

    assert "from '../generated/contract.js'" in events_js and "'message.new'" not in events_js
    assert "import { STATUS_RANK } from '../generated/contract.js'" in status_js and "pending: 0" not in status_js
