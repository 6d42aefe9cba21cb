"""The status machine: ticks only forward, failed only by an error or our verdict, out of failed only by a retry, a link or a real tick."""

import pytest

from blazz.core.errors import DomainError
from chats import services
from chats.models import Message
from chats.services.status import Move, status_after
from chats.tests.services.conftest import ack, send, sent_with_wa_id


def test_ack_moves_the_status_forward_and_fills_earlier_ticks(acme):
    sent_with_wa_id(acme)

    message = ack(acme, "wa-1", 3)

    assert message.status == "read"
    assert message.sent_at and message.delivered_at and message.read_at


def test_message_apply_ack_never_moves_status_backwards(acme):
    sent_with_wa_id(acme)
    ack(acme, "wa-1", 3)

    for late in (1, 2, 0, 3, -1):
        assert ack(acme, "wa-1", late).status == "read"


def test_acks_out_of_order_end_at_the_highest(acme):
    sent_with_wa_id(acme)
    for value in (2, 1, 4, 3):
        ack(acme, "wa-1", value)
    assert Message.objects.get(wa_message_id="wa-1").status == "played"


def test_error_ack_fails_a_pending_message_but_not_a_delivered_one(acme):
    sent_with_wa_id(acme, "wa-e")
    assert ack(acme, "wa-e", -1).status == "failed"

    other, _ = send(acme, client_id="c2", body="two")
    services.message_link_wa_id(message_id=other.pk, wa_message_id="wa-f")
    ack(acme, "wa-f", 2)
    assert ack(acme, "wa-f", -1).status == "delivered"


def test_retry_only_from_failed(acme):
    message, _ = send(acme)
    with pytest.raises(DomainError) as error:
        services.message_retry(message=message)
    assert error.value.code == "not_failed"

    services.message_mark_failed(message_id=message.pk, reason="bridge down")
    retried = services.message_retry(message=Message.objects.get(pk=message.pk))

    assert retried.status == "pending" and retried.failure_reason == ""


def test_message_apply_ack_never_moves_failed_back_to_pending(acme):
    """ACK_PENDING after ACK_ERROR (or after our own failure verdict) changes nothing: only an
    explicit retry moves failed -> pending."""
    sent_with_wa_id(acme, "wa-failed")
    failed = ack(acme, "wa-failed", -1)
    assert failed.status == "failed"

    again = ack(acme, "wa-failed", 0)

    assert (again.status, again.failure_reason, again.failed_at) == ("failed", failed.failure_reason, failed.failed_at)


def test_a_real_tick_after_a_failure_moves_the_message_forward(acme):
    """WhatsApp's own later word wins: a message it reports sent was sent."""
    sent_with_wa_id(acme, "wa-f3")
    ack(acme, "wa-f3", -1)

    message = ack(acme, "wa-f3", 2)

    assert (message.status, message.failure_reason, message.failed_at) == ("delivered", "", None)
    assert message.sent_at and message.delivered_at


# --- the rule itself, every status by every move ---------------------------------------------------


@pytest.mark.parametrize("current, how, ack, expected", [
    *[("pending", Move.ACK, value, status) for value, status in ((-1, "failed"), (0, None), (1, "sent"), (2, "delivered"),
                                                                 (3, "read"), (4, "played"), (9, None))],
    ("sent", Move.ACK, -1, "failed"), ("delivered", Move.ACK, -1, None), ("read", Move.ACK, 2, None),
    ("played", Move.ACK, 3, None), ("read", Move.ACK, 4, "played"),
    ("failed", Move.ACK, 0, None), ("failed", Move.ACK, -1, None), ("failed", Move.ACK, 1, "sent"),
    ("failed", Move.ACK, 3, "read"),
    ("pending", Move.SEND_FAILED, None, "failed"), ("sent", Move.SEND_FAILED, None, None),
    ("failed", Move.SEND_FAILED, None, None),
    ("failed", Move.RETRY, None, "pending"), ("pending", Move.RETRY, None, None), ("sent", Move.RETRY, None, None),
    ("failed", Move.LINKED, None, "pending"), ("pending", Move.LINKED, None, None), ("read", Move.LINKED, None, None),
    ("delivered", Move.READ, None, "read"), ("read", Move.READ, None, None), ("played", Move.READ, None, None),
    ("failed", Move.READ, None, None),
])
def test_status_after_is_the_whole_machine(current, how, ack, expected):
    assert status_after(current, how, ack=ack) == expected


def test_no_move_goes_backwards_along_the_ticks():
    ticks = ["pending", "sent", "delivered", "read", "played"]
    for current in ticks:
        for how in Move:
            for value in (None, -1, 0, 1, 2, 3, 4):
                new = status_after(current, how, ack=value)
                assert new is None or new == "failed" or ticks.index(new) > ticks.index(current), (current, how, value)
