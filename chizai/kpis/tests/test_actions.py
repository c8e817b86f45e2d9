"""Saving actuals and evaluations: audited, safe against concurrent edits, and a subset never above its parent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chizai.audit.context import current_request_id
from chizai.audit.models import AuditEntry
from chizai.kpis import actions
from chizai.kpis.actions import CONFLICT_MESSAGE, ConflictError
from chizai.kpis.models import Actual, ActualSource, Evaluation, HalfChoice, Kpi

D = Decimal


def save(kpi: Kpi, value: Decimal | int | None, *, actor, expected_version: int | None, year: int = 2023, **extra):
    return actions.save_actual(
        kpi=kpi,
        start_year=year,
        end_year=year,
        value=None if value is None else D(value),
        expected_version=expected_version,
        actor=actor,
        **extra,
    )


@pytest.fixture
def core(plan3, kpi_of) -> Kpi:
    return kpi_of(plan3, "core-model-case-support")


@pytest.fixture
def discovery(plan3, kpi_of) -> Kpi:
    return kpi_of(plan3, "core-regional-discovery")


@pytest.fixture
def tokyo_kpi(make_kpi) -> Kpi:
    return make_kpi(owner="pref-13", targets={2023: 10})


# --- actuals ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_creates_an_actual_and_audits_who_entered_what(tokyo_kpi, tokyo_editor):
    actual = save(tokyo_kpi, 12, actor=tokyo_editor, expected_version=0, reason="上期の集計")

    assert actual is not None
    assert (actual.value, actual.source, actual.version) == (D(12), ActualSource.ENTERED, 1)
    entry = AuditEntry.objects.get(action="kpi.actual.created")
    assert entry.actor == tokyo_editor and entry.actor_label == "tokyo_editor"
    assert (entry.kpi_id, entry.plan_id, entry.reason) == (tokyo_kpi.pk, tokyo_kpi.plan_id, "上期の集計")
    assert entry.changes == {"value": [None, "12"], "source": [None, "entered"]}
    assert entry.object_id == str(actual.pk)


@pytest.mark.django_db
def test_it_updates_an_actual_and_audits_old_and_new(tokyo_kpi, tokyo_editor):
    save(tokyo_kpi, 12, actor=tokyo_editor, expected_version=0)

    actual = save(tokyo_kpi, 15, actor=tokyo_editor, expected_version=1)

    assert (actual.value, actual.version) == (D(15), 2)
    entry = AuditEntry.objects.get(action="kpi.actual.updated")
    assert entry.changes == {"value": ["12", "15"]}
    assert entry.actor == tokyo_editor


@pytest.mark.django_db
def test_it_writes_nothing_when_the_same_value_is_saved_again(tokyo_kpi, tokyo_editor):
    save(tokyo_kpi, 12, actor=tokyo_editor, expected_version=0)

    actual = save(tokyo_kpi, 12, actor=tokyo_editor, expected_version=1)

    assert actual.version == 1
    assert AuditEntry.objects.filter(kpi_id=tokyo_kpi.pk).count() == 1


@pytest.mark.django_db
def test_it_deletes_an_actual_saved_without_a_figure(tokyo_kpi, tokyo_editor):
    save(tokyo_kpi, 12, actor=tokyo_editor, expected_version=0)

    result = save(tokyo_kpi, None, actor=tokyo_editor, expected_version=1, reason="誤入力")

    assert result is None
    assert not Actual.objects.filter(kpi=tokyo_kpi).exists()
    entry = AuditEntry.objects.get(action="kpi.actual.deleted")
    assert entry.changes == {"value": ["12", None], "source": ["entered", None]}
    assert entry.reason == "誤入力"


@pytest.mark.django_db
def test_it_does_nothing_when_deleting_an_actual_that_does_not_exist(tokyo_kpi, tokyo_editor):
    assert save(tokyo_kpi, None, actor=tokyo_editor, expected_version=0) is None

    assert not AuditEntry.objects.filter(kpi_id=tokyo_kpi.pk).exists()


@pytest.mark.django_db
def test_it_saves_a_ratio_from_numerator_and_denominator(make_kpi, jpo_admin):
    kpi = make_kpi(owner="jpo", unit="%", shape="ratio", targets={2023: 60})

    actual = actions.save_actual(
        kpi=kpi,
        start_year=2023,
        end_year=2023,
        half=HalfChoice.FIRST,
        value=None,
        numerator=D(9),
        denominator=D(15),
        expected_version=0,
        actor=jpo_admin,
    )

    assert actual is not None and actual.figure == D("60.0")


# --- concurrent edits ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_refuses_the_second_of_two_edits_made_from_the_same_version(tokyo_kpi, tokyo_editor, jpo_admin):
    save(tokyo_kpi, 10, actor=tokyo_editor, expected_version=0)
    seen_by_both = Actual.objects.get(kpi=tokyo_kpi).version
    assert seen_by_both == 1

    save(tokyo_kpi, 11, actor=tokyo_editor, expected_version=seen_by_both)
    with pytest.raises(ConflictError) as raised:
        save(tokyo_kpi, 99, actor=jpo_admin, expected_version=seen_by_both)

    assert raised.value.message == CONFLICT_MESSAGE
    assert "他の利用者が同じ値を更新しています" in str(raised.value)
    actual = Actual.objects.get(kpi=tokyo_kpi)
    assert (actual.value, actual.version) == (D(11), 2), "the first user's value is kept"
    assert not AuditEntry.objects.filter(actor=jpo_admin).exists()


@pytest.mark.django_db
def test_it_refuses_to_create_an_actual_someone_created_meanwhile(tokyo_kpi, tokyo_editor, jpo_admin):
    save(tokyo_kpi, 10, actor=tokyo_editor, expected_version=0)

    with pytest.raises(ConflictError):
        save(tokyo_kpi, 20, actor=jpo_admin, expected_version=0)

    assert Actual.objects.get(kpi=tokyo_kpi).value == D(10)


@pytest.mark.django_db
def test_it_refuses_to_delete_an_actual_changed_since_it_was_seen(tokyo_kpi, tokyo_editor, jpo_admin):
    save(tokyo_kpi, 10, actor=tokyo_editor, expected_version=0)
    save(tokyo_kpi, 11, actor=tokyo_editor, expected_version=1)

    with pytest.raises(ConflictError):
        save(tokyo_kpi, None, actor=jpo_admin, expected_version=1)

    assert Actual.objects.filter(kpi=tokyo_kpi).exists()


# --- subsets (内数) --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_refuses_regional_discoveries_above_the_core_indicator_of_the_same_year(core, discovery, jpo_admin):
    save(core, 4, actor=jpo_admin, expected_version=0)

    with pytest.raises(ValidationError) as raised:
        save(discovery, 5, actor=jpo_admin, expected_version=0)

    message = raised.value.messages[0]
    assert "内数" in message and "5件" in message and "4件" in message and "超えています" in message
    assert not Actual.objects.filter(kpi=discovery).exists()


@pytest.mark.django_db
def test_it_accepts_regional_discoveries_up_to_the_core_indicator(core, discovery, jpo_admin):
    save(core, 4, actor=jpo_admin, expected_version=0)
    save(core, 9, actor=jpo_admin, expected_version=0, year=2024)

    assert save(discovery, 4, actor=jpo_admin, expected_version=0) is not None
    assert save(discovery, 9, actor=jpo_admin, expected_version=0, year=2024) is not None


@pytest.mark.django_db
def test_it_refuses_to_lower_the_core_indicator_below_its_regional_discoveries(core, discovery, jpo_admin):
    save(core, 10, actor=jpo_admin, expected_version=0)
    save(discovery, 5, actor=jpo_admin, expected_version=0)

    with pytest.raises(ValidationError) as raised:
        save(core, 4, actor=jpo_admin, expected_version=1)

    assert "下回れません" in raised.value.messages[0]
    assert Actual.objects.get(kpi=core).value == D(10)


# --- evaluations -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_creates_updates_and_deletes_an_evaluation_with_audit(tokyo_kpi, tokyo_editor):
    def save_text(text: str, version: int) -> Evaluation | None:
        return actions.save_evaluation(
            kpi=tokyo_kpi, start_year=2023, end_year=2023, text=text, expected_version=version, actor=tokyo_editor
        )

    created = save_text("  セミナーに新規企業の参加があった。  ", 0)
    assert created is not None and created.text == "セミナーに新規企業の参加があった。"

    updated = save_text("目標を達成した。", 1)
    assert updated is not None and updated.version == 2

    assert save_text("   ", 2) is None
    assert not Evaluation.objects.filter(kpi=tokyo_kpi).exists()

    entries = list(AuditEntry.objects.filter(kpi_id=tokyo_kpi.pk).order_by("pk"))
    assert [e.action for e in entries] == [
        "kpi.evaluation.created",
        "kpi.evaluation.updated",
        "kpi.evaluation.deleted",
    ]
    assert entries[1].changes == {"text": ["セミナーに新規企業の参加があった。", "目標を達成した。"]}
    assert entries[2].changes == {"text": ["目標を達成した。", None]}
    assert all(e.actor == tokyo_editor for e in entries)


@pytest.mark.django_db
def test_it_refuses_an_evaluation_changed_since_it_was_seen(tokyo_kpi, tokyo_editor, jpo_admin):
    actions.save_evaluation(
        kpi=tokyo_kpi, start_year=2023, end_year=2023, text="最初", expected_version=0, actor=tokyo_editor
    )

    with pytest.raises(ConflictError):
        actions.save_evaluation(
            kpi=tokyo_kpi, start_year=2023, end_year=2023, text="別の人", expected_version=0, actor=jpo_admin
        )

    assert Evaluation.objects.get(kpi=tokyo_kpi).text == "最初"


# --- every write is audited with its request id ----------------------------------------------------------


@pytest.mark.django_db
def test_it_leaves_an_audit_entry_with_a_request_id_for_every_write(tokyo_kpi, tokyo_editor):
    save(tokyo_kpi, 1, actor=tokyo_editor, expected_version=0)
    token = current_request_id.set("a1b2c3d4e5f6")
    try:
        save(tokyo_kpi, 2, actor=tokyo_editor, expected_version=1)
        actions.save_evaluation(
            kpi=tokyo_kpi, start_year=2023, end_year=2023, text="所見", expected_version=0, actor=tokyo_editor
        )
    finally:
        current_request_id.reset(token)
    save(tokyo_kpi, None, actor=tokyo_editor, expected_version=2)

    entries = list(AuditEntry.objects.filter(kpi_id=tokyo_kpi.pk).order_by("pk").values_list("action", "request_id"))
    assert entries == [
        ("kpi.actual.created", ""),
        ("kpi.actual.updated", "a1b2c3d4e5f6"),
        ("kpi.evaluation.created", "a1b2c3d4e5f6"),
        ("kpi.actual.deleted", ""),
    ]


@pytest.mark.django_db
def test_it_refuses_a_whole_year_subset_above_a_parent_entered_by_halves(core, discovery, jpo_admin):
    save(core, 3, actor=jpo_admin, expected_version=0, half=HalfChoice.FIRST)
    save(core, 2, actor=jpo_admin, expected_version=0, half=HalfChoice.SECOND)

    with pytest.raises(ValidationError) as raised:
        save(discovery, 6, actor=jpo_admin, expected_version=0)

    assert "年間実績" in raised.value.messages[0] and "6件" in raised.value.messages[0]
    assert "5件" in raised.value.messages[0]
    assert save(discovery, 5, actor=jpo_admin, expected_version=0) is not None


@pytest.mark.django_db
def test_it_refuses_subset_halves_that_add_up_to_more_than_the_parents_year(core, discovery, jpo_admin):
    save(core, 10, actor=jpo_admin, expected_version=0)  # 通期 only
    save(discovery, 4, actor=jpo_admin, expected_version=0, half=HalfChoice.FIRST)
    save(discovery, 5, actor=jpo_admin, expected_version=0, half=HalfChoice.SECOND)

    with pytest.raises(ValidationError) as raised:
        save(discovery, 7, actor=jpo_admin, expected_version=1, half=HalfChoice.SECOND)  # 4 + 7 = 11 > 10

    assert "11件" in raised.value.messages[0] and "10件" in raised.value.messages[0]
    assert Actual.objects.get(kpi=discovery, half=HalfChoice.SECOND).value == 5


@pytest.mark.django_db
def test_it_refuses_an_actual_of_another_organisation(tokyo_kpi, kanagawa_editor):
    with pytest.raises(PermissionDenied):
        save(tokyo_kpi, 5, actor=kanagawa_editor, expected_version=0)

    assert not Actual.objects.filter(kpi=tokyo_kpi).exists()
