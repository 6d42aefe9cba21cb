"""The worker's broker connection, on the suite's real Redis: closing a channel that still holds a
delivered, unacked task after its connection was torn down (what Celery's consumer does when Redis
goes away) must be an ignored connection error, not an AttributeError that ends the consumer."""

from django.conf import settings
from kombu import Connection, Exchange, Producer, Queue

import blazz.celery  # noqa: F401 - the worker's setup


def test_closing_a_channel_with_an_unacked_task_after_the_connection_went_is_ignored():
    queue = Queue("test-broker-close", Exchange("test-broker-close"), routing_key="test-broker-close")
    connection = Connection(settings.CELERY_BROKER_URL)
    channel = connection.default_channel
    queue(channel).declare()
    Producer(channel).publish({"n": 1}, exchange=queue.exchange, routing_key=queue.routing_key,
                              declare=[queue])
    message = channel.basic_get(queue.name, no_ack=False)
    assert message is not None and channel.qos._delivered  # delivered, not acked

    connection._do_close_transport()  # the transport's connection is gone, as after a lost broker
    channel._pool = None
    connection.maybe_close_channel(channel)  # raised AttributeError: 'NoneType' ... 'hostname'

    assert channel.qos._delivered.restored
    with Connection(settings.CELERY_BROKER_URL) as again:
        queue(again.default_channel).delete()
