"""Reading `{aws: {secretId, key}}` references from AWS Secrets Manager, in batches.

One `AwsSecrets` per run. `fetch(ids)` reads every id it has not read yet with
BatchGetSecretValue, at most 20 ids a call (the API's limit; moto does not enforce it, AWS
does), several calls at once, and keeps each answer (a value or why there is none) in memory
for the rest of the run: each secret is read at most once, nothing is written to disk, and
no value ever reaches a message. AWS credentials come from boto3's standard chain (in
GitHub Actions: the OIDC role that aws-actions/configure-aws-credentials assumed).

Region and endpoint: `secrets.aws.region` / `secrets.aws.endpoint` in acorn.yaml, else
AWS_REGION (then AWS_DEFAULT_REGION) and AWS_ENDPOINT_URL_SECRETS_MANAGER (then
AWS_ENDPOINT_URL), else boto3's own configuration.

Retries are acorn's, not boto3's (its own retries are off: one attempt per call): the same
RetryPolicy as every ACORN-i call (backoff with full jitter, bounded attempts and waiting),
a Breaker of its own that stops the run when AWS fails several calls in a row, and one
audit-log line per attempt (operation BatchGetSecretValue, no seller, never an id or value).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .audit import AuditEntry, AuditLog, NullAuditLog
from .retry import FAILURE_STATUSES, RETRY_STATUSES, Breaker, RetryPolicy

BATCH_LIMIT = 20  # BatchGetSecretValue's SecretIdList holds at most 20 ids
PARALLEL_CALLS = 8
_DENIED = {"AccessDeniedException", "AccessDenied", "403"}  # moto answers IAM denials as an XML 403
OPERATION = "BatchGetSecretValue"
_THROTTLED = {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"}


@dataclass(frozen=True)
class Unreadable:
    """Why a secret has no value (never the value): the message names the secret id."""

    message: str


def _why(code: str) -> str:
    if code in _DENIED:
        return "access denied (the role needs secretsmanager:GetSecretValue on it and BatchGetSecretValue)"
    if code == "ResourceNotFoundException":
        return "does not exist"
    if code == "InvalidRequestException":
        return "cannot be read now (scheduled for deletion?)"
    if code == "DecryptionFailure":
        return "cannot be decrypted (the role needs kms:Decrypt on its key)"
    return f"cannot be read ({code})"


class AwsSecrets:
    """Secret values by id for one run, read in batches; thread-safe."""

    def __init__(self, env: Mapping[str, str], *, region: str | None = None, endpoint: str | None = None,
                 client: Any = None, policy: RetryPolicy | None = None, audit: AuditLog | None = None,
                 sleep: Callable[[float], object] = time.sleep, rng: Callable[[], float] = random.random) -> None:
        """`client` (a boto3 secretsmanager client) is for tests; by default one is made on first use.
        `policy`, `audit`, `sleep` and `rng` are the run's (calls run in threads: `sleep` blocks)."""
        self._region = region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None
        self._endpoint = (endpoint or env.get("AWS_ENDPOINT_URL_SECRETS_MANAGER")
                          or env.get("AWS_ENDPOINT_URL") or None)
        self._client = client
        self._answers: dict[str, str | Unreadable] = {}
        self._lock = threading.Lock()
        self.calls = 0  # BatchGetSecretValue calls made (the benchmark reports it)
        self._policy, self._sleep, self._rng = policy or RetryPolicy(), sleep, rng
        self._audit: AuditLog = audit or NullAuditLog()
        self._breaker = Breaker(self._policy.max_consecutive_failures, "AWS Secrets Manager")

    def _boto_client(self) -> Any:
        if self._client is None:
            import boto3  # imported on first use: runs with only env/file references never load it
            from botocore.config import Config

            # One attempt per call: acorn's policy retries (see the module's docstring).
            config = Config(retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=5,
                            read_timeout=30, max_pool_connections=PARALLEL_CALLS)
            self._client = boto3.session.Session().client(
                "secretsmanager", region_name=self._region, endpoint_url=self._endpoint, config=config)
        return self._client

    def fetch(self, secret_ids: Iterable[str]) -> None:
        """Read every id not read yet in this run: BatchGetSecretValue, 20 ids a call."""
        with self._lock:
            wanted = list(dict.fromkeys(i for i in secret_ids if i not in self._answers))
        if not wanted:
            return
        batches = [wanted[i:i + BATCH_LIMIT] for i in range(0, len(wanted), BATCH_LIMIT)]
        try:
            client = self._boto_client()
        except Exception as exc:  # no region, bad endpoint: every secret of the run says so
            self._store(dict.fromkeys(wanted, Unreadable(_setup_error(exc))))
            return
        if len(batches) == 1:
            self._store(self._batch(client, batches[0]))
            return
        with ThreadPoolExecutor(max_workers=PARALLEL_CALLS) as pool:
            for answers in pool.map(lambda batch: self._batch(client, batch), batches):
                self._store(answers)

    def value(self, secret_id: str) -> str | Unreadable:
        """The secret's text, or why there is none (reading it now if it was not prefetched)."""
        self.fetch([secret_id])
        with self._lock:
            return self._answers[secret_id]

    def _store(self, answers: Mapping[str, str | Unreadable]) -> None:
        with self._lock:
            for secret_id, answer in answers.items():
                self._answers.setdefault(secret_id, answer)

    def _batch(self, client: Any, ids: list[str]) -> dict[str, str | Unreadable]:
        """One batch of at most 20 ids (following NextToken, should AWS split the answer)."""
        from botocore.exceptions import BotoCoreError, ClientError

        out: dict[str, str | Unreadable] = {}
        request: dict[str, Any] = {"SecretIdList": ids}
        while True:
            try:
                answer = self._call(client, request)
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "error")
                return {i: Unreadable(f"BatchGetSecretValue: {_why(code)}") for i in ids}
            except BotoCoreError as exc:  # no credentials, endpoint unreachable, ...
                return {i: Unreadable(_setup_error(exc)) for i in ids}
            for item in answer.get("SecretValues", []):
                secret_id = _requested(ids, item)
                if secret_id is None:
                    continue
                text = item.get("SecretString")
                out[secret_id] = text if isinstance(text, str) else Unreadable("holds binary data, not text")
            for error in answer.get("Errors", []):
                secret_id = error.get("SecretId")
                if secret_id in ids:
                    out.setdefault(secret_id, Unreadable(_why(error.get("ErrorCode", "error"))))
            token = answer.get("NextToken")
            if not token or all(i in out for i in ids):
                break
            request = {"SecretIdList": ids, "NextToken": token}
        for secret_id in ids:
            out.setdefault(secret_id, Unreadable("was not returned by BatchGetSecretValue"))
        return out


    def _call(self, client: Any, request: dict[str, Any]) -> Any:
        """One BatchGetSecretValue under acorn's retry policy and breaker, each attempt audited;
        the last error is raised when the policy gives up (or at once when retrying cannot help)."""
        from botocore.exceptions import BotoCoreError, ClientError

        attempt, waited = 0, 0.0
        while True:
            self._breaker.check()
            attempt += 1
            status, failure = None, None
            with self._lock:
                self.calls += 1
            start = time.monotonic()
            try:
                answer = client.batch_get_secret_value(**request)
                status = answer.get("ResponseMetadata", {}).get("HTTPStatusCode", 200)
                self._record(start, status, None, answer)
                self._breaker.success()
                return answer
            except ClientError as exc:
                status, failure = _status(exc), exc
                self._record(start, status, None, exc.response)
                retry = status in RETRY_STATUSES or exc.response.get("Error", {}).get("Code") in _THROTTLED
                if status in FAILURE_STATUSES:
                    self._breaker.failure(f"{status} on {OPERATION}")
            except BotoCoreError as exc:
                failure = exc
                self._record(start, None, type(exc).__name__, {})
                retry = _unreachable(exc)
                if retry:
                    self._breaker.failure(f"{type(exc).__name__} on {OPERATION}")
            delay = self._policy.delay(attempt, self._rng, None)
            if not retry or not self._policy.should_retry(attempt, waited, delay):
                raise failure
            self._sleep(delay)
            waited += delay

    def _record(self, start: float, status: int | None, error: str | None, answer: Mapping[str, Any]) -> None:
        request_id = answer.get("ResponseMetadata", {}).get("RequestId") or None
        entry = AuditEntry(datetime.now(timezone.utc), "", OPERATION, "POST", "/", status, error, request_id,
                           (time.monotonic() - start) * 1000, region=self._region or "")
        with self._lock:  # batches run in threads; the log is written one line at a time
            self._audit.record(entry)


def _status(exc: Any) -> int | None:
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status if isinstance(status, int) else None


def _unreachable(exc: Exception) -> bool:
    """A connection that failed or timed out: worth another attempt (not a missing setting)."""
    from botocore.exceptions import (
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        ReadTimeoutError,
    )

    return isinstance(exc, (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError))


def _requested(ids: list[str], item: Mapping[str, Any]) -> str | None:
    """Which requested id an answer is for: by name, full ARN, or partial ARN (no suffix)."""
    name, arn = item.get("Name"), item.get("ARN") or ""
    for secret_id in ids:
        if secret_id in (name, arn) or (secret_id.startswith("arn:") and arn.startswith(secret_id + "-")):
            return secret_id
    return None


def _setup_error(exc: Exception) -> str:
    """A one-line reason that names no value (botocore's messages name settings, not secrets)."""
    from botocore.exceptions import EndpointConnectionError, NoCredentialsError, NoRegionError

    if isinstance(exc, NoCredentialsError):
        return ("no AWS credentials (boto3's standard chain: environment, profile, web identity; "
                "in GitHub Actions use aws-actions/configure-aws-credentials)")
    if isinstance(exc, NoRegionError):
        return "no AWS region: set secrets.aws.region in acorn.yaml or AWS_REGION"
    if isinstance(exc, EndpointConnectionError):
        return f"AWS Secrets Manager cannot be reached ({type(exc).__name__})"
    return f"AWS Secrets Manager cannot be used ({type(exc).__name__})"
