"""Container health check: exit 0 when ``URL`` answers 200, 1 otherwise.

The images are slim (no curl or wget), so their ``HEALTHCHECK`` runs this with the image's
Python: ``python deploy/healthcheck.py http://127.0.0.1:5005/webhooks/rest/``.
"""

from __future__ import annotations

import sys
import urllib.request

TIMEOUT_SECONDS = 4.0


def healthy(url: str, timeout: float = TIMEOUT_SECONDS) -> bool:
    """Whether a GET of ``url`` answers 200 within ``timeout`` seconds."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (our URL)
            return bool(response.status == 200)
    except OSError:  # refused, timed out, or an HTTP error status (HTTPError)
        return False


def main(argv: list[str]) -> int:
    """Check the one URL given; print why on failure (Docker keeps the output)."""
    if len(argv) != 1:
        print("usage: healthcheck.py URL", file=sys.stderr)
        return 1  # Docker reads 0 healthy, 1 unhealthy; 2 is reserved
    if healthy(argv[0]):
        return 0
    print(f"unhealthy: {argv[0]} did not answer 200", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
