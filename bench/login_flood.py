"""`GET /api/v1/chats/` latency while 16 clients flood the login form with wrong passwords, against
daphne: idle, then during the flood, with the password hashing of workspaces/hashers.py (one
low-priority thread per web process) and without it (Django's stock hasher: PASSWORD_HASH_LOW_PRIORITY
=false). The login throttles are off here (RATELIMIT_ENABLE=false): this is the flood they do not
stop, one coming from many addresses. Prints one JSON line.
"""

from __future__ import annotations

import os
import threading
import time

from _lib import bench_database, emit, log, percentile, rounded, running_stack, server_urls, workspace_with_session

FLOODERS = int(os.environ.get("FLOODERS", "16"))
PROBES = int(os.environ.get("PROBES", "40"))


def probe_ms(stack, host: str, api_key: str) -> list[float]:
    import httpx

    timings = []
    with httpx.Client(base_url=stack.web_url, headers={"Host": host, "Authorization": f"Bearer {api_key}"},
                      timeout=30) as client:
        for _ in range(PROBES):
            started = time.perf_counter()
            client.get("/api/v1/chats/").raise_for_status()
            timings.append((time.perf_counter() - started) * 1000)
            time.sleep(0.05)
    return timings


def flood(stack, stop: threading.Event, counter: list) -> None:
    import httpx

    with httpx.Client(base_url=stack.web_url, headers={"Host": "localhost"}, timeout=60) as client:
        client.get("/login/")
        token = client.cookies["blazz_csrftoken"]
        while not stop.is_set():
            client.post("/login/", data={"email": "owner@flood.bench", "password": "wrong-guess",
                                         "csrfmiddlewaretoken": token})
            counter.append(1)


def measure(redis_url: str, *, low_priority: bool) -> dict:
    env = {"RATELIMIT_ENABLE": "false", "PASSWORD_HASH_LOW_PRIORITY": "true" if low_priority else "false"}
    with bench_database("login_flood") as url, running_stack(url, redis_url, env=env) as stack:
        workspace, api_key, _session = workspace_with_session("flood")
        probe_ms(stack, workspace.host, api_key)  # warm up
        idle = probe_ms(stack, workspace.host, api_key)
        stop, counter, threads = threading.Event(), [], []
        for _ in range(FLOODERS):
            threads.append(threading.Thread(target=flood, args=(stack, stop, counter), daemon=True))
            threads[-1].start()
        time.sleep(2)  # the flood is on
        started, before = time.monotonic(), len(counter)
        busy = probe_ms(stack, workspace.host, api_key)
        logins_per_s = (len(counter) - before) / (time.monotonic() - started)
        stop.set()
        for thread in threads:
            thread.join(60)
    result = {"idle_p50_ms": rounded(percentile(idle, 50)), "flood_p50_ms": rounded(percentile(busy, 50)),
              "flood_p95_ms": rounded(percentile(busy, 95)), "logins_per_s": rounded(logins_per_s)}
    log(f"low_priority={low_priority}: {result}")
    return result


def main() -> None:
    _, redis_url = server_urls()
    ours = measure(redis_url, low_priority=True)
    stock = measure(redis_url, low_priority=False)
    emit({"bench": "login_flood", "flooders": FLOODERS, "probes": PROBES,
          **{f"low_priority_{k}": v for k, v in ours.items()}, **{f"stock_{k}": v for k, v in stock.items()}})


if __name__ == "__main__":
    main()
