"""moto's server mode on 127.0.0.1 (real HTTP, the AWS wire protocol) for the tests that read
`{aws: ...}` references from Secrets Manager: `moto_secrets()` starts one on a free port and
yields its URL; `aws_env(url)` is the environment that points boto3's standard chain at it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx

REGION = "eu-west-1"


@contextlib.contextmanager
def moto_secrets() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def aws_env(url: str) -> dict[str, str]:
    """Dummy keys (moto accepts any), the region, the Secrets Manager endpoint, and no shared
    config files (a developer's ~/.aws must not change what a test sees)."""
    return {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL_SECRETS_MANAGER": url, "AWS_CONFIG_FILE": "/nonexistent/aws-config",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials"}


def reset(url: str) -> None:
    """Every secret (and IAM user) gone, for the next test."""
    httpx.post(f"{url}/moto-api/reset").raise_for_status()


def admin_client(url: str):
    """A boto3 Secrets Manager client for setting the stage (creating secrets)."""
    import boto3

    return boto3.client("secretsmanager", region_name=REGION, endpoint_url=url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")
