"""Which agents have a chat open now ("Budi is viewing"): a Redis hash per workspace and contact
(the schema in its key) of socket -> {user, lapses}. An agent's inbox socket adds itself when it
subscribes to the contact (the open chat), again with every ping, and removes itself when it
unsubscribes or disconnects; a crashed process's entries lapse on their own (chats/online.py's
TTL). Nothing else is stored: the chat.viewers frame carries the list."""

from __future__ import annotations

import json
import time

from chats.online import TTL_SECONDS, _async_client


def key(schema: str, contact_id: int) -> str:
    return f"blazz:viewers:{schema}:{int(contact_id)}"


async def here(schema: str, contact_id: int, socket: str, user: dict) -> list[dict]:
    """Record this socket as viewing the contact; the agents viewing it now (one entry per agent)."""
    client = _async_client()
    name = key(schema, contact_id)
    entry = json.dumps({"user": {"id": user["id"], "name": user["name"]}, "lapses": time.time() + TTL_SECONDS})
    await client.hset(name, socket, entry)
    await client.expire(name, int(TTL_SECONDS) + 1)
    return await viewers(schema, contact_id)


async def gone(schema: str, contact_id: int, socket: str) -> list[dict]:
    await _async_client().hdel(key(schema, contact_id), socket)
    return await viewers(schema, contact_id)


async def viewers(schema: str, contact_id: int) -> list[dict]:
    """The agents viewing the contact, each once (an agent may have it open in two tabs), by name."""
    client = _async_client()
    name = key(schema, contact_id)
    now, found, lapsed = time.time(), {}, []
    for socket, raw in (await client.hgetall(name)).items():
        entry = json.loads(raw)
        if entry["lapses"] < now:
            lapsed.append(socket)
        else:
            found[entry["user"]["id"]] = entry["user"]
    if lapsed:
        await client.hdel(name, *lapsed)
    return sorted(found.values(), key=lambda user: (user["name"], user["id"]))
