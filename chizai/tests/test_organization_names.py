"""Defect 9 (names): one name per body on every page, `Organization.display_name`, decided in the reference data.

東京都 not 東京, INPIT not its formal name, 日本商工会議所 not 日商; a user's own body is 自組織 everywhere.
Templates name a body through `display_name` (or `{{ organization }}`, whose str is the display name), never
through `.name`, the formal name (正式名称). `PENDING` lists the templates still using `.name` today, per file
and count, for their owners to switch; it can only shrink.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chizai.organizations.models import Organization

CHIZAI = Path(__file__).resolve().parents[1]
ROOT = CHIZAI.parent
ORGANIZATION_NAME = re.compile(
    r"\{\{[^}]*\b(owner|organization|bureau|referred_by|support_team|prefecture|registered_by|actor_organization|o)"
    r"\.name\b"
)

PENDING: dict[str, int] = {
    # An organisation's own page gives its formal name (正式名称) under the display name heading it.
    "chizai/kpis/templates/kpis/organization_detail.html": 1,
    # The agenda is rendered from a stored record (kept as of the meeting date) that holds each body's name
    # (its display name since issue 13; older records keep the formal name they were taken with).
    "chizai/meetings/templates/meetings/meeting_detail.html": 5,
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("pref-13", "東京都"),
        ("pref-27", "大阪府"),
        ("pref-01", "北海道"),
        ("inpit", "INPIT"),
        ("jcci", "日本商工会議所"),
        ("jetro", "JETRO"),
        ("bureau-kanto", "関東局"),
        ("window-13", "東京都知財総合支援窓口"),
    ],
)
def test_it_names_each_body_by_its_one_display_name(code: str, shown: str) -> None:
    organization = Organization.objects.get(code=code)

    assert organization.display_name == shown
    assert str(organization) == shown


@pytest.mark.django_db
def test_it_names_every_prefecture_in_full() -> None:
    assert all(p.display_name == p.name for p in Organization.objects.prefectures())


def _templates() -> list[Path]:
    return sorted(CHIZAI.rglob("templates/**/*.html"))


def test_it_calls_the_users_own_body_jisoshiki_everywhere() -> None:
    offenders = [p.relative_to(ROOT).as_posix() for p in _templates() if "自機関" in p.read_text(encoding="utf-8")]

    assert not offenders, f"「自機関」: the pages say 自組織 — {offenders}"


def test_it_names_bodies_in_templates_by_their_display_name() -> None:
    found = {}
    for path in _templates():
        count = len(ORGANIZATION_NAME.findall(path.read_text(encoding="utf-8")))
        if count:
            found[path.relative_to(ROOT).as_posix()] = count
    worse = {path: count for path, count in found.items() if count > PENDING.get(path, 0)}
    better = {path: found.get(path, 0) for path, count in PENDING.items() if found.get(path, 0) < count}

    assert not worse, f"templates naming a body by `.name` (use `.display_name`): {worse}"
    assert not better, f"PENDING counts to lower (the templates were fixed): {better}"
