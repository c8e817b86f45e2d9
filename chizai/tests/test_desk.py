"""Issue 13, the official's desk: the problems users found, each checked against the pages they saw.

Forms show errors beside their fields and a summary at the top in field order; breadcrumbs come from the
navigation table; the reviewer reads before the buttons; 「やること」 leads to the form; one date rule; the
Atom link opens a page about the feed, not XML.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from chizai.cases.models import IssueCategory, ModelCaseStatus
from chizai.cases.tests.fixtures_model_cases import make_closed_case, make_model_case
from chizai.organizations.models import Membership, Role
from chizai.pdca.tests import fixtures_pdca as fx
from chizai.search.navigation import HELP_TEXTS, MENU
from chizai.testing import CAST_PASSWORD

pdca_today = fx.pdca_today
pdca_data = fx.pdca_data
tokyo_evaluation = fx.tokyo_evaluation

CHIZAI = Path(__file__).resolve().parents[1]


def templates() -> dict[str, str]:
    return {
        p.relative_to(CHIZAI).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(CHIZAI.rglob("templates/**/*.html"))
    }


class Elements(HTMLParser):
    """Every element's attributes by id, and the text of each element with an id (enough for these checks)."""

    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, dict[str, str]] = {}
        self.text: dict[str, str] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            self.by_id[values["id"]] = {"tag": tag, **values}
            self.text[values["id"]] = ""
            if tag not in {"input", "br", "img", "link", "meta"}:
                self._open.append(values["id"])
        elif tag not in {"input", "br", "img", "link", "meta"}:
            self._open.append("")

    def handle_endtag(self, tag: str) -> None:
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for element_id in self._open:
            if element_id:
                self.text[element_id] += data


def elements(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    return parser


# --- forms: errors beside their fields, a summary in field order ---------------------------------------------

# Forms whose fields are not one Django field each, with their own markup tied the same way (aria-invalid,
# aria-describedby, an error beside each input): the KPI grid's cells, the self-evaluation's per-KPI reason
# cells, the meeting's attendance table, and the public survey's questions (a questionnaire, not a Django form).
OWN_FIELD_MARKUP = {
    "templates/includes/form_field.html",
    "templates/includes/form_errors.html",
    "pdca/templates/pdca/_evaluation_table.html",
    "meetings/templates/meetings/meeting_detail.html",
    "surveys/templates/surveys/answer.html",
    "kpis/templates/kpis/grid.html",
}


def test_every_form_shows_its_field_errors_through_the_one_include() -> None:
    by_hand = [
        path
        for path, text in templates().items()
        if re.search(r"in [\w.]+\.errors|\{\{ *[\w.]+\.errors|non_field_errors", text) and path not in OWN_FIELD_MARKUP
    ]
    assert by_hand == [], "render fields with includes/form_field.html and includes/form_errors.html"


def test_no_form_is_dumped_with_as_div_or_as_p() -> None:
    dumped = [path for path, text in templates().items() if re.search(r"\{\{ *\w+\.as_(div|p|table|ul) *\}\}", text)]
    assert dumped == ["templates/mfa/authenticate.html"]  # allauth's hidden WebAuthn form: no visible field


def test_an_invite_with_two_errors_marks_both_fields_and_sums_them_up_in_field_order(
    client: Any, org: Any, db: None
) -> None:
    admin = get_user_model().objects.create_user("tokyo_admin", "admin@metro.example.lg.jp", CAST_PASSWORD)
    Membership.objects.create(user=admin, organization=org("pref-13"), role=Role.ADMIN)
    client.force_login(admin)

    response = client.post(
        reverse("accounts:member_list", args=["pref-13"]),
        {"username": "鈴木 花子", "email": "not-an-address", "role": "editor"},
    )

    page = elements(response.content.decode())
    for name in ("username", "email"):
        field = page.by_id[f"id_{name}"]
        assert field["aria-invalid"] == "true"
        assert f"id_{name}-error" in field["aria-describedby"].split()
        assert page.text[f"id_{name}-error"].strip(), name
    summary = re.search(r'<ul class="error-summary">(.*?)</ul>', response.content.decode(), re.S)
    assert summary
    assert re.findall(r'href="#([^"]+)"', summary.group(1)) == ["id_username", "id_email"]
    assert "必須" in page.text.get("field-username", "")  # the required field is marked beside its label


def test_a_refused_token_life_stands_beside_the_days_field(
    client: Any, login: Any, tokyo_editor: Any, settings: Any
) -> None:
    settings.API_TOKEN_DAYS = 30
    login(client, tokyo_editor)

    response = client.post(reverse("api:token"), {"action": "issue", "days": "31"})

    page = elements(response.content.decode())
    assert page.by_id["id_days"]["aria-invalid"] == "true"
    assert "1日から30日まで" in page.text["id_days-error"]
    assert 'href="#id_days"' in response.content.decode()


def test_a_figure_that_is_no_number_is_marked_on_the_kpis_entry_form(
    client: Any, login: Any, tokyo_editor: Any, pdca_data: Any
) -> None:
    kpi = pdca_data.tokyo_kpi
    login(client, tokyo_editor)

    response = client.post(
        reverse("kpis:actual_edit", args=[kpi.pk]), {"year": 2023, "half": "H1", "value": "たくさん", "version": 0}
    )

    page = elements(response.content.decode())
    assert page.by_id["id_value"]["aria-invalid"] == "true"
    assert "数値を入力してください" in page.text["id_value-error"]
    # The period selects keep reloading the form for the chosen period (htmx), now set by the form itself.
    assert page.by_id["id_year"]["hx-get"] == reverse("kpis:actual_edit", args=[kpi.pk])


# --- breadcrumbs from the navigation table --------------------------------------------------------------------


def test_no_signed_in_page_writes_its_own_breadcrumb_trail() -> None:
    trails = [
        path
        for path, text in templates().items()
        if "breadcrumb" in text and path != "templates/includes/breadcrumbs.html" and "/public/" not in path
    ]
    own = [path for path in trails if re.search(r'class="breadcrumb|パンくず', templates()[path])]
    assert own == []


def crumbs(html: str) -> list[str]:
    trail = re.search(r'<nav aria-label="現在位置" class="breadcrumb[^"]*">(.*?)</nav>', html, re.S)
    assert trail, "the page has breadcrumbs"
    items = re.findall(r"<li>(.*?)</li>", trail.group(1), re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", item).split()) for item in items]


def test_a_page_below_a_menu_page_extends_the_navigation_trail_down_to_itself(
    client: Any, login: Any, tokyo_editor: Any, tokyo_evaluation: Any
) -> None:
    evaluation = tokyo_evaluation()
    login(client, tokyo_editor)

    detail = client.get(reverse("pdca:evaluation_detail", args=[evaluation.pk])).content.decode()
    edit = client.get(reverse("pdca:evaluation_edit", args=[evaluation.pk])).content.decode()

    assert crumbs(detail) == ["ホーム", "KPI・PDCA", "自己評価", "東京都 2023年度上期"]
    assert crumbs(edit) == ["ホーム", "KPI・PDCA", "自己評価", "東京都 2023年度上期", "編集"]
    assert f'<li><a href="{reverse("pdca:evaluation_detail", args=[evaluation.pk])}">' in edit


@pytest.mark.parametrize(
    ("url_name", "trail"),
    [
        ("kpis:dashboard", ["ホーム", "全国ダッシュボード"]),
        ("cases:network", ["ホーム", "ハンズオン支援", "紹介ネットワーク"]),
        ("cases:case_overdue", ["ホーム", "ハンズオン支援", "期限超過の案件"]),
        ("search:results", ["ホーム", "検索"]),
    ],
)
def test_top_pages_have_their_trail(client: Any, login: Any, jpo_admin: Any, url_name: str, trail: list[str]) -> None:
    login(client, jpo_admin)
    assert crumbs(client.get(reverse(url_name)).content.decode()) == trail


# Pages without the app's signed-in layout (Django's admin, the Swagger page, the public site): no 操作説明 line.
NO_HELP_LINE = {"admin:index", "api:docs", "public:model_case_list"}


def test_every_menu_page_explains_itself() -> None:
    missing = [
        link.url_name
        for group in MENU
        for link in group.links
        if link.url_name not in HELP_TEXTS and link.url_name not in NO_HELP_LINE
    ]
    assert missing == []


# --- the reviewer reads first ---------------------------------------------------------------------------------


def test_the_model_case_reviewer_reads_the_texts_before_the_approve_and_return_buttons(
    client: Any, login: Any, jpo_admin: Any
) -> None:
    model_case = make_model_case(status=ModelCaseStatus.SUBMITTED, summary="地域の金属加工の事例。")
    login(client, jpo_admin)

    html = client.get(reverse("cases:model_case_review", args=[model_case.pk])).content.decode()

    assert 'id="review-actions"' in html
    assert html.index("地域の金属加工の事例。") < html.index('id="review-actions"')


# --- 「やること」 leads to the form -------------------------------------------------------------------------------


def test_a_returned_evaluation_is_announced_on_the_dashboard_with_a_link_to_its_form(
    client: Any, login: Any, tokyo_editor: Any, tokyo_evaluation: Any
) -> None:
    evaluation = tokyo_evaluation("submit", "return")
    login(client, tokyo_editor)

    dashboard = client.get(reverse("kpis:dashboard")).content.decode()
    todo = client.get(reverse("pdca:todo")).content.decode()

    edit = reverse("pdca:evaluation_edit", args=[evaluation.pk])
    assert "差し戻された自己評価が<strong>1件</strong>" in dashboard
    assert f'href="{edit}"' in dashboard
    assert re.search(rf'href="{edit}">修正する</a>', todo)


def test_several_returned_evaluations_lead_to_the_list_of_them(
    client: Any, login: Any, tokyo_editor: Any, tokyo_evaluation: Any, pdca_data: Any
) -> None:
    tokyo_evaluation("submit", "return")
    fx.advance(fx.make_evaluation(pdca_data.period(2023, "H2"), "pref-13"), "submit", "return")
    login(client, tokyo_editor)

    dashboard = client.get(reverse("kpis:dashboard")).content.decode()

    assert "差し戻された自己評価が<strong>2件</strong>" in dashboard
    assert f'href="{reverse("pdca:todo")}#todo-own-returned"' in dashboard


# --- one date rule --------------------------------------------------------------------------------------------


def test_templates_show_dates_only_through_the_one_rule() -> None:
    """`|date` is left for machine-readable attributes (datetime="…", content="…"); people read |ymd."""
    shown = [
        (path, match)
        for path, text in templates().items()
        for match in re.findall(r'(?<!datetime=")(?<!content=")\{\{[^}]*\|date:[^}]*\}\}', text)
    ]
    assert shown == []


def test_the_audit_log_gives_its_times_by_the_date_rule(client: Any, login: Any, jpo_admin: Any) -> None:
    login(client, jpo_admin)
    client.post(reverse("api:token"), {"action": "issue"})  # something to log

    html = client.get(reverse("audit:entry_list")).content.decode()

    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}:\d{2}", html)
    assert not re.search(r"\d{4}/\d{2}/\d{2}", html)


# --- the Atom feed --------------------------------------------------------------------------------------------


def test_the_public_menu_leads_to_a_page_about_the_feed_not_to_the_xml(client: Any, db: None) -> None:
    listing = client.get(reverse("public:model_case_list")).content.decode()
    page = client.get(reverse("public:feed_help"))

    assert f'href="{reverse("public:feed_help")}"' in listing
    assert not re.search(rf'<a href="{reverse("public:model_case_feed")}"', listing)
    feed_url = page.context["feed_url"]
    assert feed_url.endswith(reverse("public:model_case_feed"))
    assert f'value="{feed_url}" readonly' in page.content.decode()


def test_the_feed_stays_plain_atom_for_feed_readers(client: Any, db: None) -> None:
    """No XSLT for browsers: Chromium is removing it (and warns on every such page); people get the page above."""
    response = client.get(reverse("public:model_case_feed"))

    assert response["Content-Type"].startswith("application/atom+xml")
    assert "<?xml-stylesheet" not in response.content.decode()


# --- similarity in words, with its reason ---------------------------------------------------------------------


def test_a_similar_model_case_is_shown_in_words_with_the_issues_it_shares(
    client: Any, login: Any, jpo_admin: Any
) -> None:
    make_model_case(
        title="海外での商標出願と模倣品対策",
        summary="輸出先の国で商標を出願し、現地の模倣品に対処した。",
        categories=[IssueCategory.OVERSEAS, IssueCategory.RIGHTS],
    )
    case = make_closed_case(
        company_name="株式会社川田工業", issues=((IssueCategory.OVERSEAS, "輸出先で商標を出願したい。"),)
    )
    login(client, jpo_admin)

    html = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()

    similar = re.search(r'<ol class="similar-list">(.*?)</ol>', html, re.S)
    assert similar
    assert re.search(
        r"(よく|やや|少し)似ている（\d+%）・共通する課題: " + str(IssueCategory.OVERSEAS.label), similar.group(1)
    )
    assert not re.search(r"類似度|0\.\d", similar.group(1))
