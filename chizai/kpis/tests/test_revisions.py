"""KPI revisions (KPIの見直し): proposing, reporting (applying from the effective year), withdrawing, notes."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chizai.audit.models import AuditEntry
from chizai.kpis import achievement
from chizai.kpis.actions import propose_revision, report_revision, withdraw_revision
from chizai.kpis.models import Kpi, KpiRevision, Notice, RevisionStatus, Target
from chizai.kpis.report import plan_report_markdown
from chizai.kpis.revisions import name_for_year, revision_note, revision_summary

pytestmark = pytest.mark.django_db

AFTER_THE_PLAN = datetime.date(2026, 6, 1)
OLD_NAME = "東京都 知財経営支援を受けた中小企業数"
NEW_NAME = "東京都 知財経営支援により知財戦略を策定した中小企業数"
VISION = "東京都産業振興ビジョンの改定（令和6年3月）により、支援の重点を知財戦略の策定に移したため。"


@pytest.fixture
def tokyo_kpi(make_kpi):
    """東京都's regional KPI: 30件 a year, with actuals of 33 (2023) and 36 (2024)."""
    return make_kpi(name=OLD_NAME, targets={2023: 30, 2024: 30, 2025: 30}, actuals={"2023": 33, "2024": 36})


def fresh(kpi: Kpi) -> Kpi:
    return Kpi.objects.with_values().get(pk=kpi.pk)


def targets_of(kpi: Kpi) -> dict[int, Decimal]:
    return {t.start_year: t.value for t in Target.objects.filter(kpi=kpi)}


def propose(kpi: Kpi, actor, **overrides) -> KpiRevision:
    arguments = {
        "kpi": kpi,
        "effective_year": 2024,
        "new_name": NEW_NAME,
        "new_baseline_value": None,
        "new_targets": {2024: Decimal(40), 2025: Decimal(45)},
        "vision_change": VISION,
        "actor": actor,
    }
    arguments.update(overrides)
    return propose_revision(**arguments)


# --- Proposing ---------------------------------------------------------------------------------------------


def test_it_records_a_proposal_with_the_old_values_and_leaves_the_kpi_unchanged(tokyo_kpi, tokyo_editor):
    revision = propose(tokyo_kpi, tokyo_editor)

    assert revision.status == RevisionStatus.PROPOSED
    assert revision.proposed_by == tokyo_editor
    assert (revision.old_name, revision.new_name) == (OLD_NAME, NEW_NAME)
    assert revision.target_changes == {"2024": ["30", "40"], "2025": ["30", "45"]}
    kpi = fresh(tokyo_kpi)
    assert kpi.name == OLD_NAME
    assert targets_of(kpi) == {2023: 30, 2024: 30, 2025: 30}


def test_it_records_only_the_targets_that_change(tokyo_kpi, tokyo_editor):
    revision = propose(tokyo_kpi, tokyo_editor, new_targets={2024: Decimal(30), 2025: Decimal("32.5")})

    assert revision.target_changes == {"2025": ["30", "32.5"]}


@pytest.mark.parametrize("user", ["tokyo_viewer", "osaka_editor", "kanto_reviewer", "kanagawa_editor"])
def test_it_refuses_a_proposal_from_anyone_but_the_owners_editors(tokyo_kpi, user, request):
    with pytest.raises(PermissionDenied):
        propose(tokyo_kpi, request.getfixturevalue(user))

    assert not KpiRevision.objects.exists()


def test_it_lets_a_jpo_administrator_propose_for_any_body(tokyo_kpi, jpo_admin):
    assert propose(tokyo_kpi, jpo_admin).status == RevisionStatus.PROPOSED


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"effective_year": 2026}, "適用開始年度は計画期間（2023～2025年度）の年度から選んでください。"),
        ({"vision_change": "  "}, "見直しの理由（産業振興ビジョンの改定等）を入力してください。"),
        (
            {"new_targets": {2023: Decimal(40)}},
            "適用開始年度より前（2023年度）の目標は変更できません。",
        ),
        (
            {"new_name": OLD_NAME, "new_targets": {2024: Decimal(30)}},
            "変更点がありません。指標名・基準値・目標のいずれかを変更してください。",
        ),
    ],
)
def test_it_explains_in_japanese_what_is_wrong_with_a_proposal(tokyo_kpi, tokyo_editor, overrides, message):
    with pytest.raises(ValidationError) as raised:
        propose(tokyo_kpi, tokyo_editor, **overrides)

    assert raised.value.messages == [message]
    assert not KpiRevision.objects.exists()


# --- Reporting applies the revision from its effective year -------------------------------------------------


def test_it_applies_a_reported_revision_from_the_effective_year_only(tokyo_kpi, tokyo_editor, kanto_reviewer):
    revision = propose(tokyo_kpi, tokyo_editor)
    versions = {t.start_year: t.version for t in Target.objects.filter(kpi=tokyo_kpi)}

    report_revision(revision=revision, actor=kanto_reviewer)

    kpi = fresh(tokyo_kpi)
    assert targets_of(kpi) == {2023: 30, 2024: 40, 2025: 45}
    after = {t.start_year: t.version for t in Target.objects.filter(kpi=kpi)}
    assert after == {2023: versions[2023], 2024: versions[2024] + 1, 2025: versions[2025] + 1}
    assert kpi.name == NEW_NAME
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.REPORTED
    assert revision.reported_at is not None


def test_it_judges_achievement_against_the_new_target_after_the_revision(tokyo_kpi, tokyo_editor, kanto_reviewer):
    before = {r.start_year: r for r in achievement.results(tokyo_kpi, AFTER_THE_PLAN)}
    assert before[2024].achievement == Decimal(120)

    report_revision(revision=propose(tokyo_kpi, tokyo_editor), actor=kanto_reviewer)

    after = {r.start_year: r for r in achievement.results(fresh(tokyo_kpi), AFTER_THE_PLAN)}
    assert after[2023].target == 30
    assert after[2023].achievement == Decimal(110)
    assert after[2023].status == achievement.Status.ACHIEVED
    assert after[2024].target == 40
    assert after[2024].achievement == Decimal(90)
    assert after[2024].status == achievement.Status.NOT_ACHIEVED


def test_it_annotates_the_revised_years_with_the_old_target(tokyo_kpi, tokyo_editor, kanto_reviewer):
    report_revision(revision=propose(tokyo_kpi, tokyo_editor), actor=kanto_reviewer)

    kpi = fresh(tokyo_kpi)
    assert revision_note(kpi, 2023) is None
    assert revision_note(kpi, 2024) == "令和6年度に目標改定（旧: 30件）"
    assert revision_note(kpi, 2025) == "令和6年度に目標改定（旧: 30件）"


def test_it_keeps_the_old_wording_for_the_years_before_the_revision(tokyo_kpi, tokyo_editor, kanto_reviewer):
    report_revision(revision=propose(tokyo_kpi, tokyo_editor), actor=kanto_reviewer)

    kpi = fresh(tokyo_kpi)
    assert name_for_year(kpi, 2023) == OLD_NAME
    assert name_for_year(kpi, 2024) == NEW_NAME
    assert name_for_year(kpi, 2025) == NEW_NAME


def test_it_has_no_annotation_for_a_proposal_not_yet_reported(tokyo_kpi, tokyo_editor):
    propose(tokyo_kpi, tokyo_editor)

    kpi = fresh(tokyo_kpi)
    assert revision_note(kpi, 2024) is None
    assert name_for_year(kpi, 2023) == OLD_NAME
    assert revision_summary(kpi) is None


def test_it_notes_the_latest_revision_of_a_year_revised_twice(tokyo_kpi, tokyo_editor, kanto_reviewer):
    report_revision(revision=propose(tokyo_kpi, tokyo_editor), actor=kanto_reviewer)
    second = propose(
        fresh(tokyo_kpi), tokyo_editor, effective_year=2025, new_name=NEW_NAME, new_targets={2025: Decimal(50)}
    )
    report_revision(revision=second, actor=kanto_reviewer)

    kpi = fresh(tokyo_kpi)
    assert revision_note(kpi, 2024) == "令和6年度に目標改定（旧: 30件）"
    assert revision_note(kpi, 2025) == "令和7年度に目標改定（旧: 45件）"
    assert targets_of(kpi) == {2023: 30, 2024: 40, 2025: 50}


def test_it_changes_the_baseline_when_the_revision_gives_one(make_kpi, tokyo_editor, kanto_reviewer):
    kpi = make_kpi(shape="baseline_target", baseline_value=100, baseline_year=2022, targets={2025: 150})

    revision = propose(
        kpi, tokyo_editor, new_name=kpi.name, new_baseline_value=Decimal(120), new_targets={2025: Decimal(180)}
    )
    report_revision(revision=revision, actor=kanto_reviewer)

    kpi = fresh(kpi)
    assert kpi.baseline_value == 120
    assert targets_of(kpi) == {2025: 180}


def test_it_writes_an_audit_entry_for_each_step_on_the_kpis_history(tokyo_kpi, tokyo_editor, kanto_reviewer):
    revision = propose(tokyo_kpi, tokyo_editor)
    report_revision(revision=revision, actor=kanto_reviewer)

    entries = list(AuditEntry.objects.for_kpi(tokyo_kpi.pk).filter(actor__isnull=False))
    actions = sorted((e.action, e.actor.username) for e in entries)
    assert actions == [
        ("kpi.revision.proposed", "tokyo_editor"),
        ("kpi.revision.reported", "kanto_reviewer"),
        ("kpi.target.updated", "kanto_reviewer"),
        ("kpi.target.updated", "kanto_reviewer"),
        ("kpi.updated", "kanto_reviewer"),
    ]
    target_entries = [e for e in entries if e.action == "kpi.target.updated"]
    assert sorted(e.changes["value"] for e in target_entries) == [["30", "40"], ["30", "45"]]
    assert all(VISION in e.reason for e in target_entries)
    proposed = next(e for e in entries if e.action == "kpi.revision.proposed")
    assert proposed.changes["target_changes"] == [None, "2024年度の目標: 30件 → 40件、2025年度の目標: 30件 → 45件"]
    assert proposed.changes["status"] == [None, "proposed"]
    renamed = next(e for e in entries if e.action == "kpi.updated")
    assert renamed.changes["name"] == [OLD_NAME, NEW_NAME]


@pytest.mark.parametrize(
    ("user", "allowed"),
    [("kanto_reviewer", True), ("jpo_admin", True), ("kinki_reviewer", False), ("tokyo_editor", False)],
)
def test_it_lets_only_the_blocks_bureau_or_jpo_report_a_regional_revision(
    tokyo_kpi, tokyo_editor, user, allowed, request
):
    revision = propose(tokyo_kpi, tokyo_editor)
    actor = request.getfixturevalue(user)

    if allowed:
        report_revision(revision=revision, actor=actor)
    else:
        with pytest.raises(PermissionDenied):
            report_revision(revision=revision, actor=actor)

    revision.refresh_from_db()
    assert (revision.status == RevisionStatus.REPORTED) is allowed
    assert (targets_of(tokyo_kpi)[2024] == 40) is allowed


def test_it_does_not_report_a_revision_twice(tokyo_kpi, tokyo_editor, kanto_reviewer):
    revision = propose(tokyo_kpi, tokyo_editor)
    report_revision(revision=revision, actor=kanto_reviewer)

    with pytest.raises(ValidationError) as raised:
        report_revision(revision=revision, actor=kanto_reviewer)

    assert raised.value.messages == ["提案中の見直しだけを報告済みにできます。"]


def test_it_refuses_to_apply_a_revision_whose_old_targets_changed_meanwhile(tokyo_kpi, tokyo_editor, kanto_reviewer):
    revision = propose(tokyo_kpi, tokyo_editor)
    Target.objects.filter(kpi=tokyo_kpi, start_year=2025).update(value=Decimal(33))

    with pytest.raises(ValidationError) as raised:
        report_revision(revision=revision, actor=kanto_reviewer)

    assert raised.value.messages == [
        "提案の後に2025年度の目標が変更されています。この見直しを取り下げて、改めて提案してください。"
    ]
    assert targets_of(tokyo_kpi) == {2023: 30, 2024: 30, 2025: 33}  # nothing applied, not even 2024
    assert fresh(tokyo_kpi).name == OLD_NAME


# --- Withdrawing ----------------------------------------------------------------------------------------------


def test_it_withdraws_a_proposal_and_leaves_the_kpi_unchanged(tokyo_kpi, tokyo_editor, kanto_reviewer):
    revision = propose(tokyo_kpi, tokyo_editor)

    withdraw_revision(revision=revision, actor=tokyo_editor)

    revision.refresh_from_db()
    assert revision.status == RevisionStatus.WITHDRAWN
    assert AuditEntry.objects.filter(kpi_id=tokyo_kpi.pk, action="kpi.revision.withdrawn").count() == 1
    with pytest.raises(ValidationError):
        report_revision(revision=revision, actor=kanto_reviewer)
    assert targets_of(tokyo_kpi) == {2023: 30, 2024: 30, 2025: 30}


@pytest.mark.parametrize("user", ["tokyo_viewer", "osaka_editor", "kanto_reviewer"])
def test_it_lets_only_the_owners_editors_withdraw(tokyo_kpi, tokyo_editor, user, request):
    revision = propose(tokyo_kpi, tokyo_editor)

    with pytest.raises(PermissionDenied):
        withdraw_revision(revision=revision, actor=request.getfixturevalue(user))

    revision.refresh_from_db()
    assert revision.status == RevisionStatus.PROPOSED


# --- Central KPIs: a notice to every body -------------------------------------------------------------------


def test_it_publishes_a_notice_when_a_central_kpi_revision_is_reported(plan3, kpi_of, jpo_admin):
    core = kpi_of(plan3, "core-model-case-support")
    revision = propose(core, jpo_admin, new_name=core.name, new_targets={2024: Decimal(70), 2025: Decimal(70)})

    report_revision(revision=revision, actor=jpo_admin)

    notice = Notice.objects.get()
    assert notice.revision == revision
    assert notice.title == f"中央KPIの見直し: {core.short_name}（令和6年度から）"
    assert "2024年度の目標: 60件 → 70件" in notice.body
    assert "2025年度の目標: 60件 → 70件" in notice.body
    assert VISION in notice.body


def test_it_publishes_no_notice_for_a_regional_revision(tokyo_kpi, tokyo_editor, kanto_reviewer):
    report_revision(revision=propose(tokyo_kpi, tokyo_editor), actor=kanto_reviewer)

    assert not Notice.objects.exists()


def test_it_lets_only_jpo_report_a_central_revision(plan3, kpi_of, jpo_admin, kanto_reviewer):
    core = kpi_of(plan3, "core-model-case-support")
    revision = propose(core, jpo_admin, new_name=core.name, new_targets={2024: Decimal(70)})

    with pytest.raises(PermissionDenied):
        report_revision(revision=revision, actor=kanto_reviewer)

    assert not Notice.objects.exists()


# --- The plan-format report ---------------------------------------------------------------------------------


def test_it_annotates_the_target_line_of_a_revised_kpi_in_the_plan_report(plan3, kpi_of, jpo_admin):
    core = kpi_of(plan3, "core-model-case-support")
    before = plan_report_markdown(plan3, today=AFTER_THE_PLAN).splitlines()
    revision = propose(core, jpo_admin, new_name=core.name, new_targets={2024: Decimal(70), 2025: Decimal(70)})
    report_revision(revision=revision, actor=jpo_admin)

    after = plan_report_markdown(plan3, today=AFTER_THE_PLAN).splitlines()

    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert changed == [
        (
            "【目標】60件/年度",
            "【目標】2023年度：60件、2024年度：70件、2025年度：70件（令和6年度に目標改定（旧: 60件））",
        )
    ]


def test_it_lists_each_old_target_when_they_differed(tokyo_kpi, make_kpi, tokyo_editor, kanto_reviewer):
    kpi = make_kpi(targets={2023: 5, 2024: 10, 2025: 15})
    revision = propose(kpi, tokyo_editor, new_name=kpi.name, new_targets={2024: Decimal(12), 2025: Decimal(18)})
    report_revision(revision=revision, actor=kanto_reviewer)

    assert revision_summary(fresh(kpi)) == "令和6年度に目標改定（旧: 2024年度 10件、2025年度 15件）"
    report_revision(revision=propose(tokyo_kpi, tokyo_editor), actor=kanto_reviewer)
    assert revision_summary(fresh(tokyo_kpi)) == (
        f"令和6年度に指標名を改定（旧: {OLD_NAME}）、令和6年度に目標改定（旧: 30件）"
    )
