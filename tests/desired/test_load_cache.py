"""The load cache: an unchanged file is not checked again, and anything that can change a
file's verdict (its text, a template, a setting, acorn itself, a link on disk) makes it be."""

from __future__ import annotations

import functools
import os
import shutil
from datetime import date
from pathlib import Path

import pytest

from reconciler.desired import loadcache, loader
from reconciler.desired.loadcache import LoadCache
from reconciler.desired.loader import judge_desired_partial, load_desired_partial
from reconciler.desired.verdict import judge, judged_verdict
from reconciler.domain.policy import Policy
from tests import FIXTURES, REPO


@pytest.fixture(autouse=True)
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The signing key goes to a cache folder of the test's own, never the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    return tmp_path / "user-cache"


def repo(tmp_path: Path) -> Path:
    desired = tmp_path / "repo" / "desired"
    shutil.copytree(REPO / "desired", desired)
    return desired


def load(desired: Path, *salt: str) -> tuple[LoadCache, list[str], list[str]]:
    cache = LoadCache(desired.parent / ".acorn", salt)
    state, problems = load_desired_partial(desired, cache=cache)
    return cache, [e.name for e in state.entities], [f"{p.key}: {p.message}" for p in problems]


def test_a_second_load_of_an_unchanged_tree_checks_no_file_and_gives_the_same_result(tmp_path: Path) -> None:
    desired = repo(tmp_path)
    first, names, problems = load(desired)
    assert first.hits == 0 and (desired.parent / ".acorn" / loadcache.CACHE_FILE).is_file()
    second, names_again, problems_again = load(desired)
    files = len(list((desired / "entities").glob("*.yaml"))) + len(list((desired / "templates").glob("*.j2")))
    assert second.hits == files
    assert (names_again, problems_again) == (names, problems) and len(names) == 6


def test_a_changed_file_is_checked_again(tmp_path: Path) -> None:
    desired = repo(tmp_path)
    load(desired)
    nord = desired / "entities" / "nordlicht-de.yaml"
    nord.write_text(nord.read_text().replace("sellerId: ", "sellerId: x"))
    cache, names, problems = load(desired)
    assert "nordlicht-de" not in names
    assert [p for p in problems if p.startswith("spec.sellerId")] == [
        "spec.sellerId: must be 10 to 20 upper-case letters and digits, like A3EXAMPLEACME01"]
    files = len(list((desired / "entities").glob("*.yaml"))) + 1
    assert cache.hits == files - 1  # every other file came from the cache
    assert load(desired)[0].hits == files  # and the cache now holds the new result beside the others


def test_a_changed_template_is_checked_again(tmp_path: Path) -> None:
    desired = repo(tmp_path)
    _, names, _ = load(desired)
    atlas = desired / "templates" / "atlas.yaml.j2"
    atlas.write_text(atlas.read_text().replace("{{ sellerId }}", "{{ seller_id }}"))
    _, names_after, problems = load(desired)
    assert {"atlas-uk", "atlas-ie"} <= set(names) and not {"atlas-uk", "atlas-ie"} & set(names_after)
    assert "rows[0]: template: 'seller_id' is undefined" in problems


def test_a_changed_setting_or_acorn_checks_every_file_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    desired = repo(tmp_path)
    load(desired, "settings A")
    assert load(desired, "settings A")[0].hits > 0
    assert load(desired, "settings B")[0].hits == 0  # another verdict-changing setting
    load(desired, "settings B")
    monkeypatch.setattr(loadcache, "code_digest", lambda: "another acorn")  # a new version or rule
    assert load(desired, "settings B")[0].hits == 0


def test_a_cache_not_signed_by_this_user_is_ignored(tmp_path: Path, user_cache: Path) -> None:
    """A cache committed to the repository (or made by anyone without the user's key) cannot
    make a bad file pass: it is not even read."""
    desired = repo(tmp_path)
    load(desired)
    shutil.rmtree(user_cache)  # another user, or a CI runner, with its own key
    cache, _, _ = load(desired)
    assert cache.hits == 0


def test_a_symbolic_link_added_later_is_seen_through_the_cache(tmp_path: Path) -> None:
    desired = tmp_path / "repo" / "desired"
    (desired / "entities").mkdir(parents=True)
    shutil.copy(FIXTURES / "valid.yaml", desired / "entities" / "valid.yaml")
    _, names, problems = load(desired)
    assert names == ["valid"] and problems == []
    uri = next(line.split("uri:", 1)[1].split(",")[0].strip() for line in (desired / "entities" / "valid.yaml")
               .read_text().splitlines() if "uri:" in line)
    folder = desired.parent / uri.split("/")[0]
    outside = tmp_path / "outside"
    outside.mkdir()
    folder.symlink_to(outside, target_is_directory=True)
    cache, names, problems = load(desired)
    assert names == []
    assert any("leaves the repository through a symbolic link" in p for p in problems)


def test_validate_twice_then_a_broken_file_is_reported(run_acorn, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    desired = repo(tmp_path)
    env = {"ACORN_TODAY": "2026-11-27"}
    first = run_acorn("validate", "--desired", str(desired), env=env)
    second = run_acorn("validate", "--desired", str(desired), env=env)
    assert (second.code, second.out, second.err) == (first.code, first.out, first.err)
    sakura = desired / "entities" / "sakura-jp.yaml"
    sakura.write_text(sakura.read_text().replace("kind: Entity", "kind: Entity\nkind: Entity"))
    third = run_acorn("validate", "--desired", str(desired), env=env)
    assert third.code == 1 and "kind: duplicate key (first written at line" in third.err


def judged(desired: Path, day: str) -> tuple[LoadCache, dict[str, list[str]]]:
    """validate's load: each entity judged by the verdict where it is loaded, the cache salted with the day."""
    when = date.fromisoformat(day)
    cache = LoadCache(desired.parent / ".acorn", ["settings", day])
    found, _ = judge_desired_partial(desired, functools.partial(judge, today=when, policy=Policy()), cache=cache)
    return cache, {j.name: [f.code for f in judged_verdict(j.name, j.judged).findings] for j in found}


def test_a_judged_tree_is_not_judged_again_the_same_day_and_is_the_next(tmp_path: Path) -> None:
    desired = repo(tmp_path)
    first, verdicts = judged(desired, "2026-12-07")
    second, again = judged(desired, "2026-12-07")
    files = len(list((desired / "entities").glob("*.yaml"))) + len(list((desired / "templates").glob("*.j2")))
    assert (first.hits, second.hits) == (0, files) and again == verdicts
    # maple-ca's ID document expires in 56 days: a date decides it, so another day judges every file again
    assert "ID_EXPIRES_TOO_SOON" in verdicts["maple-ca"]
    years_before, earlier = judged(desired, "2020-01-01")
    assert years_before.hits == 0 and "ID_EXPIRES_TOO_SOON" not in earlier["maple-ca"]


def test_a_judged_result_is_never_taken_for_a_loaded_one(tmp_path: Path) -> None:
    """validate's cache (judged entities) and a load of the entities themselves share the file, not the entries."""
    desired = repo(tmp_path)
    judged(desired, "2026-12-07")
    cache = LoadCache(desired.parent / ".acorn", ["settings", "2026-12-07"])
    state, _ = load_desired_partial(desired, cache=cache)
    assert cache.hits == 0 and len(state.entities) == 6


# The index: validate does not read a file whose status (size, times, inode) is the one it was read with.

LATER = 10**19  # a clock far ahead of every file's times: each file read is old enough to be indexed


def indexed(desired: Path, monkeypatch: pytest.MonkeyPatch, clock: int = LATER) -> tuple[LoadCache, list[str], dict]:
    """validate's load with the index's clock at `clock`: the cache, the files read, the verdicts."""
    read: list[str] = []
    real = loader.read_text

    def counted(path: str, limit: int) -> str:
        read.append(Path(path).name)
        return real(path, limit)

    monkeypatch.setattr(loader, "read_text", counted)
    cache = LoadCache(desired.parent / ".acorn", ["settings", "2026-12-07"], clock=lambda: clock)
    found, problems = judge_desired_partial(desired, functools.partial(judge, today=date(2026, 12, 7),
                                                                       policy=Policy()), cache=cache)
    verdicts = {j.name: [f.code for f in judged_verdict(j.name, j.judged).findings] for j in found}
    verdicts["(problems)"] = [f"{p.key}: {p.message}" for p in problems]
    return cache, sorted(read), verdicts


def test_validate_does_not_read_an_unchanged_file_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    desired = repo(tmp_path)
    first, read_first, verdicts = indexed(desired, monkeypatch)
    second, read_second, again = indexed(desired, monkeypatch)
    assert len(read_first) == 5 and read_second == [] and second.hits == 5 and again == verdicts


def broken_seller_id(nord: Path) -> str:
    """nordlicht-de's text with its sellerId made invalid, the same length."""
    text = nord.read_text()
    changed = text.replace("sellerId: A", "sellerId: a", 1)
    assert len(changed) == len(text) and changed != text
    return changed


def read_and_checked_again(desired: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, read, verdicts = indexed(desired, monkeypatch)
    assert read == ["nordlicht-de.yaml"]
    assert any(p.startswith("spec.sellerId: must be") for p in verdicts["(problems)"])


def test_a_file_changed_in_place_with_its_size_and_time_kept_is_read_and_checked_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its change time moved (no tool sets it back): that is enough."""
    desired = repo(tmp_path)
    indexed(desired, monkeypatch)
    nord = desired / "entities" / "nordlicht-de.yaml"
    before, changed = nord.stat(), broken_seller_id(nord)
    for _ in range(100_000):  # rewrite until the clock's tick moves the change time (at once on most systems)
        nord.write_text(changed)
        os.utime(nord, ns=(before.st_atime_ns, before.st_mtime_ns))
        if nord.stat().st_ctime_ns != before.st_ctime_ns:
            break
    after = nord.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
    read_and_checked_again(desired, monkeypatch)


def test_a_file_replaced_by_another_of_the_same_size_and_time_is_read_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    desired = repo(tmp_path)
    indexed(desired, monkeypatch)
    nord = desired / "entities" / "nordlicht-de.yaml"
    before = nord.stat()
    other = tmp_path / "other.yaml"
    other.write_text(broken_seller_id(nord))
    os.utime(other, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(other, nord)  # another inode, as an editor or `git checkout` writes it
    read_and_checked_again(desired, monkeypatch)


def test_a_file_changed_just_before_it_was_read_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write in the same tick of a coarse clock could keep its times: such a file is not indexed,
    and its result is still found by its text."""
    desired = repo(tmp_path)
    now = os.stat(desired / "entities" / "nordlicht-de.yaml").st_ctime_ns  # the files were just written
    first, _, verdicts = indexed(desired, monkeypatch, clock=now)
    second, read, again = indexed(desired, monkeypatch, clock=now)
    assert len(read) == 5 and second.hits == 5 and again == verdicts
