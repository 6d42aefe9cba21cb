"""After the socket tests (this module's name sorts after theirs): every event of the catalogue
reached a real socket and had its frame checked against the catalogue's schema on the way."""

import pytest

from blazz.core import events
from chats.tests import (
    test_integration_contact_frames as contact_frames, test_integration_realtime as realtime,
    test_integration_scheduled_frames as scheduled_frames,
)


def test_every_catalogue_event_was_received_and_checked():
    tests = [name for name in dir(realtime) if name.startswith("test_")]
    if (not all(name in realtime._ran for name in tests) or contact_frames.RAN != {"contacts", "mute", "merge"}
            or scheduled_frames.RAN != {"scheduled"}):
        pytest.skip("runs after test_integration_realtime, _contact_frames and _scheduled_frames, whole")
    assert set(events.EVENT_TYPES) - realtime.RECEIVED_TYPES == set()
