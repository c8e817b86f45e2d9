"""An audit entry as a user reads it: Japanese labels, shown values, a Japanese verb."""

from __future__ import annotations

import pytest

from chizai.audit.log import log
from chizai.audit.models import AuditEntry
from chizai.organizations.models import Membership, Organization

pytestmark = pytest.mark.django_db


def test_it_shows_choices_related_rows_and_booleans_by_their_japanese_names() -> None:
    window = Organization.objects.get(code="window-13")
    before = {"kind": "prefecture", "prefecture": None, "parent": None, "sort_order": 3, "version": 1}
    after = {"kind": "inpit_window", "prefecture": "pref-13", "parent": window.parent_id, "sort_order": 4, "version": 2}

    entry = log(None, "organization.updated", window, before, after)

    assert entry is not None
    rows = {label: (old, new) for label, old, new in entry.change_rows}
    assert rows["種別"] == ("自治体（都道府県）", "知財総合支援窓口")
    assert rows["所在都道府県"] == (None, "東京都")
    assert rows["上位組織"][1] == window.parent.display_name
    assert rows["表示順"] == (3, 4)
    assert "版" not in rows and "version" not in rows  # bookkeeping is not history
    assert entry.action_label == "関係主体の更新"


def test_it_shows_booleans_as_hai_iie_and_hides_code_names_it_cannot_label() -> None:
    membership = Membership.objects.select_related("user").first()
    assert membership is not None

    entry = log(None, "user.updated", membership.user, {"is_staff": False, "x_internal": 1}, {"is_staff": True})

    assert entry is not None
    assert [tuple(row) for row in entry.change_rows] == [("スタッフ権限", "いいえ", "はい")]


def test_it_shows_dates_in_the_pages_format() -> None:
    changes = {"date_joined": [None, "2025-04-01T09:30:00"]}
    entry = AuditEntry(action="user.updated", object_type="auth.user", changes=changes)

    assert [tuple(row) for row in entry.change_rows][0][2] == "2025年4月1日 09:30"
