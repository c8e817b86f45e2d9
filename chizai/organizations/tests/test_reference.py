"""The reference organisations (関係主体) loaded from data/organizations.yaml."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chizai.organizations.models import Membership, Organization, OrganizationKind, SupportBodyType
from chizai.organizations.reference import DEFAULT_PATH, load_reference_organizations

TOTAL = 2 + 9 + 47 * 3 + 7  # JPO, INPIT, bureaus, prefectures + windows + よろず, national support bodies

# DOMAIN.md, "Regional blocks (bureau → prefectures)", verbatim.
BLOCKS = {
    "bureau-hokkaido": "北海道",
    "bureau-tohoku": "青森 岩手 宮城 秋田 山形 福島",
    "bureau-kanto": "茨城 栃木 群馬 埼玉 千葉 東京 神奈川 新潟 山梨 長野 静岡",
    "bureau-chubu": "富山 石川 岐阜 愛知 三重",
    "bureau-kinki": "福井 滋賀 京都 大阪 兵庫 奈良 和歌山",
    "bureau-chugoku": "鳥取 島根 岡山 広島 山口",
    "bureau-shikoku": "徳島 香川 愛媛 高知",
    "bureau-kyushu": "福岡 佐賀 長崎 熊本 大分 宮崎 鹿児島",
    "bureau-okinawa": "沖縄",
}
BUREAU_OF_PREFECTURE = {short: bureau for bureau, names in BLOCKS.items() for short in names.split()}


def _write_entries(tmp_path: Path, entries: list[dict]) -> Path:
    path = tmp_path / "organizations.yaml"
    path.write_text(yaml.safe_dump({"organizations": entries}, allow_unicode=True), encoding="utf-8")
    return path


def _reference_entries() -> list[dict]:
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))["organizations"]


def _writes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]


@pytest.mark.django_db
def test_it_loads_47_prefectures_with_jis_codes_01_to_47():
    prefectures = list(Organization.objects.prefectures())
    assert [p.jis_code for p in prefectures] == [f"{n:02d}" for n in range(1, 48)]
    assert [p.code for p in prefectures] == [f"pref-{n:02d}" for n in range(1, 48)]
    assert [p.sort_order for p in prefectures] == list(range(1, 48))
    names = {p.jis_code: (p.name, p.display_name) for p in prefectures}
    assert names["01"] == ("北海道", "北海道")
    assert names["13"] == ("東京都", "東京都")
    assert names["26"] == ("京都府", "京都府")
    assert names["27"] == ("大阪府", "大阪府")
    assert names["47"] == ("沖縄県", "沖縄県")
    assert all(name.endswith(("都", "道", "府", "県")) for name, _ in names.values())


@pytest.mark.django_db
def test_it_puts_every_prefecture_in_its_block_as_in_the_domain():
    assert len(BUREAU_OF_PREFECTURE) == 47
    prefectures = Organization.objects.prefectures().select_related("bureau")
    actual = {p.name.removesuffix(p.name[-1] if p.name[-1] in "都府県" else ""): p.bureau.code for p in prefectures}
    assert actual == BUREAU_OF_PREFECTURE
    for p in Organization.objects.prefectures():
        assert p.parent_id == p.bureau_id


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("jis", "name", "bureau"),
    [
        ("13", "東京都", "bureau-kanto"),
        ("15", "新潟県", "bureau-kanto"),
        ("19", "山梨県", "bureau-kanto"),
        ("20", "長野県", "bureau-kanto"),
        ("22", "静岡県", "bureau-kanto"),
        ("18", "福井県", "bureau-kinki"),
        ("16", "富山県", "bureau-chubu"),
        ("24", "三重県", "bureau-chubu"),
        ("47", "沖縄県", "bureau-okinawa"),
        ("01", "北海道", "bureau-hokkaido"),
    ],
)
def test_it_places_border_prefectures_in_the_right_block(org, jis, name, bureau):
    prefecture = org(f"pref-{jis}")
    assert (prefecture.name, prefecture.jis_code, prefecture.bureau.code) == (name, jis, bureau)
    assert prefecture in Organization.objects.in_block(org(bureau))


@pytest.mark.django_db
def test_it_loads_the_9_bureaus_under_jpo():
    bureaus = list(Organization.objects.bureaus())
    assert [b.code for b in bureaus] == list(BLOCKS)
    assert [b.sort_order for b in bureaus] == list(range(1, 10))
    assert [b.block_name for b in bureaus] == [
        "北海道",
        "東北",
        "関東",
        "中部",
        "近畿",
        "中国",
        "四国",
        "九州",
        "沖縄",
    ]
    assert {b.parent.code for b in bureaus} == {"jpo"}
    kanto = bureaus[2]
    assert (kanto.name, kanto.short_name, kanto.display_name) == (
        "関東経済産業局 知的財産室",
        "関東局",
        "関東局",
    )
    assert bureaus[8].name == "内閣府沖縄総合事務局 経済産業部 知的財産室"
    assert bureaus[8].short_name == "沖縄総合事務局"


@pytest.mark.django_db
def test_it_loads_jpo_and_inpit_as_central_bodies(org):
    jpo, inpit = org("jpo"), org("inpit")
    assert (jpo.kind, jpo.name, jpo.is_central) == (OrganizationKind.JPO, "特許庁", True)
    assert (inpit.kind, inpit.name, inpit.short_name) == (
        "inpit",
        "独立行政法人工業所有権情報・研修館",
        "INPIT",
    )
    assert inpit.is_central
    assert not org("pref-13").is_central


@pytest.mark.django_db
def test_it_links_each_of_the_47_windows_to_its_prefecture_and_block():
    windows = list(
        Organization.objects.filter(kind=OrganizationKind.INPIT_WINDOW).select_related("prefecture", "parent")
    )
    assert len(windows) == 47
    for window in windows:
        jis = window.code.removeprefix("window-")
        assert window.prefecture.jis_code == jis
        assert window.parent.code == "inpit"
        assert window.bureau_id == window.prefecture.bureau_id
        assert window.name == f"{window.prefecture.name}知財総合支援窓口"
    assert Organization.objects.get(code="window-13").name == "東京都知財総合支援窓口"


@pytest.mark.django_db
def test_it_loads_the_47_yorozu_and_the_national_support_bodies():
    yorozu = Organization.objects.filter(support_body_type=SupportBodyType.YOROZU).select_related("prefecture")
    assert yorozu.count() == 47
    for body in yorozu:
        assert body.kind == OrganizationKind.SUPPORT_BODY
        assert body.code == f"yorozu-{body.prefecture.jis_code}"
        assert body.bureau_id == body.prefecture.bureau_id
        assert body.name == f"{body.prefecture.name}よろず支援拠点"
    national = Organization.objects.filter(kind=OrganizationKind.SUPPORT_BODY, bureau__isnull=True)
    assert {b.support_body_type for b in national} == {
        "jetro",
        "smrj",
        "chamber",
        "shokokai",
        "invention_association",
        "patent_attorneys",
        "lawyers",
    }
    assert {b.name for b in national} >= {
        "日本商工会議所",
        "全国商工会連合会",
        "日本弁理士会",
        "日本弁護士連合会",
    }
    assert all(b.prefecture_id is None for b in national)
    assert Organization.objects.count() == TOTAL


@pytest.mark.django_db
def test_it_changes_nothing_when_loaded_twice():
    before = list(Organization.objects.values())
    with CaptureQueriesContext(connection) as queries:
        counts = load_reference_organizations()
    assert counts == {"created": 0, "updated": 0, "unchanged": TOTAL}
    assert _writes(queries) == []
    assert len(queries) <= 5
    assert list(Organization.objects.values()) == before
    assert load_reference_organizations() == counts


@pytest.mark.django_db
def test_it_loads_an_empty_database_with_a_few_bulk_queries():
    Membership.objects.all().delete()
    Organization.objects.update(parent=None, bureau=None, prefecture=None)
    Organization.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        counts = load_reference_organizations()
    assert counts == {"created": TOTAL, "updated": 0, "unchanged": 0}
    assert len(queries) <= 20
    assert Organization.objects.get(code="window-13").prefecture.code == "pref-13"
    assert load_reference_organizations() == {"created": 0, "updated": 0, "unchanged": TOTAL}


@pytest.mark.django_db
def test_it_updates_only_what_changed(org, tmp_path):
    Organization.objects.filter(code="pref-13").update(name="東京", bureau=org("bureau-kinki"))
    entries = _reference_entries()
    for entry in entries:
        if entry["code"] == "jetro":
            entry["short_name"] = "ジェトロ"
    with CaptureQueriesContext(connection) as queries:
        counts = load_reference_organizations(_write_entries(tmp_path, entries))
    assert counts == {"created": 0, "updated": 2, "unchanged": TOTAL - 2}
    assert len(_writes(queries)) <= 2
    tokyo = org("pref-13")
    assert (tokyo.name, tokyo.bureau.code) == ("東京都", "bureau-kanto")
    assert org("jetro").short_name == "ジェトロ"


def _broken(entries: list[dict], code: str, **changes) -> list[dict]:
    for entry in entries:
        if entry["code"] == code:
            entry.update(changes)
    return entries


BROKEN_FILES = {
    "unknown parent": (
        lambda e: _broken(e, "window-27", parent="inpit-osaka"),
        ["window-27", "上位組織", "inpit-osaka", "見つかりません"],
    ),
    "unknown bureau": (
        lambda e: _broken(e, "pref-15", bureau="bureau-hokuriku"),
        ["pref-15", "所管局", "bureau-hokuriku"],
    ),
    "bureau is not a bureau": (
        lambda e: _broken(e, "pref-15", bureau="pref-13"),
        ["pref-15", "所管局", "pref-13"],
    ),
    "duplicate code": (
        lambda e: [*e, {"code": "pref-13", "kind": "support_body", "name": "重複"}],
        ["pref-13", "重複"],
    ),
    "JIS code out of range": (
        lambda e: _broken(e, "pref-47", jis_code="48"),
        ["pref-47", "都道府県コード", "48"],
    ),
    "JIS code not a string": (
        lambda e: _broken(e, "pref-13", jis_code=13),
        ["pref-13", "jis_code", "文字列"],
    ),
    "duplicate JIS code": (lambda e: _broken(e, "pref-14", jis_code="13"), ["pref-14", "13", "重複"]),
    "unknown kind": (lambda e: _broken(e, "jetro", kind="agency"), ["jetro", "種別", "agency"]),
    "cycle": (
        lambda e: [
            *e,
            {"code": "loop-a", "kind": "support_body", "name": "A", "parent": "loop-b"},
            {"code": "loop-b", "kind": "support_body", "name": "B", "parent": "loop-a"},
        ],
        ["循環", "loop-a"],
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(BROKEN_FILES))
def test_it_writes_nothing_and_explains_in_japanese_when_the_file_is_broken(tmp_path, case):
    make, words = BROKEN_FILES[case]
    # A new body first and a changed one: both would be written if the loader did not validate first.
    entries = [{"code": "new-body", "kind": "support_body", "name": "新しい支援機関"}, *_reference_entries()]
    entries = make(_broken(entries, "jpo", name="特許庁（変更）"))
    before = list(Organization.objects.values())
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValueError) as excinfo:
        load_reference_organizations(_write_entries(tmp_path, entries))
    message = str(excinfo.value)
    for word in words:
        assert word in message
    assert _writes(queries) == []
    assert list(Organization.objects.values()) == before


@pytest.mark.django_db
def test_it_rejects_a_jis_code_already_used_by_another_prefecture(tmp_path):
    entries = [{"code": "pref-tokyo", "kind": "prefecture", "jis_code": "13", "name": "東京都"}]
    with pytest.raises(ValueError, match="pref-tokyo.*登録済みの pref-13"):
        load_reference_organizations(_write_entries(tmp_path, entries))
    assert not Organization.objects.filter(code="pref-tokyo").exists()


@pytest.mark.django_db
def test_it_reports_unreadable_yaml_in_japanese(tmp_path):
    path = tmp_path / "organizations.yaml"
    path.write_text("organizations:\n  - {code: jpo, name: [\n", encoding="utf-8")
    with pytest.raises(ValueError, match="YAML の書式"):
        load_reference_organizations(path)
    path.write_text("- jpo\n", encoding="utf-8")
    with pytest.raises(ValueError, match="organizations のリスト"):
        load_reference_organizations(path)


@pytest.mark.django_db
def test_it_summarises_the_setup_reference_command_in_japanese(tmp_path):
    out = StringIO()
    call_command("setup_reference", stdout=out)
    assert out.getvalue().strip() == f"関係主体: 新規 0件、更新 0件、変更なし {TOTAL}件"

    broken = _write_entries(tmp_path, _broken(_reference_entries(), "pref-13", parent="nowhere"))
    with pytest.raises(CommandError, match="何も変更していません.*pref-13"):
        call_command("setup_reference", "--file", str(broken), stdout=StringIO())


def test_it_registers_admins_that_pass_the_system_checks():
    assert admin.site.is_registered(Organization)
    assert admin.site.is_registered(Membership)
    errors = [e for e in admin.site.check(None) if e.obj and e.obj.__module__.startswith("chizai.organizations")]
    assert errors == []
