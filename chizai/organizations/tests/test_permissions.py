"""Organisation-level permissions for the named cast (chizai.testing.CAST)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from chizai.organizations.demo_users import CAST, CAST_PASSWORD, CAST_USERNAMES
from chizai.organizations.models import Membership, Organization
from chizai.organizations.permissions import (
    can_edit_organization,
    can_review_organization,
    can_view_organization,
    memberships,
    primary_organization,
    scope_filter,
    sees_everything,
)

CENTRAL = {"jpo", "inpit"}
KANTO = ["08", "09", "10", "11", "12", "13", "14", "15", "19", "20", "22"]
KINKI = ["18", "25", "26", "27", "28", "29", "30"]


def _block(bureau: str, jis_codes: list[str]) -> set[str]:
    return {bureau} | {f"{prefix}-{jis}" for jis in jis_codes for prefix in ("pref", "window", "yorozu")}


def _all_codes() -> set[str]:
    return set(Organization.objects.values_list("code", flat=True))


def _visible(user) -> set[str]:
    return set(Organization.objects.visible_to(user).values_list("code", flat=True))


def _where(user, check) -> set[str]:
    return {o.code for o in Organization.objects.all() if check(user, o)}


EXPECTED_VISIBLE = {
    "kanto_reviewer": CENTRAL | _block("bureau-kanto", KANTO),
    "kinki_reviewer": CENTRAL | _block("bureau-kinki", KINKI),
    "tokyo_editor": CENTRAL | {"pref-13", "window-13", "yorozu-13"},
    "tokyo_viewer": CENTRAL | {"pref-13", "window-13", "yorozu-13"},
    "kanagawa_editor": CENTRAL | {"pref-14", "window-14", "yorozu-14"},
    "osaka_editor": CENTRAL | {"pref-27", "window-27", "yorozu-27"},
    "inpit_editor": CENTRAL | {f"window-{n:02d}" for n in range(1, 48)},
    "tokyo_window_editor": CENTRAL | {"window-13"},
}


@pytest.mark.django_db
def test_it_creates_the_cast_once_with_one_membership_each(jpo_admin):
    assert len(CAST) == len(CAST_USERNAMES) == 10
    for member in CAST:
        [membership] = Membership.objects.filter(user__username=member.username).select_related("organization")
        assert (membership.organization.code, membership.role) == (member.organization_code, member.role)
    assert jpo_admin.check_password(CAST_PASSWORD)


@pytest.mark.django_db
def test_it_hands_out_fresh_users_and_a_login_helper(tokyo_editor, client, login, org):
    assert not hasattr(tokyo_editor, "_chizai_memberships")
    assert primary_organization(tokyo_editor) == org("pref-13")
    assert hasattr(tokyo_editor, "_chizai_memberships")
    assert login(client, tokyo_editor) is client
    assert client.session["_auth_user_id"] == str(tokyo_editor.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["jpo_admin", "jpo_viewer"])
def test_it_lets_jpo_see_everything(request, username):
    user = request.getfixturevalue(username)
    assert sees_everything(user)
    assert _visible(user) == _all_codes()


@pytest.mark.django_db
@pytest.mark.parametrize("username", list(EXPECTED_VISIBLE))
def test_it_shows_each_cast_member_exactly_their_organisations(request, username):
    user = request.getfixturevalue(username)
    assert not sees_everything(user)
    assert _visible(user) == EXPECTED_VISIBLE[username]
    # The single-object check agrees with the queryset chokepoint.
    assert _where(user, can_view_organization) == EXPECTED_VISIBLE[username]


@pytest.mark.django_db
def test_it_shows_the_kanto_reviewer_its_whole_block_but_not_osaka(kanto_reviewer, org):
    visible = Organization.objects.visible_to(kanto_reviewer)
    for code in ("pref-13", "pref-15", "pref-22", "window-13", "yorozu-15", "bureau-kanto", "jpo", "inpit"):
        assert visible.filter(code=code).exists(), code
    for code in ("pref-27", "pref-16", "bureau-kinki", "jetro", "window-27"):
        assert not visible.filter(code=code).exists(), code
    assert org("pref-13") in visible


@pytest.mark.django_db
def test_it_shows_the_tokyo_editor_tokyo_and_the_central_bodies_only(tokyo_editor):
    visible = _visible(tokyo_editor)
    assert {"pref-13", "jpo", "inpit", "window-13", "yorozu-13"} <= visible
    assert "pref-14" not in visible
    assert "bureau-kanto" not in visible


@pytest.mark.django_db
def test_it_shows_nothing_to_an_anonymous_user(org):
    anonymous = AnonymousUser()
    assert not Organization.objects.visible_to(anonymous).exists()
    assert memberships(anonymous) == []
    assert primary_organization(anonymous) is None
    for code in ("jpo", "pref-13"):
        organization = org(code)
        assert not can_view_organization(anonymous, organization)
        assert not can_edit_organization(anonymous, organization)
        assert not can_review_organization(anonymous, organization)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "editable"),
    [
        ("tokyo_editor", {"pref-13"}),
        ("tokyo_viewer", set()),
        ("kanagawa_editor", {"pref-14"}),
        ("osaka_editor", {"pref-27"}),
        ("kanto_reviewer", set()),
        ("kinki_reviewer", set()),
        ("jpo_viewer", set()),
        ("inpit_editor", {"inpit"}),
        ("tokyo_window_editor", {"window-13"}),
    ],
)
def test_it_lets_editors_edit_only_their_own_organisation(request, username, editable):
    user = request.getfixturevalue(username)
    assert _where(user, can_edit_organization) == editable


@pytest.mark.django_db
def test_it_lets_the_jpo_admin_edit_and_review_everything(jpo_admin):
    assert _where(jpo_admin, can_edit_organization) == _all_codes()
    assert _where(jpo_admin, can_review_organization) == _all_codes()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "reviewed"),
    [
        ("kanto_reviewer", _block("bureau-kanto", KANTO)),
        ("kinki_reviewer", _block("bureau-kinki", KINKI)),
        ("jpo_viewer", set()),
        ("tokyo_editor", set()),
        ("tokyo_viewer", set()),
        ("osaka_editor", set()),
        ("inpit_editor", set()),
        ("tokyo_window_editor", set()),
    ],
)
def test_it_lets_bureau_reviewers_review_their_block_only(request, username, reviewed):
    user = request.getfixturevalue(username)
    assert _where(user, can_review_organization) == reviewed


@pytest.mark.django_db
def test_it_lets_the_kanto_reviewer_review_tokyo_not_osaka(kanto_reviewer, kinki_reviewer, org):
    assert can_review_organization(kanto_reviewer, org("pref-13"))
    assert can_review_organization(kanto_reviewer, org("pref-15"))  # 新潟 is 関東
    assert not can_review_organization(kanto_reviewer, org("pref-27"))
    assert can_review_organization(kinki_reviewer, org("pref-18"))  # 福井 is 近畿
    assert not can_review_organization(kinki_reviewer, org("pref-13"))


@pytest.mark.django_db
def test_it_scopes_related_rows_through_a_field(kanto_reviewer, tokyo_editor):
    def usernames(user) -> set[str]:
        rows = Membership.objects.filter(scope_filter(user, field="organization"))
        return set(rows.values_list("user__username", flat=True))

    assert usernames(kanto_reviewer) == {
        "jpo_admin",
        "jpo_viewer",
        "inpit_editor",
        "kanto_reviewer",
        "tokyo_editor",
        "tokyo_viewer",
        "kanagawa_editor",
        "tokyo_window_editor",
    }
    assert usernames(tokyo_editor) == {
        "jpo_admin",
        "jpo_viewer",
        "inpit_editor",
        "tokyo_editor",
        "tokyo_viewer",
        "tokyo_window_editor",
    }


@pytest.mark.django_db
def test_it_lets_a_superuser_do_everything(django_user_model, org):
    superuser = django_user_model.objects.create_superuser("root", password=CAST_PASSWORD)
    osaka = org("pref-27")
    assert sees_everything(superuser)
    assert can_edit_organization(superuser, osaka)
    assert can_review_organization(superuser, osaka)
    assert Organization.objects.visible_to(superuser).count() == Organization.objects.count()
