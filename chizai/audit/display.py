"""How a recorded change reads on a page (変更履歴): Japanese labels and shown values, never code names.

An entry's `changes` hold what the writers recorded: field names, choice codes, ids or codes of related rows,
ISO dates, booleans. `change_rows(entry)` turns them into (label, old, new) the way the pages show them:
- the label is the model field's Japanese verbose name (else `FIELD_LABELS`); internal fields are left out;
- a choice shows its label, a boolean はい/いいえ, a related row its display name (by id or by code),
  a date 2025年4月1日;
and `action_label(entry)` says what happened in Japanese (「実績の更新」), from the row's verbose name and a verb.
The models are looked up through the app registry by the entry's `object_type`, so the audit app imports none.
"""

from __future__ import annotations

import datetime
from typing import Any, NamedTuple, Protocol

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models


class AuditEntry(Protocol):
    """What this module reads of an entry (chizai.audit.models.AuditEntry, which calls it)."""

    action: str
    object_type: str
    changes: Any


# Recorded for the writers' own bookkeeping; nothing a reader of the history needs.
HIDDEN_FIELDS = frozenset({"id", "version", "updated_at", "created_at", "search_text", "sha256", "token"})

YES, NO = "はい", "いいえ"
DATE_FORMAT = "{d.year}年{d.month}月{d.day}日"

# Labels of recorded values that are not model fields (or whose field has no Japanese verbose name).
FIELD_LABELS = {
    "value": "値",
    "numerator": "該当数（分子）",
    "denominator": "対象数（分母）",
    "source": "出所",
    "source_note": "出所の補足",
    "note": "注記",
    "text": "評価",
    "name": "名称",
    "owner": "関係主体",
    "parent": "内数の元",
    "counting_rule": "集計の方法",
    "effective_year": "適用開始年度",
    "new_name": "新指標名",
    "new_baseline_value": "新基準値",
    "target_changes": "目標の変更",
    "vision_change": "見直しの理由",
    "user": "利用者",
    "organization": "所属",
    "groups": "グループ",
    "user_permissions": "個別の権限",
    "username": "ユーザー名",
    "email": "メールアドレス",
    "first_name": "名",
    "last_name": "姓",
    "is_active": "有効",
    "is_staff": "管理サイトへのログイン",
    "is_superuser": "全権限（スーパーユーザー）",
    "created": "作成日時",
    "password_set": "パスワードの再設定",
    "attended": "出席",
}

VERBS = {
    "viewed": "閲覧",
    "exported": "出力",
    "created": "追加",
    "updated": "更新",
    "deleted": "削除",
    "saved": "保存",
    "proposed": "提案",
    "reported": "報告・適用",
    "withdrawn": "取下げ",
    "submitted": "提出",
    "reviewed": "局確認",
    "accepted": "受理",
    "returned": "差戻し",
    "reopened": "再開",
    "approved": "承認",
    "published": "公開",
    "moved": "段階の変更",
    "consent_recorded": "公開同意の記録",
    "password_changed": "パスワードの変更",
}


class ChangeRow(NamedTuple):
    """One changed value as shown: `{% for label, old, new in entry.change_rows %}`."""

    label: str
    old: Any
    new: Any


def model_of(entry: AuditEntry) -> type[models.Model] | None:
    try:
        return apps.get_model(entry.object_type)
    except (LookupError, ValueError):
        return None


def action_label(entry: AuditEntry) -> str:
    """「実績の更新」: what the entry's row is, and what happened to it."""
    verb_code = entry.action.rsplit(".", 1)[-1]
    verb = VERBS.get(verb_code, "変更")
    model = model_of(entry)
    return f"{model._meta.verbose_name}の{verb}" if model is not None else verb


def change_rows(entry: AuditEntry) -> list[ChangeRow]:
    if getattr(entry, "kind", "change") != "change":
        return []  # a record of who viewed or exported data changed nothing
    model = model_of(entry)
    rows = []
    for name, pair in entry.changes.items():
        if name in HIDDEN_FIELDS or not isinstance(pair, list | tuple) or len(pair) != 2:
            continue
        field = _field(model, name)
        label = _label(field, name)
        if label is None:
            continue  # a code name with no Japanese label: internal, not shown
        old, new = pair
        rows.append(ChangeRow(label, shown_value(field, name, old), shown_value(field, name, new)))
    return rows


def _field(model: type[models.Model] | None, name: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _label(field: models.Field[Any, Any] | None, name: str) -> str | None:
    if field is not None and _is_japanese(str(field.verbose_name)):
        return str(field.verbose_name)
    return FIELD_LABELS.get(name)


def _is_japanese(text: str) -> bool:
    return any(ord(char) > 0x2E80 for char in text)


def shown_value(field: models.Field[Any, Any] | None, name: str, value: Any) -> Any:
    """A recorded value as the pages show it; None stays None (the template shows （なし）)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, list):
        return "、".join(str(shown_value(field, name, item)) for item in value) or None
    if isinstance(value, dict):
        return "、".join(f"{key}: {shown_value(None, key, item)}" for key, item in value.items())
    if field is None:
        return value
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(field, models.ForeignKey):
        return _related_name(field, value)
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        return _shown_datetime(value)
    if isinstance(field, models.DateField) and isinstance(value, str):
        return _shown_date(value)
    return value


def _related_name(field: models.ForeignKey[Any, Any], value: Any) -> Any:
    """A related row recorded by id (12) or by code ("pref-13"), shown by its display name."""
    related = field.related_model
    if not isinstance(related, type) or not issubclass(related, models.Model):
        return value
    manager = related._default_manager
    row: Any = None
    if isinstance(value, int):
        row = manager.filter(pk=value).first()
    elif isinstance(value, str) and any(f.name == "code" for f in related._meta.fields):
        row = manager.filter(code=value).first()
    if row is None:
        return value
    return getattr(row, "display_name", None) or str(row)


def _shown_date(value: str) -> str:
    try:
        return DATE_FORMAT.format(d=datetime.date.fromisoformat(value[:10]))
    except ValueError:
        return value


def _shown_datetime(value: str) -> str:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return value
    return DATE_FORMAT.format(d=moment) + f" {moment:%H:%M}"
