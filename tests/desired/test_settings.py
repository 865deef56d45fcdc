"""acorn.yaml and its override order: file < ACORN_* environment < command-line flags."""

from __future__ import annotations

import re

import pytest

from reconciler.desired.settings import Settings, parse_settings, resolve_settings
from reconciler.errors import ConfigError, DesiredStateError


def test_defaults_follow_the_environment() -> None:
    assert resolve_settings(None, {}).endpoint == "embedded"
    assert resolve_settings(None, {}, environment="production").endpoint == "regional"


def test_override_order() -> None:
    file = parse_settings("environment: sandbox\nendpoint: http://127.0.0.1:9000\n", "acorn.yaml")
    assert resolve_settings(file, {}).endpoint == "http://127.0.0.1:9000"
    env = {"ACORN_ENDPOINT": "http://127.0.0.1:9001"}
    assert resolve_settings(file, env).endpoint == "http://127.0.0.1:9001"
    assert resolve_settings(file, env, endpoint="http://127.0.0.1:9002/").endpoint == "http://127.0.0.1:9002"
    assert resolve_settings(file, {"ACORN_ENVIRONMENT": "production"}).environment == "production"


def test_production_refuses_the_embedded_sandbox() -> None:
    with pytest.raises(ConfigError, match="production cannot use the embedded sandbox"):
        resolve_settings(None, {}, environment="production", endpoint="embedded")


def test_bad_endpoint_and_environment_are_named() -> None:
    with pytest.raises(ConfigError, match="endpoint must be embedded, regional or a base URL"):
        resolve_settings(None, {"ACORN_ENDPOINT": "ftp://x"})
    with pytest.raises(ConfigError, match="environment must be sandbox or production"):
        resolve_settings(None, {"ACORN_ENVIRONMENT": "staging"})


def test_file_values_are_read() -> None:
    s = parse_settings("concurrency: 4\nmaxCreates: 3\nstalePendingDays: 7\n"
                       "preflight: {idDocumentMinValidDays: 90}\nlwa: {clientId: {env: MY_ID}}\n", "acorn.yaml")
    assert (s.concurrency, s.max_creates, s.stale_pending_days, s.id_document_min_valid_days) == (4, 3, 7, 90)
    assert s.lwa_client_id.name == "MY_ID" and s.lwa_client_secret == Settings().lwa_client_secret


def test_unknown_setting_is_located() -> None:
    with pytest.raises(DesiredStateError) as caught:
        parse_settings("concurrency: 4\nmaxCreate: 3\n", "acorn.yaml")
    assert str(caught.value.problems[0]).startswith(
        "acorn.yaml:2:1: maxCreate: unknown key; did you mean 'maxCreates'? (allowed: ")


@pytest.mark.parametrize("endpoint, why", [
    ("http://[::1", "Invalid IPv6 URL"),
    ("http://localhost:x1", "the port .x1. is not a number"),
    ("https://localhost:99999", "port 99999 is not in 1-65535"),
    ("http://localhost:0", "port 0 is not in 1-65535"),
    ("http://:80", "it has no host"),
    ("http://a b", "the host 'a b' is not valid"),
])
def test_an_endpoint_that_is_not_a_valid_url_is_a_config_error(endpoint, why) -> None:
    with pytest.raises(ConfigError, match=rf"^endpoint {re.escape(repr(endpoint))} is not a valid URL: .*{why}"):
        resolve_settings(None, {}, endpoint=endpoint)
    with pytest.raises(ConfigError, match="is not a valid URL"):
        resolve_settings(None, {"ACORN_ENDPOINT": endpoint})


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:8765", "https://acorn.example/base", "http://[::1]:9000"])
def test_valid_base_urls_are_kept(endpoint) -> None:
    assert resolve_settings(None, {}, endpoint=endpoint).endpoint == endpoint


def test_an_lwa_endpoint_that_is_not_a_valid_url_is_a_config_error() -> None:
    file = parse_settings("environment: production\nlwa: {endpoint: 'https://api.amazon.com:70000'}\n", "acorn.yaml")
    with pytest.raises(ConfigError, match=r"^lwa\.endpoint 'https://api.amazon.com:70000' is not a valid URL"):
        resolve_settings(file, {})


def test_a_file_of_comments_means_every_default() -> None:
    assert parse_settings("# nothing set yet\n\n", "acorn.yaml") == Settings(endpoint="")
    assert resolve_settings(parse_settings("# x\n", "acorn.yaml"), {}).endpoint == "embedded"


def test_settings_problems_name_the_settings_file() -> None:
    with pytest.raises(DesiredStateError) as caught:
        parse_settings("concurrency: many\n", "acorn.yaml")
    assert str(caught.value).endswith("1 problem in acorn.yaml.")


def test_offline_commands_do_not_resolve_the_endpoint(tmp_path) -> None:
    from reconciler.desired.settings import load_settings

    (tmp_path / "acorn.yaml").write_bytes(b"concurrency: 4\n")
    assert load_settings(tmp_path / "acorn.yaml", {"ACORN_ENDPOINT": "garbage"}, offline=True).concurrency == 4
    with pytest.raises(ConfigError):
        load_settings(tmp_path / "acorn.yaml", {"ACORN_ENDPOINT": "garbage"})


def test_a_settings_file_that_is_not_text_is_located(tmp_path) -> None:
    from reconciler.desired.settings import load_settings

    (tmp_path / "acorn.yaml").write_bytes(b"concurrency: \xff\n")
    with pytest.raises(DesiredStateError, match="acorn.yaml:1:1: \\(file\\): is not UTF-8 text"):
        load_settings(tmp_path / "acorn.yaml", {})


def test_an_empty_document_of_any_spelling_means_every_default() -> None:
    for text in ("", "# only a comment\n", "---\n# nothing\n", "~\n"):
        assert resolve_settings(parse_settings(text, "acorn.yaml"), {}) == resolve_settings(None, {})
