"""An agent's typing, from one inbox socket to the others viewing the contact and to WhatsApp,
rate-limited: a throttle on repeats and a token bucket per socket and contact, whose trailing
state (a "paused") is never lost, and a cap on this workspace's typing calls to the bridge.

The consumer hands each valid `typing` frame to `TypingRelay.state()`. The relayed frame goes out
through chats.services.agent_typing_relay (THE publisher, from a thread); WhatsApp hears the
latest state through the bridge, one call at a time per socket and contact.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref

from asgiref.sync import sync_to_async

from chats.services import presence
from sessions_wa import bridge

logger = logging.getLogger(__name__)

# The same state again within this long is dropped (the receivers show it already, and the
# catalogue's TYPING_EXPIRES_SECONDS is three times this).
TYPING_THROTTLE_SECONDS = 2.0
# ... and whatever the state, a token bucket: a burst of TYPING_BURST relays (typing, paused on
# send, typing again), then TYPING_RATE per second. A frame that finds the bucket empty waits as
# the trailing state, replaced by any later one, and is relayed when the next token comes: the
# last state (a "paused") is never lost. The SPA sends at most one frame per 2.5 s; this bounds
# what any client can make the server relay and call the bridge for.
TYPING_BURST = 3
TYPING_RATE = 2.0
# Typing calls to the bridge in flight at once per workspace in this daphne process. Each takes
# a thread of the default pool for up to BRIDGE_FAST_TIMEOUT_SECONDS; more wait their turn, and a
# contact's calls are coalesced, so what waits is at most the latest state per socket and contact.
TYPING_BRIDGE_CALLS_PER_WORKSPACE = 4

# event loop -> {schema: semaphore}: asyncio primitives belong to one loop (tests run several).
_bridge_slots: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _bridge_typing_slot(schema: str) -> asyncio.Semaphore:
    per_schema = _bridge_slots.setdefault(asyncio.get_running_loop(), {})
    if schema not in per_schema:
        per_schema[schema] = asyncio.Semaphore(TYPING_BRIDGE_CALLS_PER_WORKSPACE)
    return per_schema[schema]


class ContactTyping:
    """One socket's typing to one contact: the token bucket, the trailing state, and the calls
    to the bridge (one at a time, the latest state next)."""

    def __init__(self, wa_id: str, session_id: str | None, now: float):
        self.wa_id, self.session_id = wa_id, session_id
        self.tokens, self.refilled_at = float(TYPING_BURST), now
        self.relayed: str | None = None  # the last state relayed, and when
        self.relayed_at = 0.0
        self.trailing: str | None = None  # a state waiting for a token
        self.timer: asyncio.Task | None = None
        self.to_whatsapp: str | None = None  # the next state for the bridge
        self.whatsapp_task: asyncio.Task | None = None

    def refill(self, now: float) -> None:
        self.tokens = min(float(TYPING_BURST), self.tokens + (now - self.refilled_at) * TYPING_RATE)
        self.refilled_at = now

    def is_idle(self, now: float) -> bool:
        self.refill(now)
        return self.timer is None and self.whatsapp_task is None and self.tokens >= TYPING_BURST

    def is_repeat(self, state: str, now: float) -> bool:
        return state == self.relayed and now - self.relayed_at < TYPING_THROTTLE_SECONDS


class TypingRelay:
    """One socket's typing relay. `origin`: the socket's channel name (it does not get its own
    frames back); `user`: who is typing, as the frames name them."""

    def __init__(self, *, schema: str, user: dict, origin: str):
        self.schema, self.user, self.origin = schema, user, origin
        self.contacts: dict[int, ContactTyping] = {}

    async def state(self, contact_id: int, state: str, *, wa_id: str, session_id: str | None) -> None:
        """The agent's new typing state for this contact (a state of sessions_wa.contract.TYPING_STATES)."""
        now = time.monotonic()
        typing = self.contacts.get(contact_id)
        if typing is None:
            typing = self.contacts[contact_id] = ContactTyping(wa_id, session_id, now)
        if typing.timer is not None:
            typing.trailing = state  # a state waits for the next token already: this one replaces it
            return
        if typing.is_repeat(state, now):
            return
        typing.refill(now)
        if typing.tokens >= 1:
            await self._relay(contact_id, typing, state, now)
        else:
            typing.trailing = state
            typing.timer = asyncio.create_task(self._relay_trailing(contact_id, typing, (1 - typing.tokens) / TYPING_RATE))

    def forget_idle(self, keep) -> None:
        """Forget the typing state of contacts not in `keep` (no longer followed), once it has
        nothing left to do and its bucket is full again (forgetting it sooner would let
        subscribe/unsubscribe cycles refill it)."""
        now = time.monotonic()
        for contact_id in [c for c, typing in self.contacts.items() if c not in keep and typing.is_idle(now)]:
            del self.contacts[contact_id]

    async def _relay_trailing(self, contact_id: int, typing: ContactTyping, delay: float):
        """The trailing edge: after `delay` (a token is due), relay the latest waiting state.
        Runs on after the socket closed, so a last "paused" still reaches the others."""
        try:
            await asyncio.sleep(delay)
            typing.timer = None
            state, typing.trailing = typing.trailing, None
            now = time.monotonic()
            if state is not None and not typing.is_repeat(state, now):
                typing.refill(now)
                await self._relay(contact_id, typing, state, now)
        except Exception:
            logger.exception("typing relay failed")
        finally:
            if typing.timer is asyncio.current_task():  # not a timer a frame started meanwhile
                typing.timer = None

    async def _relay(self, contact_id: int, typing: ContactTyping, state: str, now: float):
        typing.tokens -= 1
        typing.relayed, typing.relayed_at = state, now
        await sync_to_async(presence.agent_typing_relay, thread_sensitive=False)(
            schema=self.schema, contact_id=contact_id, user=self.user, state=state, origin=self.origin)
        if typing.session_id:
            typing.to_whatsapp = state
            if typing.whatsapp_task is None:
                typing.whatsapp_task = asyncio.create_task(self._to_whatsapp(typing))

    async def _to_whatsapp(self, typing: ContactTyping):
        """Tell the customer, one call at a time per socket and contact, the latest state next;
        at most TYPING_BRIDGE_CALLS_PER_WORKSPACE calls of this workspace at once."""
        try:
            while typing.to_whatsapp is not None:
                async with _bridge_typing_slot(self.schema):
                    state, typing.to_whatsapp = typing.to_whatsapp, None
                    try:
                        await sync_to_async(bridge.chat_typing, thread_sensitive=False)(
                            typing.session_id, typing.wa_id, state)
                    except (bridge.BridgeUnavailable, bridge.BridgeError) as exc:
                        logger.info("typing not relayed to WhatsApp: %s", exc)
        except Exception:
            logger.exception("typing to WhatsApp failed")
        finally:
            typing.whatsapp_task = None
