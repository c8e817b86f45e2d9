"""The figures table follows every write path: after each, `chizai verify_figures` finds no difference.

Runs on the demo world (plan load, demo load and the case counting it runs), then writes through the entry form,
the API, the admin, a KPI revision and a case recount, and finally tampers with a stored figure.
"""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from chizai.kpis.actions import propose_revision, report_revision
from chizai.kpis.models import Actual, FigureView, Kpi, KpiFigure, Target
from chizai.tests.world import World

pytestmark = pytest.mark.django_db


def verify_figures(*args: str) -> str:
    out = StringIO()
    call_command("verify_figures", *args, stdout=out)
    return out.getvalue()


def assert_consistent() -> None:
    assert "一致しています" in verify_figures()


def user(username: str) -> Any:
    return get_user_model().objects.get(username=username)


def test_it_is_consistent_after_the_plan_load_the_demo_load_and_its_case_counting(world: World) -> None:
    assert KpiFigure.objects.filter(view=FigureView.COMPUTED).count() == Kpi.objects.count()
    assert Kpi.objects.exclude(counting_rule="").exists(), "the demo counts some KPIs from its cases"
    assert_consistent()


def test_it_follows_the_entry_form(world: World, client: Any) -> None:
    kpi = world.sides["tokyo"].kpi
    client.force_login(user("tokyo_editor"))
    before = list(KpiFigure.objects.filter(kpi=kpi).values_list("actual", flat=True))

    stored = Actual.objects.filter(kpi=kpi, start_year=2025, end_year=2025, half="H2").first()
    version = stored.version if stored else 0

    response = client.post(
        reverse("kpis:actual_edit", args=[kpi.pk]), {"year": 2025, "half": "H2", "value": "987", "version": version}
    )

    assert response.status_code == 302, response.content.decode()[-2000:]
    assert list(KpiFigure.objects.filter(kpi=kpi).values_list("actual", flat=True)) != before
    assert_consistent()


def test_it_follows_the_api(world: World) -> None:
    kpi = world.sides["osaka"].kpi
    api = APIClient()
    api.force_authenticate(user("osaka_editor"))

    stored = Actual.objects.filter(kpi=kpi, start_year=2025, end_year=2025, half="H2").first()
    body = {"year": 2025, "half": "H2", "value": 3, "version": stored.version if stored else 0}

    response = api.post(f"/api/kpis/{kpi.pk}/actuals/", body, format="json")

    assert response.status_code == 200, response.json()
    assert KpiFigure.objects.filter(kpi=kpi, view=FigureView.YEAR, end_year=2025, second_half=3).exists()
    assert_consistent()


def test_it_follows_a_target_deleted_in_the_admin(world: World, client: Any) -> None:
    target = Target.objects.filter(kpi=world.sides["tokyo"].kpi).order_by("-start_year").first()
    assert target is not None
    admin = get_user_model().objects.create_superuser("figures_admin", "figures@example.jp", "pass-1234-chizai")
    client.force_login(admin)

    response = client.post(f"/admin/kpis/target/{target.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Target.objects.filter(pk=target.pk).exists()
    assert_consistent()


def test_it_follows_a_reported_revision(world: World) -> None:
    kpi = Kpi.objects.get(pk=world.sides["osaka"].kpi.pk)
    revision = propose_revision(
        kpi=kpi,
        effective_year=2025,
        new_name="",
        new_baseline_value=None,
        new_targets={2025: Decimal(4321)},
        vision_change="産業振興ビジョンの改定",
        actor=user("osaka_editor"),
    )

    report_revision(revision=revision, actor=user("jpo_admin"))

    assert KpiFigure.objects.filter(kpi=kpi, view=FigureView.YEAR, end_year=2025, target=4321).exists()
    assert_consistent()


def test_it_follows_a_recount_of_the_cases(world: World) -> None:
    from chizai.cases.counting import recompute_plan

    recompute_plan(world.plan, actor=user("jpo_admin"))

    assert_consistent()


def test_it_reports_a_tampered_figure_and_fix_rebuilds_it(world: World) -> None:
    figure = KpiFigure.objects.filter(view=FigureView.YEAR, achievement__isnull=False).first()
    assert figure is not None
    KpiFigure.objects.filter(pk=figure.pk).update(achievement=Decimal("999.9"))

    with pytest.raises(CommandError, match="集計値が目標・実績と異なります"):
        verify_figures()
    fixed = verify_figures("--fix")

    assert "計算し直しました" in fixed
    assert_consistent()


def test_it_follows_a_survey_answer_typed_in_from_a_call(world: World) -> None:
    from chizai.surveys.actions import enter_answers
    from chizai.surveys.models import Channel, Invitation

    kpi = Kpi.objects.get(plan=world.plan, code="survey-effect-demo")
    invitation = Invitation.objects.filter(
        questionnaire__code="demo-follow-up", answered_at__isnull=True, closed_at__isnull=True
    ).first()
    assert invitation is not None, "the demo leaves follow-up invitations unanswered"
    before = Actual.objects.get(kpi=kpi, start_year=invitation.fiscal_year, end_year=invitation.fiscal_year)
    raw = {"ip_in_strategy": "はい", "acted": "はい", "growth": "はい", "ip_used": "はい", "impressions": []}
    raw["impressions"] = ["社内の知財意識が高まった"]

    enter_answers(invitation=invitation, raw=raw, channel=Channel.PHONE, actor=user("jpo_admin"))

    after = Actual.objects.get(pk=before.pk)
    assert (after.numerator, after.denominator) == (before.numerator + 1, before.denominator + 1)
    assert after.source_note != before.source_note  # the response rate moved with it
    assert_consistent()
