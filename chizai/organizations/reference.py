"""Loading the reference organisations (関係主体) from `data/organizations.yaml` into the database.

The file is validated as a whole before anything is written; a broken file raises `ValueError`
with a Japanese message naming the entry and leaves the database untouched. Entries are upserted
by `code` in dependency order (an organisation after its parent, bureau and prefecture), with a
handful of bulk queries per dependency level. A second load changes nothing and writes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import models, transaction

from chizai.organizations.models import Organization, OrganizationKind, SupportBodyType

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "organizations.yaml"

REFERENCE_FIELDS = ("parent", "bureau", "prefecture")
TEXT_FIELDS = ("kind", "name", "short_name", "jis_code", "support_body_type", "block_name")
ALLOWED_KEYS = frozenset({"code", *TEXT_FIELDS, "sort_order", *REFERENCE_FIELDS})
REFERENCE_LABELS = {"parent": "上位組織", "bureau": "所管局", "prefecture": "所在都道府県"}
REQUIRED_REFERENCE_KIND = {"bureau": OrganizationKind.BUREAU, "prefecture": OrganizationKind.PREFECTURE}

JIS_CODE_RE = re.compile(r"^(0[1-9]|[1-3][0-9]|4[0-7])$")
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+$")


def _max_length(name: str) -> int:
    field = Organization._meta.get_field(name)
    assert isinstance(field, models.CharField) and field.max_length is not None, name
    return field.max_length


_CODE_MAX_LENGTH = _max_length("code")
_TEXT_MAX_LENGTHS = {name: _max_length(name) for name in TEXT_FIELDS}


@dataclass
class _Entry:
    index: int  # 1-based position in the file
    code: str
    values: dict[str, Any]  # text fields and sort_order
    refs: dict[str, str | None] = field(default_factory=dict)  # parent/bureau/prefecture → code

    @property
    def label(self) -> str:
        return f"{self.index}件目（code: {self.code}）"


def load_reference_organizations(path: str | Path | None = None) -> dict[str, int]:
    """Upsert the reference organisations; returns counts {"created", "updated", "unchanged"}."""
    path = Path(path) if path is not None else DEFAULT_PATH
    entries = _parse(path)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with transaction.atomic():
        existing = {org.code: org for org in Organization.objects.all()}
        _check_against_database(entries, existing, path)
        pks = {code: org.pk for code, org in existing.items()}
        for level in _dependency_levels(entries, path):
            _upsert_level(level, existing, pks, counts)
    return counts


# --- validation -------------------------------------------------------------------------------------


def _parse(path: Path) -> list[_Entry]:
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{name}: ファイルを読み込めません（{exc}）") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"{name}: YAML の書式が正しくありません（{exc}）") from exc
    if not isinstance(data, dict) or not isinstance(data.get("organizations"), list):
        raise ValueError(f"{name}: 最上位に organizations のリストが必要です")

    entries: list[_Entry] = []
    seen: dict[str, int] = {}
    seen_jis: dict[str, str] = {}
    kinds = set(OrganizationKind.values)
    support_types = set(SupportBodyType.values)
    for index, raw in enumerate(data["organizations"], start=1):
        where = f"{name} の {index}件目"
        if not isinstance(raw, dict):
            raise ValueError(f"{where}: 項目はマッピング（code: …, name: …）で書いてください")
        code = raw.get("code")
        if not isinstance(code, str) or not code:
            raise ValueError(f"{where}: code がありません")
        where = f"{name} の {index}件目（code: {code}）"
        if not SLUG_RE.match(code) or len(code) > _CODE_MAX_LENGTH:
            raise ValueError(f"{where}: code は{_CODE_MAX_LENGTH}文字以内の英数字・ハイフン・下線にしてください")
        if code in seen:
            raise ValueError(f"{where}: code「{code}」が重複しています（{seen[code]}件目と同じ）")
        seen[code] = index
        unknown = sorted(set(raw) - ALLOWED_KEYS)
        if unknown:
            raise ValueError(f"{where}: 不明な項目があります: {', '.join(map(str, unknown))}")

        values: dict[str, Any] = {}
        for key in TEXT_FIELDS:
            value = raw.get(key)
            if value is None:
                value = ""
            if not isinstance(value, str):
                raise ValueError(f'{where}: {key} は文字列で書いてください（例: "13"）')
            if len(value) > _TEXT_MAX_LENGTHS[key]:
                raise ValueError(f"{where}: {key} が長すぎます（{_TEXT_MAX_LENGTHS[key]}文字まで）")
            values[key] = value
        if not values["name"]:
            raise ValueError(f"{where}: 名称（name）がありません")
        if values["kind"] not in kinds:
            raise ValueError(f"{where}: 種別（kind）「{values['kind']}」は不明です（{', '.join(sorted(kinds))}）")
        if values["support_body_type"] and values["support_body_type"] not in support_types:
            raise ValueError(f"{where}: 支援機関の種類「{values['support_body_type']}」は不明です")
        if values["support_body_type"] and values["kind"] != OrganizationKind.SUPPORT_BODY:
            raise ValueError(f"{where}: support_body_type は支援機関（support_body）にだけ指定できます")
        jis = values["jis_code"]
        if values["kind"] == OrganizationKind.PREFECTURE:
            if not JIS_CODE_RE.match(jis):
                raise ValueError(
                    f'{where}: 都道府県コード（JIS）「{jis}」が正しくありません（"01"〜"47" の2桁の文字列）'
                )
            if jis in seen_jis:
                raise ValueError(f"{where}: 都道府県コード（JIS）「{jis}」は {seen_jis[jis]} と重複しています")
            seen_jis[jis] = code
        elif jis:
            raise ValueError(f"{where}: 都道府県コード（JIS）は都道府県にだけ指定できます")
        sort_order = raw.get("sort_order", 0)
        if not isinstance(sort_order, int) or isinstance(sort_order, bool) or sort_order < 0:
            raise ValueError(f"{where}: 表示順（sort_order）は0以上の整数にしてください")
        values["sort_order"] = sort_order

        refs: dict[str, str | None] = {}
        for key in REFERENCE_FIELDS:
            ref = raw.get(key)
            if ref is not None and (not isinstance(ref, str) or not ref):
                raise ValueError(f"{where}: {REFERENCE_LABELS[key]}（{key}）はコードの文字列で書いてください")
            if ref == code:
                raise ValueError(f"{where}: {REFERENCE_LABELS[key]}（{key}）に自分自身は指定できません")
            refs[key] = ref
        entries.append(_Entry(index=index, code=code, values=values, refs=refs))
    return entries


def _check_against_database(entries: list[_Entry], existing: dict[str, Organization], path: Path) -> None:
    """No JIS code clashes with a prefecture outside the file; every referenced code is in the file
    or already in the database, and of the right kind."""
    file_codes = {entry.code for entry in entries}
    jis_outside_file = {
        org.jis_code: org.code
        for org in existing.values()
        if org.kind == OrganizationKind.PREFECTURE and org.code not in file_codes
    }
    for entry in entries:
        clash = jis_outside_file.get(entry.values["jis_code"]) if entry.values["jis_code"] else None
        if clash is not None:
            raise ValueError(
                f"{path.name} の {entry.label}: 都道府県コード（JIS）「{entry.values['jis_code']}」は"
                f"登録済みの {clash} と重複しています"
            )
    kind_of = {code: org.kind for code, org in existing.items()}
    kind_of.update({entry.code: entry.values["kind"] for entry in entries})
    for entry in entries:
        for key, ref in entry.refs.items():
            if ref is None:
                continue
            label = f"{path.name} の {entry.label}"
            if ref not in kind_of:
                raise ValueError(f"{label}: {REFERENCE_LABELS[key]}のコード「{ref}」が見つかりません")
            required = REQUIRED_REFERENCE_KIND.get(key)
            if required is not None and kind_of[ref] != required:
                raise ValueError(f"{label}: {REFERENCE_LABELS[key]}「{ref}」は{required.label}ではありません")


def _dependency_levels(entries: list[_Entry], path: Path) -> list[list[_Entry]]:
    """Entries grouped so that each comes after the file entries it refers to; a cycle is an error."""
    in_file = {entry.code for entry in entries}
    pending = list(entries)
    done: set[str] = set()
    levels: list[list[_Entry]] = []
    while pending:
        level = [
            entry
            for entry in pending
            if all(ref is None or ref not in in_file or ref in done for ref in entry.refs.values())
        ]
        if not level:
            names = "、".join(entry.label for entry in pending[:5])
            raise ValueError(f"{path.name}: 参照が循環しています: {names}")
        levels.append(level)
        done.update(entry.code for entry in level)
        level_codes = {entry.code for entry in level}
        pending = [entry for entry in pending if entry.code not in level_codes]
    return levels


# --- writing ----------------------------------------------------------------------------------------


def _upsert_level(
    level: list[_Entry], existing: dict[str, Organization], pks: dict[str, int], counts: dict[str, int]
) -> None:
    to_create: list[Organization] = []
    to_update: list[Organization] = []
    changed_fields: set[str] = set()
    for entry in level:
        desired: dict[str, Any] = dict(entry.values)
        for key, ref in entry.refs.items():
            desired[f"{key}_id"] = pks[ref] if ref is not None else None
        org = existing.get(entry.code)
        if org is None:
            to_create.append(Organization(code=entry.code, **desired))
            continue
        changed = [name for name, value in desired.items() if getattr(org, name) != value]
        if not changed:
            counts["unchanged"] += 1
            continue
        for name in changed:
            setattr(org, name, desired[name])
        changed_fields.update(changed)
        to_update.append(org)

    if to_create:
        created = Organization.objects.bulk_create(to_create)
        if any(org.pk is None for org in created):  # backends that cannot return ids from a bulk insert
            fetched = Organization.objects.filter(code__in=[org.code for org in created]).in_bulk(field_name="code")
            created = [fetched[org.code] for org in created]
        for org in created:
            existing[org.code] = org
            pks[org.code] = org.pk
        counts["created"] += len(created)
    if to_update:
        # Changed references are attnames (parent_id …); bulk_update wants field names.
        fields = sorted(name.removesuffix("_id") for name in changed_fields)
        Organization.objects.bulk_update(to_update, fields)
        counts["updated"] += len(to_update)
