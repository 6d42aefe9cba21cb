"""Signup to a ready workspace, over HTTP against daphne, as a browser does it: GET /signup/ on the
public host (the CSRF cookie), POST the form (user, workspace, its schema migrated, domain, owner
membership; answers 302 to the workspace host's login hand-off), then on the workspace host follow
the hand-off (302 to / with the session cookie) and GET /api/v1/me/ until it answers 200 with
role `owner`: "ready". Median of SIGNUPS signups, each a new workspace.

The POST includes hashing the password (Django's PBKDF2, deliberately slow) and creating and
migrating the schema, so it is most of the time. Prints one JSON line.
"""

from __future__ import annotations

import os
import secrets
import time

from _lib import bench_database, emit, log, median, rounded, running_stack, server_urls

SIGNUPS = int(os.environ.get("SIGNUPS", "5"))


def signup_once(stack, slug: str) -> dict:
    import httpx

    timings = {}
    with httpx.Client(base_url=stack.web_url, headers={"Host": "localhost"}, timeout=120) as public:
        started = time.perf_counter()
        page = public.get("/signup/")
        page.raise_for_status()
        token = public.cookies["blazz_csrftoken"]
        response = public.post("/signup/", data={
            "name": f"Bench {slug}", "slug": slug, "email": f"founder@{slug}.bench",
            "password": secrets.token_urlsafe(16), "csrfmiddlewaretoken": token,
        })
        if response.status_code != 302:
            raise RuntimeError(f"signup answered {response.status_code}: {response.text[:300]}")
        timings["signup_ms"] = (time.perf_counter() - started) * 1000
    location = httpx.URL(response.headers["Location"])
    if location.host != f"{slug}.localhost":
        raise RuntimeError(f"signup sent the browser to {location}, not to {slug}.localhost")
    with httpx.Client(base_url=stack.web_url, headers={"Host": location.host}, timeout=30) as workspace:
        handoff = workspace.get(location.raw_path.decode())
        if handoff.status_code != 302 or handoff.headers["Location"] != "/":
            raise RuntimeError(f"hand-off answered {handoff.status_code} {handoff.headers.get('Location')}")
        while True:
            me = workspace.get("/api/v1/me/")
            if me.status_code == 200 and me.json().get("role") == "owner":
                break
            if time.perf_counter() - started > 60:
                raise RuntimeError(f"/api/v1/me/ still answers {me.status_code} after 60 s")
            time.sleep(0.02)
    timings["ready_ms"] = (time.perf_counter() - started) * 1000
    return timings


def main() -> None:
    _, redis_url = server_urls()
    with bench_database("signup") as url, running_stack(url, redis_url) as stack:
        signup_once(stack, "warmsignup")  # the first request of a process loads what the rest reuse
        runs = []
        for i in range(SIGNUPS):
            runs.append(signup_once(stack, f"signup{i}"))
            log(f"signup {i}: POST {runs[-1]['signup_ms']:.0f} ms, ready {runs[-1]['ready_ms']:.0f} ms")
    ready = [r["ready_ms"] for r in runs]
    emit({
        "bench": "signup_ready",
        "ready_median_ms": rounded(median(ready)),
        "ready_max_ms": rounded(max(ready)),
        "signup_post_median_ms": rounded(median([r["signup_ms"] for r in runs])),
        "after_post_median_ms": rounded(median([r["ready_ms"] - r["signup_ms"] for r in runs])),
        "samples": len(runs),
    })


if __name__ == "__main__":
    main()
