"""acorn.yaml and its override order: file < ACORN_* environment < command-line flags."""

from __future__ import annotations

import re
from datetime import date

import pytest

from reconciler.desired.settings import Settings, parse_settings, resolve_settings, settings_findings
from reconciler.domain.model import SecretRef
from reconciler.domain.policy import Policy
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
    with pytest.raises(DesiredStateError) as caught:
        load_settings(tmp_path / "acorn.yaml", {})
    config = tmp_path / "acorn.yaml"
    assert str(caught.value) == f"{config}:1:1: (file): is not UTF-8 text\n1 problem in {config}."


def test_an_empty_document_of_any_spelling_means_every_default() -> None:
    for text in ("", "# only a comment\n", "---\n# nothing\n", "~\n"):
        assert resolve_settings(parse_settings(text, "acorn.yaml"), {}) == resolve_settings(None, {})


FULL = """\
environment: production
endpoint: https://acorn.example.com/base
lwa:
  endpoint: https://lwa.example.com
  clientId: {env: ACME_ID}
  clientSecret: {file: /run/secrets/lwa}
  clientSecretRotatedOn: 2026-03-01
secrets:
  aws: {region: eu-west-1, endpoint: 'http://127.0.0.1:4566'}
concurrency: 8
maxCreates: 5
stalePendingDays: 21
unappliedCreateDays: 3
throttleBudgetSeconds: 30
preflight: {idDocumentMinValidDays: 60}
limits: {fileBytes: 100000, secretFileBytes: 2048}
waves: {above: 20, sizes: '1,rest', haltOn: '10%'}
"""


def test_every_key_of_acorn_yaml_is_read_into_its_setting() -> None:
    s = parse_settings(FULL, "config/acorn.yaml")
    assert s == Settings(
        environment="production", endpoint="https://acorn.example.com/base", lwa_endpoint="https://lwa.example.com",
        lwa_client_id=SecretRef("env", "ACME_ID"), lwa_client_secret=SecretRef("file", "/run/secrets/lwa"),
        aws_region="eu-west-1", aws_endpoint="http://127.0.0.1:4566", concurrency=8, max_creates=5,
        stale_pending_days=21, unapplied_create_days=3, id_document_min_valid_days=60,
        throttle_budget_seconds=30.0, lwa_client_secret_rotated_on=date(2026, 3, 1), max_file_bytes=100000,
        max_secret_file_bytes=2048, waves_above=20, waves="1,rest", halt_on="10%")
    assert isinstance(s.throttle_budget_seconds, float)
    assert s.source == "config/acorn.yaml"
    assert s.policy == Policy(21, 60, date(2026, 3, 1), "production")
    # where each key that findings point at is written
    assert [s.at(k) for k in ("environment", "endpoint", "lwa.endpoint", "lwa.clientSecretRotatedOn",
                              "secrets.aws.endpoint")] == [(1, 14), (2, 11), (4, 13), (7, 26), (9, 38)]
    assert s.at("concurrency") == (1, 1)  # not a key findings point at: the top of the file


def test_an_empty_file_means_the_documented_defaults() -> None:
    s = parse_settings("", "acorn.yaml")
    assert (s.environment, s.endpoint, s.lwa_endpoint, s.concurrency, s.max_creates, s.stale_pending_days,
            s.unapplied_create_days, s.throttle_budget_seconds, s.waves, s.halt_on, s.waves_above) == \
        ("sandbox", "", "https://api.amazon.com", 16, 50, 14, 2, 600.0, "1,10%,rest", "25%", None)
    assert (s.lwa_client_id, s.lwa_client_secret) == (SecretRef("env", "LWA_CLIENT_ID"),
                                                      SecretRef("env", "LWA_CLIENT_SECRET"))
    assert (s.aws_region, s.aws_endpoint, s.lwa_client_secret_rotated_on, s.places) == (None, None, None, ())
    assert (s.max_file_bytes, s.max_secret_file_bytes) == (4 * 1024 * 1024, 64 * 1024)
    assert s.policy == Policy(14, Settings().id_document_min_valid_days, None, "sandbox")


def test_a_key_written_under_a_section_that_is_not_a_mapping_has_no_place() -> None:
    s = parse_settings("lwa: {clientId: {env: X}}\nsecrets: {aws: {region: eu-west-1}}\n", "acorn.yaml")
    assert s.places == () and s.at("lwa.endpoint") == (1, 1)


def test_a_rotation_date_that_does_not_exist_is_located() -> None:
    with pytest.raises(DesiredStateError) as caught:
        parse_settings("concurrency: 2\nlwa:\n  clientSecretRotatedOn: 2026-02-30\n", "config/acorn.yaml")
    assert str(caught.value) == ("config/acorn.yaml:3:26: lwa.clientSecretRotatedOn: is not a real date "
                                 "(YYYY-MM-DD)\n1 problem in config/acorn.yaml.")


def test_yaml_that_does_not_parse_names_the_settings_file() -> None:
    with pytest.raises(DesiredStateError) as caught:
        parse_settings("concurrency: [1\n", "config/acorn.yaml")
    assert str(caught.value).startswith("config/acorn.yaml:1:14: (yaml): a [ … ] list that is not closed")
    assert str(caught.value).endswith("1 problem in config/acorn.yaml.")


@pytest.mark.parametrize("endpoint, why", [
    ("ftp://x", "it must start with http:// or https://"),
    ("http://", "it has no host"),
    ("http://ho%st", "the host 'ho%st' is not valid"),
    ("http://host:12ab", "the port '12ab' is not a number"),
    ("http://host:65536", "port 65536 is not in 1-65535"),
])
def test_each_way_a_url_can_be_wrong_is_said(endpoint, why) -> None:
    file = parse_settings(f"secrets: {{aws: {{endpoint: '{endpoint}'}}}}\n", "acorn.yaml")
    with pytest.raises(ConfigError) as caught:
        resolve_settings(file, {})
    assert str(caught.value) == f"secrets.aws.endpoint {endpoint!r} is not a valid URL: {why}"


@pytest.mark.parametrize("endpoint", ["http://host:1", "http://host:65535", "http://user:pw@host:8080",
                                      "http://[::1]:8080", "https://host"])
def test_urls_at_the_edges_are_valid(endpoint) -> None:
    file = parse_settings(f"secrets: {{aws: {{endpoint: '{endpoint}'}}}}\n", "acorn.yaml")
    assert resolve_settings(file, {}).aws_endpoint == endpoint


def test_the_lwa_endpoint_is_checked_only_when_it_is_called() -> None:
    file = parse_settings("lwa: {endpoint: 'not a url'}\n", "acorn.yaml")
    assert resolve_settings(file, {}).endpoint == "embedded"  # the embedded sandbox never calls LWA
    assert resolve_settings(file, {}, endpoint="http://127.0.0.1:9").endpoint == "http://127.0.0.1:9"
    with pytest.raises(ConfigError, match=r"^lwa\.endpoint 'not a url' is not a valid URL: it must start with"):
        resolve_settings(file, {}, endpoint="regional")


@pytest.mark.parametrize("host", ["localhost", "api.localhost", "127.0.0.2", "[::1]", "[::ffff:127.0.0.1]"])
def test_plain_http_to_this_machine_is_fine_in_production(host) -> None:
    url = f"http://{host}:8765"
    assert resolve_settings(None, {}, environment="production", endpoint=url).endpoint == url


@pytest.mark.parametrize("host", ["localhostx", "mylocalhost", "[::ffff:10.0.0.1]", "10.0.0.1"])
def test_plain_http_elsewhere_is_refused_in_production_with_the_reason(host) -> None:
    url = f"http://{host}:8765"
    with pytest.raises(ConfigError) as caught:
        resolve_settings(None, {}, environment="production", endpoint=url)
    assert str(caught.value) == (f"endpoint {url!r} uses plain http:// to a host other than this machine: "
                                 "production sends credentials there, so it must be https://")


def test_a_plain_http_lwa_endpoint_is_refused_only_when_production_calls_it() -> None:
    file = parse_settings("environment: production\nlwa: {endpoint: 'http://lwa.example.com'}\n", "acorn.yaml")
    assert resolve_settings(file, {}, endpoint="https://acorn.example.com").endpoint == "https://acorn.example.com"
    with pytest.raises(ConfigError, match=r"^lwa\.endpoint 'http://lwa\.example\.com' uses plain http://"):
        resolve_settings(file, {})  # production defaults to regional, which calls LWA
    sandbox = parse_settings("lwa: {endpoint: 'http://lwa.example.com'}\n", "acorn.yaml")
    assert resolve_settings(sandbox, {}, endpoint="regional").lwa_endpoint == "http://lwa.example.com"


def test_the_messages_for_a_wrong_environment_or_endpoint_quote_it() -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_settings(None, {"ACORN_ENVIRONMENT": "staging"})
    assert str(caught.value) == "environment must be sandbox or production, not 'staging'"
    with pytest.raises(ConfigError) as caught:
        resolve_settings(None, {}, endpoint="acorn.example.com")
    assert str(caught.value) == ("endpoint must be embedded, regional or a base URL (http://…), "
                                 "not 'acorn.example.com'")
    with pytest.raises(ConfigError) as caught:
        resolve_settings(None, {"ACORN_ENVIRONMENT": "production", "ACORN_ENDPOINT": "embedded"})
    assert str(caught.value) == ("environment production cannot use the embedded sandbox: "
                                 "set endpoint to regional or a base URL")


def test_flags_beat_the_environment_which_beats_the_file() -> None:
    file = parse_settings("environment: production\nendpoint: regional\n", "acorn.yaml")
    assert resolve_settings(file, {}).environment == "production"
    assert resolve_settings(file, {"ACORN_ENVIRONMENT": "sandbox"}).environment == "sandbox"
    assert resolve_settings(file, {"ACORN_ENVIRONMENT": "sandbox"}, environment="production").environment == \
        "production"
    assert resolve_settings(file, {"ACORN_ENDPOINT": "http://127.0.0.1:1/"}).endpoint == "http://127.0.0.1:1"
    assert resolve_settings(file, {}, endpoint="https://acorn.example/X//").endpoint == "https://acorn.example/X"
    assert resolve_settings(file, {"ACORN_ENDPOINT": "http://127.0.0.1:1"}, endpoint="regional").endpoint == \
        "regional"


def _findings(text: str, shown: str | None = None) -> list[tuple[str, str, str, tuple[str, int, int, str]]]:
    found = settings_findings(parse_settings(text, "repo/acorn.yaml"), date(2026, 1, 1), shown)
    return [(f.code, f.severity, f.message, (f.location.path, f.location.line, f.location.column, f.location.key))
            for f in found]


def test_findings_point_at_the_key_that_is_wrong() -> None:
    # production written, then the embedded endpoint that contradicts it: the endpoint line
    assert _findings("environment: production\nendpoint: embedded\n") == [
        ("SETTINGS_INVALID", "error", "environment production cannot use the embedded sandbox: set endpoint to "
                                      "regional or a base URL", ("repo/acorn.yaml", 2, 11, "endpoint"))]
    # production written alone (embedded is the default endpoint... of the sandbox only): no finding
    assert _findings("environment: production\n") == []
    # a wrong endpoint URL: its own line; named as annotations show it
    assert _findings("concurrency: 2\nendpoint: 'http://:80'\n", shown="acorn.yaml") == [
        ("SETTINGS_INVALID", "error", "endpoint 'http://:80' is not a valid URL: it has no host",
         ("acorn.yaml", 2, 11, "endpoint"))]
    text = "environment: production\nendpoint: regional\nlwa:\n  endpoint: 'http://lwa.example.com'\n"
    assert _findings(text)[0][3] == ("repo/acorn.yaml", 4, 13, "lwa.endpoint")
    assert _findings("secrets:\n  aws: {endpoint: 'ftp://x'}\n")[0][3] == \
        ("repo/acorn.yaml", 2, 19, "secrets.aws.endpoint")


def test_the_client_secret_rotation_is_found_at_its_line() -> None:
    text = "concurrency: 2\nlwa:\n  clientSecretRotatedOn: 2025-06-01\n"
    found = settings_findings(parse_settings(text, "/repo/acorn.yaml"), date(2026, 1, 1))
    assert [(f.code, f.severity, f.location.path, f.location.line, f.location.column, f.location.key)
            for f in found] == [("CLIENT_SECRET_EXPIRED", "block", "/repo/acorn.yaml", 3, 26,
                                 "lwa.clientSecretRotatedOn")]
    found = settings_findings(parse_settings(text, "/repo/acorn.yaml"), date(2026, 1, 1), shown="acorn.yaml")
    assert [f.location.path for f in found] == ["acorn.yaml"]


def test_an_explicitly_named_settings_file_must_exist(tmp_path) -> None:
    from reconciler.desired.settings import load_settings

    missing = tmp_path / "acorn.yaml"
    with pytest.raises(ConfigError) as caught:
        load_settings(missing, {}, required=True)
    assert str(caught.value) == f"config file {missing} does not exist"
    assert load_settings(missing, {}) == resolve_settings(None, {})  # the default name may be absent
    assert load_settings(missing, {}, offline=True) == Settings()
    assert load_settings(None, {"ACORN_ENDPOINT": "http://127.0.0.1:5"}).endpoint == "http://127.0.0.1:5"


def test_a_settings_file_that_contradicts_itself_is_refused_at_its_line(tmp_path) -> None:
    from reconciler.desired.settings import load_settings

    config = tmp_path / "acorn.yaml"
    # a secret long due for rotation blocks creates in plan; it is no error of the file itself
    config.write_text("environment: production\nendpoint: embedded\nlwa: {clientSecretRotatedOn: 2020-01-01}\n")
    with pytest.raises(DesiredStateError) as caught:
        load_settings(config, {})
    assert str(caught.value) == (f"{config}:2:11: endpoint: SETTINGS_INVALID: environment production cannot use "
                                 "the embedded sandbox: set endpoint to regional or a base URL\n"
                                 f"1 problem in {config}.")
    # the same file is fine when the run's own flags mend it; a run's own mistake stays a ConfigError
    assert load_settings(config, {}, endpoint="regional").endpoint == "regional"
    config.write_text("concurrency: 2\n")
    with pytest.raises(ConfigError, match="cannot use the embedded sandbox"):
        load_settings(config, {}, environment="production", endpoint="embedded")
    assert load_settings(config, {}, offline=True, environment="production").environment == "sandbox"
