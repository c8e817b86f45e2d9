"""Who sees which case: the support team in full, the referring body its status, everyone else counts only."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from chizai.cases import access, actions, history
from chizai.cases.models import Company, Stage, SupportCase
from chizai.cases.tests import fixtures_cases as fx
from chizai.organizations.models import Membership, Organization, Role

cases_data = fx.cases_data
cases_today = fx.cases_today

pytestmark = pytest.mark.django_db


def visible(user) -> set[int]:
    return set(SupportCase.objects.visible_to(user).values_list("pk", flat=True))


def test_it_lets_every_jpo_member_see_every_case_in_full(cases_data, jpo_admin, jpo_viewer):
    every = {cases_data.tokyo_case.pk, cases_data.kanagawa_case.pk, cases_data.push_case.pk}
    for user in (jpo_admin, jpo_viewer):
        assert visible(user) == every
        assert access.case_access(user, cases_data.tokyo_case) == access.FULL


def test_it_lets_a_referring_prefecture_see_only_the_status_of_its_referrals(cases_data, tokyo_editor, tokyo_viewer):
    for user in (tokyo_editor, tokyo_viewer):
        assert visible(user) == {cases_data.tokyo_case.pk}
        assert access.case_access(user, cases_data.tokyo_case) == access.STATUS
        assert access.case_access(user, cases_data.kanagawa_case) is None
        assert not SupportCase.objects.fully_visible_to(user).exists()


def test_it_shows_other_bodies_nothing_but_counts(cases_data, osaka_editor, kanto_reviewer, inpit_editor):
    # 関東局 reviews 東京都 and 神奈川県, but the cases belong to the support team and the referrers only.
    for user in (osaka_editor, kanto_reviewer, inpit_editor):
        assert visible(user) == set()
        assert access.case_access(user, cases_data.tokyo_case) is None
        assert not Company.objects.visible_to(user).exists()


def test_it_gives_a_support_team_other_than_jpo_the_full_view_of_its_cases(cases_data, inpit_editor, org):
    case = cases_data.kanagawa_case
    SupportCase.objects.filter(pk=case.pk).update(support_team=org("inpit"))
    case.refresh_from_db()
    assert access.case_access(inpit_editor, case) == access.FULL
    assert access.can_write_case(inpit_editor, case)
    assert visible(inpit_editor) == {case.pk}


def test_it_lets_only_editors_of_jpo_or_the_team_write(cases_data, jpo_admin, jpo_viewer, tokyo_editor):
    case = cases_data.tokyo_case
    assert access.can_write_case(jpo_admin, case)
    assert not access.can_write_case(jpo_viewer, case)
    assert not access.can_write_case(tokyo_editor, case)


def test_it_fetches_a_case_through_one_chokepoint(cases_data, tokyo_editor, osaka_editor, jpo_viewer, jpo_admin):
    pk = cases_data.tokyo_case.pk
    assert access.get_case_for_user(tokyo_editor, pk).pk == pk
    with pytest.raises(Http404):
        access.get_case_for_user(osaka_editor, pk)
    with pytest.raises(PermissionDenied):
        access.get_case_for_user(tokyo_editor, pk, write=True)
    with pytest.raises(PermissionDenied):
        access.get_case_for_user(jpo_viewer, pk, write=True)
    assert access.get_case_for_user(jpo_admin, pk, write=True).pk == pk


def test_it_shows_companies_of_cases_in_full_and_those_the_organisation_registered(
    cases_data, tokyo_editor, kanagawa_editor, jpo_viewer
):
    names = lambda user: set(Company.objects.visible_to(user).values_list("name", flat=True))  # noqa: E731
    assert names(tokyo_editor) == {fx.TOKYO_COMPANY}
    assert names(kanagawa_editor) == {fx.KANAGAWA_COMPANY}
    assert names(jpo_viewer) == set(cases_data.company_names)
    with pytest.raises(Http404):
        access.get_company_for_user(tokyo_editor, cases_data.kanagawa_case.company_id)


def test_it_lets_editors_of_non_jpo_bodies_refer_and_jpo_editors_open_push_cases(
    cases_data, tokyo_editor, tokyo_viewer, jpo_admin, jpo_viewer, tokyo_window_editor
):
    assert [o.code for o in access.referring_organizations(tokyo_editor)] == ["pref-13"]
    assert [o.code for o in access.referring_organizations(tokyo_window_editor)] == ["window-13"]
    assert access.referring_organizations(tokyo_viewer) == []
    assert access.can_open_push_cases(jpo_admin) and not access.can_open_push_cases(tokyo_editor)
    assert not access.can_refer(jpo_viewer) and not access.can_refer(tokyo_viewer)


def test_it_counts_whole_days_in_the_current_stage(cases_data):
    case = cases_data.tokyo_case
    entered = timezone.make_aware(datetime.datetime(2025, 10, 1, 23, 30))
    case.stage_entered_at = entered
    assert case.days_in_stage(datetime.date(2025, 10, 1)) == 0
    assert case.days_in_stage(datetime.date(2025, 10, 31)) == 30


def test_it_lists_open_cases_past_their_due_date_as_overdue(cases_data, jpo_admin, tokyo_editor):
    tokyo, kanagawa, push = cases_data.tokyo_case, cases_data.kanagawa_case, cases_data.push_case
    SupportCase.objects.filter(pk=tokyo.pk).update(stage_due_date=datetime.date(2025, 11, 3))
    SupportCase.objects.filter(pk=kanagawa.pk).update(stage_due_date=datetime.date(2025, 11, 4))  # due today
    SupportCase.objects.filter(pk=push.pk).update(stage_due_date=datetime.date(2025, 1, 1), stage=Stage.CLOSED)
    today = fx.TODAY
    assert [c.pk for c in access.overdue_cases(jpo_admin, today)] == [tokyo.pk]
    assert [c.pk for c in access.overdue_cases(tokyo_editor, today)] == [tokyo.pk]
    assert list(access.overdue_cases(tokyo_editor, datetime.date(2025, 11, 3))) == []
    tokyo.refresh_from_db()
    assert tokyo.is_overdue(today) and not tokyo.is_overdue(datetime.date(2025, 11, 3))


def test_it_never_counts_a_case_without_a_due_date_or_a_closed_one_as_overdue(cases_data):
    case = cases_data.tokyo_case
    case.stage_due_date = None
    assert not case.is_overdue(fx.TODAY)
    case.stage_due_date, case.stage = datetime.date(2020, 1, 1), Stage.CLOSED
    assert not case.is_overdue(fx.TODAY)


def test_it_computes_the_time_spent_in_each_stage_from_the_history(cases_data, jpo_admin):
    case = cases_data.push_case
    actions.move_stage(case=case, to_stage=Stage.HEARING, actor=jpo_admin)
    changes = list(case.stage_changes.all())
    changes[0].at = timezone.make_aware(datetime.datetime(2025, 4, 1, 9))
    changes[1].at = timezone.make_aware(datetime.datetime(2025, 4, 11, 15))
    periods = history.stage_history(changes, datetime.date(2025, 4, 21))
    assert [(p.change.to_stage, p.days, p.current) for p in periods] == [
        (Stage.REFERRAL, 10, False),
        (Stage.HEARING, 10, True),
    ]


def test_it_gives_a_superuser_everything(cases_data, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.invalid", "x")
    assert len(visible(admin)) == 3
    assert access.can_write_case(admin, cases_data.tokyo_case)


def test_it_records_companies_in_the_name_of_the_first_body_the_user_edits_for(db, django_user_model, org):
    user = django_user_model.objects.create_user("two_hats")
    Membership.objects.create(user=user, organization=org("pref-27"), role=Role.VIEWER)
    Membership.objects.create(user=user, organization=org("window-27"), role=Role.EDITOR)
    registering = access.registering_organization(user)
    assert isinstance(registering, Organization) and registering.code == "window-27"
