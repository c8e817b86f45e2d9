"""Reminder e-mails of the PDCA cycle (リマインダー): deadlines coming, deadlines missed, evaluations returned.

`send_reminders(today=…)` is safe to run every day from cron: each reminder is recorded in `ReminderLog`
in the same transaction that sends it, so it goes out once however often the command runs.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse

from chizai.lib.business_days import business_days_until
from chizai.organizations.models import Membership, Organization
from chizai.organizations.permissions import editor_memberships
from chizai.organizations.types import Actor
from chizai.pdca import actions
from chizai.pdca.deadlines import DeadlineRow, japanese_date, open_periods, period_status, reminder_days_before
from chizai.pdca.models import ReminderKind, ReminderLog, ReportingPeriod, SelfEvaluation, Status, Transition

TITLES = {
    ReminderKind.DUE_SOON: "提出期限が近づいています",
    ReminderKind.OVERDUE: "提出期限を過ぎています",
    ReminderKind.RETURNED: "自己評価が差し戻されました",
}


@dataclass(frozen=True)
class Reminder:
    """One e-mail that is due: to the editors of `organization`, about `period`, of a kind (and key)."""

    period: ReportingPeriod
    organization: Organization
    kind: ReminderKind
    key: str
    evaluation: SelfEvaluation | None
    today: datetime.date
    comment: str = ""
    returned_by: str = ""
    urged_by: str = ""  # a reviewer's 督促 (sent from the comparison page), by this body
    other_periods: tuple[str, ...] = ()  # further half years the body is late with

    @property
    def identity(self) -> tuple[int, int, str, str]:
        return (self.period.pk, self.organization.pk, self.kind.value, self.key)

    @property
    def subject(self) -> str:
        urge = "督促・" if self.urged_by else ""
        return f"【chizai】{urge}{TITLES[self.kind]}：{self.organization.name} {self.period.short_label}の自己評価"

    def body(self) -> str:
        status = self.evaluation.status_label if self.evaluation else "未着手"
        lines = [
            f"{self.organization.name} 自己評価ご担当者様",
            "",
            f"{self.period.plan.name}の自己評価について、お知らせします。",
            self._lead(),
            *([f"（{self.urged_by}からの督促です。）"] if self.urged_by else []),
            "",
            f"　関係主体：{self.organization.name}",
            f"　報告期間：{self.period.label}",
            f"　提出期限：{japanese_date(self.period.due_date)}",
            f"　現在の状態：{status}",
        ]
        if self.other_periods:
            lines.append(f"　ほかに未提出の報告期間：{'、'.join(self.other_periods)}")
        if self.comment:
            lines += ["", "差戻しのコメント：", *(f"　{line}" for line in self.comment.splitlines())]
        link = self._link()
        if link:
            lines += ["", link]
        lines += ["", "このメールは chizai（地域知財活性化行動計画 KPI・PDCA）から自動で送信しています。"]
        return "\n".join(lines) + "\n"

    def _lead(self) -> str:
        days_left = business_days_until(self.today, self.period.due_date)
        if self.kind == ReminderKind.RETURNED:
            by = f"{self.returned_by}から" if self.returned_by else ""
            return f"{by}自己評価が差し戻されました。コメントを確認のうえ修正し、再度提出してください。"
        if self.kind == ReminderKind.OVERDUE:
            return "提出期限を過ぎましたが、自己評価がまだ提出されていません。速やかに提出してください。"
        if days_left <= 0:
            return "本日が提出期限です。自己評価を提出してください。"
        return f"提出期限まで残り{days_left}営業日です。期限までに自己評価を提出してください。"

    def _link(self) -> str:
        site = str(getattr(settings, "CHIZAI_SITE_URL", "") or "").rstrip("/")
        if not site:
            return ""
        if self.evaluation is not None:
            return site + reverse("pdca:evaluation_detail", args=[self.evaluation.pk])
        return site + reverse("pdca:evaluation_list")


@dataclass
class ReminderReport:
    """What a run did: sent (with recipients), skipped as already sent, skipped for want of recipients."""

    dry_run: bool = False
    sent: list[tuple[Reminder, list[str]]] = field(default_factory=list)
    already_sent: list[Reminder] = field(default_factory=list)
    without_recipients: list[Reminder] = field(default_factory=list)

    def lines(self) -> list[str]:
        verb = "送信予定" if self.dry_run else "送信"
        lines = [
            f"{verb}: {r.organization.name} {r.period.short_label} {TITLES[r.kind]} → {', '.join(to)}"
            for r, to in self.sent
        ]
        lines += [
            f"宛先なし: {r.organization.name} {r.period.short_label} {TITLES[r.kind]}" for r in self.without_recipients
        ]
        return lines

    def summary(self) -> str:
        counts = f"送信済みのため省略 {len(self.already_sent)}件、宛先なし {len(self.without_recipients)}件"
        if self.dry_run:
            return f"試行（送信・記録はしていません）：送信予定 {len(self.sent)}件、{counts}"
        return f"送信 {len(self.sent)}件、{counts}"


def _deadline_kind(row: DeadlineRow, today: datetime.date, days_before: int) -> ReminderKind | None:
    if row.submitted:
        return None
    if row.overdue:
        return ReminderKind.OVERDUE
    if today <= row.due_date and row.business_days_left <= days_before:
        return ReminderKind.DUE_SOON
    return None


def deadline_reminders(today: datetime.date) -> Iterator[Reminder]:
    """期限が近い・期限超過: one per open period and body that has not handed its evaluation in."""
    days_before = reminder_days_before()
    for period in open_periods(today):
        for row in period_status(period, today):
            kind = _deadline_kind(row, today, days_before)
            if kind is not None:
                yield Reminder(period, row.organization, kind, "", row.evaluation, today)


def return_reminders(today: datetime.date) -> Iterator[Reminder]:
    """差戻し: one per return (keyed by its transition) of every evaluation that is still returned."""
    returns = (
        Transition.objects.filter(to_status=Status.RETURNED, evaluation__status=Status.RETURNED)
        .select_related("evaluation__period__plan", "evaluation__organization", "actor_organization")
        .order_by("evaluation_id", "-at", "-pk")
    )
    seen: set[int] = set()
    for transition in returns:
        if transition.evaluation_id in seen:
            continue  # only the latest return of an evaluation still matters
        seen.add(transition.evaluation_id)
        evaluation = transition.evaluation
        by = transition.actor_organization.display_name if transition.actor_organization else ""
        yield Reminder(
            evaluation.period,
            evaluation.organization,
            ReminderKind.RETURNED,
            str(transition.pk),
            evaluation,
            today,
            comment=transition.comment,
            returned_by=by,
        )


def recipients_by_organization(organization_ids: set[int]) -> dict[int, list[str]]:
    """The e-mail addresses of the active editors and administrators of each organisation."""
    memberships = (
        Membership.objects.filter(editor_memberships(organization_ids))
        .exclude(user__email="")
        .select_related("user")
        .order_by("user__email")
    )
    recipients: dict[int, list[str]] = defaultdict(list)
    for membership in memberships:
        if membership.user.email not in recipients[membership.organization_id]:
            recipients[membership.organization_id].append(membership.user.email)
    return recipients


def _already_sent(reminders: list[Reminder]) -> set[tuple[int, int, str, str]]:
    logs = ReminderLog.objects.filter(period_id__in={r.period.pk for r in reminders}).values_list(
        "period_id", "organization_id", "kind", "key"
    )
    return set(logs)


def _send_once(reminder: Reminder, recipients: list[str]) -> bool:
    """Record and send in one transaction: a failed send leaves no record, a recorded one is never resent."""
    return actions.record_reminder(
        period=reminder.period,
        organization=reminder.organization,
        kind=reminder.kind,
        key=reminder.key,
        recipients=recipients,
        send=EmailMessage(reminder.subject, reminder.body(), to=recipients).send,
    )


def send_reminders(*, today: datetime.date, dry_run: bool = False) -> ReminderReport:
    """Send every reminder due on `today` that has not gone out before; `dry_run` only reports them."""
    reminders = [*deadline_reminders(today), *return_reminders(today)]
    sent_before = _already_sent(reminders)
    recipients = recipients_by_organization({r.organization.pk for r in reminders})
    report = ReminderReport(dry_run=dry_run)
    for reminder in reminders:
        to = recipients.get(reminder.organization.pk, [])
        if reminder.identity in sent_before:
            report.already_sent.append(reminder)
        elif not to:
            report.without_recipients.append(reminder)
        elif dry_run or _send_once(reminder, to):
            report.sent.append((reminder, to))
        else:
            report.already_sent.append(reminder)  # another run sent it a moment ago
    return report


# --- 督促: a reviewer's one-click reminder to late bodies ----------------------------------------------------

URGE_KEY_PREFIX = "督促:"


def urge_key(today: datetime.date) -> str:
    """The ReminderLog key of a day's 督促: one per body and day, whatever the period."""
    return f"{URGE_KEY_PREFIX}{today.isoformat()}"


@dataclass
class UrgeReport:
    """What a 督促 click did, body by body."""

    sent: list[tuple[Organization, list[str]]] = field(default_factory=list)
    already_sent: list[Organization] = field(default_factory=list)
    without_recipients: list[Organization] = field(default_factory=list)

    def messages(self) -> list[str]:
        lines = []
        if self.sent:
            names = "、".join(o.display_name for o, _ in self.sent)
            lines.append(f"{names}に督促のメールを送信しました（{len(self.sent)}件）。")
        if self.already_sent:
            names = "、".join(o.display_name for o in self.already_sent)
            lines.append(f"{names}には本日すでに督促を送信済みのため、送信していません（督促は1日1回までです）。")
        if self.without_recipients:
            names = "、".join(o.display_name for o in self.without_recipients)
            lines.append(f"{names}にはメールアドレスを登録した編集者がいないため、送信できませんでした。")
        if not lines:
            lines.append("期限を過ぎて未提出の関係主体はありません。督促は送信していません。")
        return lines


def send_urgent_reminders(
    *, overdue: list[tuple[Organization, list[DeadlineRow]]], actor: Actor, today: datetime.date, urged_by: str
) -> UrgeReport:
    """督促 each body of `overdue` (its late half years, latest last) through the reminder e-mail, once a day."""
    report = UrgeReport()
    recipients = recipients_by_organization({organization.pk for organization, _ in overdue})
    key = urge_key(today)
    for organization, rows in overdue:
        to = recipients.get(organization.pk, [])
        if not rows:
            continue
        if not to:
            report.without_recipients.append(organization)
            continue
        latest = rows[-1]
        reminder = Reminder(
            latest.period,
            organization,
            ReminderKind.OVERDUE,
            key,
            latest.evaluation,
            today,
            urged_by=urged_by,
            other_periods=tuple(row.period.short_label for row in rows[:-1]),
        )
        message = EmailMessage(reminder.subject, reminder.body(), to=to)
        sent = actions.record_urgent_reminder(
            period=latest.period, organization=organization, key=key, recipients=to, actor=actor, send=message.send
        )
        if sent:
            report.sent.append((organization, to))
        else:
            report.already_sent.append(organization)
    return report
