"""An agent socket's open chats, for "Budi is viewing" (chats/viewers.py keeps who views what):
a chat is open from the socket's `subscribe` until its `unsubscribe` or the socket's end. Each
change publishes the chat's viewers (chat.viewers) to the sockets viewing it. A Redis failure is
logged and costs the avatars, never the socket."""

from __future__ import annotations

import logging

from asgiref.sync import sync_to_async

from chats import viewers
from chats.services import presence

logger = logging.getLogger(__name__)


class Viewing:
    def __init__(self, *, schema: str, user: dict, socket: str):
        self.schema, self.user, self.socket = schema, user, socket
        self.open: set[int] = set()

    async def opened(self, contact_id: int) -> None:
        self.open.add(contact_id)
        await self._change(contact_id, viewers.here(self.schema, contact_id, self.socket, self.user))

    async def closed(self, contact_id: int) -> None:
        if contact_id in self.open:
            self.open.discard(contact_id)
            await self._change(contact_id, viewers.gone(self.schema, contact_id, self.socket))

    async def closed_all(self) -> None:
        for contact_id in list(self.open):
            await self.closed(contact_id)

    async def refresh(self) -> None:
        """With every ping: this socket's entries do not lapse while it lives."""
        for contact_id in self.open:
            try:
                await viewers.here(self.schema, contact_id, self.socket, self.user)
            except Exception:
                logger.warning("could not refresh %s viewing %s", self.socket, contact_id, exc_info=True)

    async def _change(self, contact_id: int, change) -> None:
        try:
            now = await change
            await sync_to_async(presence.chat_viewers_changed, thread_sensitive=False)(
                schema=self.schema, contact_id=contact_id, viewers=now)
        except Exception:
            logger.warning("could not record %s viewing %s", self.socket, contact_id, exc_info=True)
