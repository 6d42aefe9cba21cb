"""Write `.env` with generated secrets when it is missing (`make install` calls this).

Only secrets and machine-wide choices go in `.env`; addresses derived from PORT are computed by the
dev runner at start, so changing PORT needs no edit here.
"""

import base64
import secrets
import sys
from pathlib import Path

TEMPLATE = """# Written by `make` on first run. Secrets: keep this file out of git (it is in .gitignore).
# DEBUG=true shows Django's debug pages (settings, source) to anyone who reaches the server:
# only for development on a machine of one's own. Off by default.
SECRET_KEY={secret_key}
BRIDGE_TOKEN={bridge_token}
BRIDGE_WEBHOOK_SECRET=whsec_{webhook_secret}
# GET /metrics (web and bridge) and /api/health/'s detail want `Authorization: Bearer <this>`.
METRICS_TOKEN={metrics_token}
BASE_DOMAIN=localhost
# Unset = embedded PostgreSQL and Redis under .data/ (started by make run / make test):
# DATABASE_URL=postgres://user:password@host:5432/blazz
# REDIS_URL=redis://host:6379/0
"""


def main() -> int:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / ".env")
    if path.exists():
        return _add_missing(path)
    path.write_text(
        TEMPLATE.format(
            secret_key=secrets.token_urlsafe(50),
            bridge_token=secrets.token_urlsafe(32),
            metrics_token=secrets.token_urlsafe(32),
            webhook_secret=base64.b64encode(secrets.token_bytes(32)).decode(),
        )
    )
    path.chmod(0o600)
    print(f"wrote {path} with generated secrets")
    return 0


def _add_missing(path: Path) -> int:
    """A .env written before a secret existed gets that secret appended (the others are kept)."""
    text = path.read_text()
    names = {line.split("=", 1)[0].strip() for line in text.splitlines() if "=" in line and not line.startswith("#")}
    if "METRICS_TOKEN" not in names:
        path.write_text(text.rstrip("\n") + f"\nMETRICS_TOKEN={secrets.token_urlsafe(32)}\n")
        print(f"added METRICS_TOKEN to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
