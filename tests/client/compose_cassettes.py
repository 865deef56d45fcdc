"""Compose the participations cassette from SP-API's published examples (see
test_client_cassettes.py for their sources): `python -m tests.client.compose_cassettes`, then
review the diff. A script, not a test: composing is a maintainer's step, never a check."""

from __future__ import annotations

import yaml

from tests.client.test_client_cassettes import CASSETTES, PARTICIPATIONS_CASSETTE, composed


def main() -> None:
    path = CASSETTES / PARTICIPATIONS_CASSETTE
    path.write_text(yaml.safe_dump(composed(), sort_keys=False), encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
