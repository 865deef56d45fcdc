"""`{aws: {secretId, key}}` references read from AWS Secrets Manager, against moto's server
mode over real HTTP: batches of at most 20, each secret read once, errors that name the
secret id and never a value, region and endpoint from acorn.yaml or boto3's environment."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from botocore.stub import Stubber

from reconciler.client.audit import MemoryAuditLog
from reconciler.client.credentials import Secrets
from reconciler.client.secretsmanager import AwsSecrets
from reconciler.domain.model import SecretRef
from reconciler.errors import BreakerOpen, SecretError
from tests.moto_server import REGION, admin_client, aws_env, moto_secrets, reset


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_secrets() as url:
        yield url


@pytest.fixture
def aws(moto_url: str, monkeypatch: pytest.MonkeyPatch):
    """A clean moto, boto3's environment pointing at it, and a client to create secrets."""
    reset(moto_url)
    for k, v in aws_env(moto_url).items():
        monkeypatch.setenv(k, v)
    return admin_client(moto_url)


def _sizes(reader: AwsSecrets) -> list[int]:
    """Records the SecretIdList size of every BatchGetSecretValue the reader sends."""
    sizes: list[int] = []
    reader._boto_client().meta.events.register(
        "before-parameter-build.secrets-manager.BatchGetSecretValue",
        lambda params, **_: sizes.append(len(params["SecretIdList"])))
    return sizes


def test_references_are_read_in_batches_of_20_and_each_secret_once(aws, tmp_path: Path) -> None:
    ids = [f"acorn/sellers/s{i:03d}" for i in range(45)]
    for i, secret_id in enumerate(ids):
        aws.create_secret(Name=secret_id, SecretString=json.dumps({"NA": f"tok-na-{i}", "EU": f"tok-eu-{i}"}))
    reader = AwsSecrets(dict(aws_env("unused")) | {"AWS_ENDPOINT_URL_SECRETS_MANAGER": aws.meta.endpoint_url})
    sizes = _sizes(reader)
    secrets = Secrets({}, tmp_path, reader)
    refs = [SecretRef("aws", i, region) for i in ids for region in ("NA", "EU")]
    secrets.prefetch(refs + refs[:10])
    assert sorted(sizes) == [5, 20, 20]
    assert [secrets.resolve(r) for r in refs[:4]] == ["tok-na-0", "tok-eu-0", "tok-na-1", "tok-eu-1"]
    assert secrets.resolve(refs[-1]) == "tok-eu-44"
    secrets.prefetch(refs)
    assert reader.calls == 3 and len(sizes) == 3  # nothing read twice


def test_a_missing_secret_is_an_error_naming_it_and_the_others_still_resolve(aws, tmp_path: Path) -> None:
    aws.create_secret(Name="acorn/sellers/ok", SecretString="Atzr|the-token")
    secrets = Secrets({}, tmp_path, AwsSecrets(aws_env(aws.meta.endpoint_url)))
    refs = [SecretRef("aws", "acorn/sellers/ok"), SecretRef("aws", "acorn/sellers/gone")]
    secrets.prefetch(refs)
    assert secrets.resolve(refs[0]) == "Atzr|the-token"
    with pytest.raises(SecretError) as missing:
        secrets.resolve(refs[1])
    assert str(missing.value) == "AWS secret acorn/sellers/gone: does not exist"
    assert secrets.aws.calls == 1  # the error was an answer: not asked again


def test_a_key_picks_one_field_and_bad_shapes_never_show_the_value(aws, tmp_path: Path) -> None:
    aws.create_secret(Name="json", SecretString=json.dumps({"refreshToken": "Atzr|json-token", "n": 3}))
    aws.create_secret(Name="plain", SecretString="Atzr|plain-token")
    aws.create_secret(Name="by-arn", SecretString="Atzr|arn-token")
    arn = aws.describe_secret(SecretId="by-arn")["ARN"]
    secrets = Secrets({}, tmp_path, AwsSecrets(aws_env(aws.meta.endpoint_url)))
    assert secrets.resolve(SecretRef("aws", "json", "refreshToken")) == "Atzr|json-token"
    assert secrets.resolve(SecretRef("aws", arn)) == "Atzr|arn-token"
    assert secrets.resolve(SecretRef("aws", arn[:-7])) == "Atzr|arn-token"  # a partial ARN (no suffix)
    messages = []
    for ref in (SecretRef("aws", "json", "other"), SecretRef("aws", "json", "n"), SecretRef("aws", "plain", "x")):
        with pytest.raises(SecretError) as bad:
            secrets.resolve(ref)
        messages.append(str(bad.value))
    assert messages == ["AWS secret json has no key 'other'",
                        "AWS secret json: key 'n' is not a non-empty string",
                        "AWS secret plain is not a JSON object, so it has no key 'x'"]
    assert not any("token" in m.lower() for m in messages)


def test_endpoint_and_region_come_from_acorn_yaml_before_the_environment(aws, tmp_path: Path) -> None:
    aws.create_secret(Name="s", SecretString="value-from-moto")
    env = {**aws_env("http://127.0.0.1:9"), "AWS_REGION": "us-east-1"}  # nothing listens on port 9
    configured = AwsSecrets(env, region=REGION, endpoint=aws.meta.endpoint_url)
    assert configured.value("s") == "value-from-moto"
    generic = {k: v for k, v in aws_env("").items() if k != "AWS_ENDPOINT_URL_SECRETS_MANAGER"}
    assert AwsSecrets({**generic, "AWS_ENDPOINT_URL": aws.meta.endpoint_url}).value("s") == "value-from-moto"
    audit, waits = MemoryAuditLog(), []
    with pytest.raises(BreakerOpen, match=r"^AWS Secrets Manager is not answering: 5 calls in a row failed \(last: "
                                          r"EndpointConnectionError on BatchGetSecretValue\); stopping the run"):
        AwsSecrets(env, audit=audit, sleep=waits.append, rng=lambda: 0.5).value("s")
    assert waits == [0.25, 0.5, 1.0, 2.0]  # acorn's backoff between the attempts; boto3 retries nothing itself
    assert [(e.operation, e.status, e.error) for e in audit.entries] == \
        [("BatchGetSecretValue", None, "EndpointConnectionError")] * 5


def test_a_throttled_batch_is_retried_by_acorns_policy_and_each_attempt_audited(tmp_path: Path) -> None:
    client = boto3.client("secretsmanager", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(client)
    stub.add_client_error("batch_get_secret_value", "ThrottlingException", "Rate exceeded", 400,
                          expected_params={"SecretIdList": ["s"]})
    value = {"ARN": "arn:aws:secretsmanager:eu-west-1:1:secret:s-AbCdEf", "Name": "s", "SecretString": "Atzr|s"}
    stub.add_response("batch_get_secret_value", {"SecretValues": [value], "Errors": []}, {"SecretIdList": ["s"]})
    audit, waits = MemoryAuditLog(), []
    with stub:
        secrets = AwsSecrets({}, region=REGION, client=client, audit=audit, sleep=waits.append, rng=lambda: 1.0)
        assert secrets.value("s") == "Atzr|s"
    assert waits == [0.5] and [e.status for e in audit.entries] == [400, 200]
    assert {e.region for e in audit.entries} == {REGION}  # every audit line names where the call went
    assert all("Atzr" not in line and '"s"' not in line for line in audit.lines)  # neither the value nor the id


def test_without_a_region_every_secret_says_how_to_set_one(tmp_path: Path) -> None:
    secrets = Secrets({}, tmp_path, AwsSecrets({"AWS_CONFIG_FILE": "/nonexistent"}))
    with pytest.raises(SecretError, match="^AWS secret s: no AWS region: set secrets.aws.region in acorn.yaml"):
        secrets.resolve(SecretRef("aws", "s"))


def test_a_role_without_permission_is_denied_for_each_secret_by_id(monkeypatch: pytest.MonkeyPatch) -> None:
    """IAM enforced on a moto of its own. moto keeps enforcement for the whole process (every
    moto server of the test run): it is switched back off at the end, whatever the outcome."""
    with moto_secrets() as url:
        admin = admin_client(url)
        admin.create_secret(Name="acorn/sellers/a", SecretString="Atzr|never-shown")
        iam = boto3.client("iam", region_name=REGION, endpoint_url=url,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        iam.create_user(UserName="plan")
        key = iam.create_access_key(UserName="plan")["AccessKey"]
        enforced = httpx.post(f"{url}/moto-api/reset-auth", content=b"0")
        enforced.raise_for_status()
        try:
            env = {**aws_env(url), "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
                   "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
            for k, v in env.items():  # the standard chain reads the process environment
                monkeypatch.setenv(k, v)
            secrets = Secrets({}, Path("."), AwsSecrets(env))
            with pytest.raises(SecretError) as denied:
                secrets.resolve(SecretRef("aws", "acorn/sellers/a"))
        finally:
            before = enforced.json()["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"].encode()
            httpx.post(f"{url}/moto-api/reset-auth", content=before).raise_for_status()
    assert str(denied.value).startswith("AWS secret acorn/sellers/a: BatchGetSecretValue: access denied")
    assert "never-shown" not in str(denied.value)


def test_a_per_secret_denial_in_errors_names_only_that_secret(tmp_path: Path) -> None:
    """Real AWS reports a secret the role may not read inside `Errors` (moto cannot: it checks
    only the batch action), so this one answer is stubbed in AWS's documented shape."""
    client = boto3.client("secretsmanager", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(client)
    stub.add_response("batch_get_secret_value", {
        "SecretValues": [{"ARN": "arn:aws:secretsmanager:eu-west-1:1:secret:ok-AbCdEf", "Name": "ok",
                          "SecretString": "Atzr|ok"}],
        "Errors": [{"SecretId": "other", "ErrorCode": "AccessDeniedException", "Message": "User is not authorized"}]},
        {"SecretIdList": ["ok", "other"]})
    with stub:
        secrets = Secrets({}, tmp_path, AwsSecrets({}, client=client))
        secrets.prefetch([SecretRef("aws", "ok"), SecretRef("aws", "other")])
        assert secrets.resolve(SecretRef("aws", "ok")) == "Atzr|ok"
        with pytest.raises(SecretError, match="^AWS secret other: access denied"):
            secrets.resolve(SecretRef("aws", "other"))
