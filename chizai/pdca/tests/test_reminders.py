from datetime import date
from io import StringIO

import pytest
from django.core.mail import EmailMessage
from django.core.management import call_command

from chizai.kpis.models import Plan
from chizai.pdca.actions import ensure_periods, return_evaluation, start_evaluation, submit_evaluation
from chizai.pdca.models import ReminderKind, ReminderLog, ReportingPeriod, SelfEvaluation, Status, Transition
from chizai.pdca.reminders import recipients_by_organization, send_reminders

pytestmark = pytest.mark.django_db

DUE = date(2026, 10, 30)  # 上期 of FY2026: 10/31 is a Saturday
FIVE_DAYS_BEFORE = date(2026, 10, 23)
EARLY = date(2026, 10, 5)
# The cast's editors: one each for 東京都, 神奈川県, 大阪府 and 東京都知財総合支援窓口.
ORGS_WITH_EDITORS = 4


@pytest.fixture
def period():
    plan = Plan.objects.create(number=91, name="テスト計画", first_fiscal_year=2026, last_fiscal_year=2026)
    ensure_periods(plan)
    return ReportingPeriod.objects.select_related("plan").get(plan=plan, half="H1")


def mails_to(outbox, address):
    return [m for m in outbox if address in m.to]


def submitted(period, editor, org_code, org):
    evaluation = start_evaluation(period=period, organization=org(org_code), actor=editor)
    evaluation.activities = "相談窓口を周知した。"
    evaluation.save()
    return submit_evaluation(evaluation=evaluation, actor=editor, today=EARLY)


def test_it_sends_nothing_before_the_reminder_window(period, mailoutbox):
    report = send_reminders(today=date(2026, 10, 22))  # 6 business days left
    assert mailoutbox == []
    assert report.summary() == "送信 0件、送信済みのため省略 0件、宛先なし 0件"


def test_it_reminds_the_editors_five_business_days_before_the_due_date(period, mailoutbox):
    send_reminders(today=FIVE_DAYS_BEFORE)
    assert len(mailoutbox) == ORGS_WITH_EDITORS
    [message] = mails_to(mailoutbox, "tokyo_editor@example.invalid")
    assert message.to == ["tokyo_editor@example.invalid"]  # not the viewer, not another body
    assert "提出期限が近づいています" in message.subject
    assert "東京都" in message.subject
    assert "2026年度上期" in message.body
    assert "提出期限：2026年10月30日（金）" in message.body
    assert "残り5営業日" in message.body
    assert "現在の状態：未着手" in message.body


def test_it_reports_the_bodies_without_anyone_to_send_to(period):
    report = send_reminders(today=FIVE_DAYS_BEFORE)
    without = {r.organization.code for r in report.without_recipients}
    assert "pref-01" in without
    assert "pref-13" not in without
    assert "宛先なし 90件" in report.summary()
    assert not ReminderLog.objects.filter(organization__code="pref-01").exists()


def test_it_sends_the_due_soon_reminder_only_once(period, mailoutbox):
    send_reminders(today=FIVE_DAYS_BEFORE)
    again = send_reminders(today=FIVE_DAYS_BEFORE)
    next_day = send_reminders(today=date(2026, 10, 26))
    due_day = send_reminders(today=DUE)
    assert len(mailoutbox) == ORGS_WITH_EDITORS
    assert again.summary() == "送信 0件、送信済みのため省略 4件、宛先なし 90件"
    assert next_day.sent == due_day.sent == []


def test_it_tells_the_editors_on_the_due_date_that_today_is_the_day(period, mailoutbox):
    send_reminders(today=DUE)
    [message] = mails_to(mailoutbox, "tokyo_editor@example.invalid")
    assert "本日が提出期限です" in message.body


def test_it_does_not_remind_a_body_that_has_submitted(period, tokyo_editor, org, mailoutbox):
    submitted(period, tokyo_editor, "pref-13", org)
    send_reminders(today=FIVE_DAYS_BEFORE)
    send_reminders(today=date(2026, 11, 2))
    assert mails_to(mailoutbox, "tokyo_editor@example.invalid") == []


def test_it_reminds_a_body_still_writing_its_evaluation(period, tokyo_editor, org, mailoutbox):
    start_evaluation(period=period, organization=org("pref-13"), actor=tokyo_editor)
    send_reminders(today=FIVE_DAYS_BEFORE)
    [message] = mails_to(mailoutbox, "tokyo_editor@example.invalid")
    assert "現在の状態：作成中" in message.body


def test_it_sends_the_overdue_notice_once_after_the_due_date(period, mailoutbox):
    assert send_reminders(today=DUE).sent  # the due-day reminder
    mailoutbox.clear()
    send_reminders(today=date(2026, 10, 31))
    send_reminders(today=date(2026, 11, 2))
    send_reminders(today=date(2026, 12, 1))
    [message] = mails_to(mailoutbox, "tokyo_editor@example.invalid")
    assert "提出期限を過ぎています" in message.subject
    assert "東京都" in message.subject
    assert "提出期限：2026年10月30日（金）" in message.body
    assert len(mailoutbox) == ORGS_WITH_EDITORS


def test_it_sends_only_the_overdue_notice_when_first_run_after_the_due_date(period, mailoutbox):
    send_reminders(today=date(2026, 11, 2))
    kinds = set(ReminderLog.objects.filter(organization__code="pref-13").values_list("kind", flat=True))
    assert kinds == {ReminderKind.OVERDUE}


def test_it_stops_reminding_once_the_period_has_closed(period, mailoutbox):
    send_reminders(today=date(2027, 4, 2))
    assert mailoutbox == []


def test_it_sends_one_returned_notice_per_return(period, tokyo_editor, kanto_reviewer, org, mailoutbox):
    evaluation = submitted(period, tokyo_editor, "pref-13", org)
    return_evaluation(evaluation=evaluation, actor=kanto_reviewer, comment="KPIの実績の根拠を追記してください。")
    send_reminders(today=EARLY)
    send_reminders(today=EARLY)
    send_reminders(today=date(2026, 10, 6))
    first_return = Transition.objects.get(evaluation=evaluation, to_status=Status.RETURNED)
    assert list(ReminderLog.objects.values_list("kind", "key")) == [(ReminderKind.RETURNED, str(first_return.pk))]
    [message] = mailoutbox
    assert message.to == ["tokyo_editor@example.invalid"]
    assert "自己評価が差し戻されました" in message.subject
    assert "関東局から自己評価が差し戻されました" in message.body
    assert "KPIの実績の根拠を追記してください。" in message.body
    assert "2026年度上期" in message.body

    evaluation = SelfEvaluation.objects.get(pk=evaluation.pk)
    evaluation = submit_evaluation(evaluation=evaluation, actor=tokyo_editor, today=EARLY)
    return_evaluation(evaluation=evaluation, actor=kanto_reviewer, comment="もう一度確認してください。")
    send_reminders(today=date(2026, 10, 7))
    assert len(mailoutbox) == 2
    assert "もう一度確認してください。" in mailoutbox[1].body


def test_it_sends_no_returned_notice_once_the_body_has_resubmitted(
    period, tokyo_editor, kanto_reviewer, org, mailoutbox
):
    evaluation = submitted(period, tokyo_editor, "pref-13", org)
    return_evaluation(evaluation=evaluation, actor=kanto_reviewer, comment="追記してください。")
    submit_evaluation(evaluation=SelfEvaluation.objects.get(pk=evaluation.pk), actor=tokyo_editor, today=EARLY)
    send_reminders(today=EARLY)
    assert mailoutbox == []


def test_it_sends_and_records_nothing_in_a_dry_run(period, tokyo_editor, kanto_reviewer, org, mailoutbox):
    evaluation = submitted(period, tokyo_editor, "pref-13", org)
    return_evaluation(evaluation=evaluation, actor=kanto_reviewer, comment="追記してください。")
    report = send_reminders(today=FIVE_DAYS_BEFORE, dry_run=True)
    assert mailoutbox == []
    assert ReminderLog.objects.count() == 0
    assert report.summary().startswith("試行")
    assert "送信予定 5件" in report.summary()  # four bodies' deadline, and 東京都's return
    assert len(send_reminders(today=FIVE_DAYS_BEFORE).sent) == 5


def test_it_skips_inactive_editors_and_editors_without_an_address(period, tokyo_editor, kanagawa_editor, mailoutbox):
    tokyo_editor.is_active = False
    tokyo_editor.save()
    kanagawa_editor.email = ""
    kanagawa_editor.save()
    report = send_reminders(today=FIVE_DAYS_BEFORE)
    assert {"pref-13", "pref-14"} <= {r.organization.code for r in report.without_recipients}
    assert len(mailoutbox) == 2


def test_it_sends_again_the_next_day_when_sending_failed(period, monkeypatch, mailoutbox):
    def fail(self, *args, **kwargs):
        raise OSError("SMTP server unreachable")

    with monkeypatch.context() as patch:
        patch.setattr(EmailMessage, "send", fail)
        with pytest.raises(OSError):
            send_reminders(today=FIVE_DAYS_BEFORE)
    assert ReminderLog.objects.count() == 0
    send_reminders(today=date(2026, 10, 26))
    assert len(mailoutbox) == ORGS_WITH_EDITORS


def test_it_runs_as_a_command_with_a_japanese_summary(period, mailoutbox):
    out = StringIO()
    call_command("send_reminders", "--date", "2026-10-23", stdout=out)
    assert "2026-10-23: 送信 4件、送信済みのため省略 0件、宛先なし 90件" in out.getvalue()
    assert "送信: 東京都 2026年度上期 提出期限が近づいています → tokyo_editor@example.invalid" in out.getvalue()
    out = StringIO()
    call_command("send_reminders", "--date", "2026-10-23", stdout=out)
    assert "送信 0件、送信済みのため省略 4件" in out.getvalue()
    assert len(mailoutbox) == ORGS_WITH_EDITORS


def test_it_only_lists_what_it_would_send_in_a_dry_run_command(period, mailoutbox):
    out = StringIO()
    call_command("send_reminders", "--date", "2026-10-23", "--dry-run", stdout=out)
    assert "送信予定 4件" in out.getvalue()
    assert mailoutbox == []
    assert ReminderLog.objects.count() == 0


def test_it_keeps_the_evaluation_status_untouched(period, tokyo_editor, org):
    evaluation = start_evaluation(period=period, organization=org("pref-13"), actor=tokyo_editor)
    send_reminders(today=date(2026, 11, 2))
    assert SelfEvaluation.objects.get(pk=evaluation.pk).status == Status.DRAFT


def test_its_recipients_are_the_editors_and_administrators_permissions_name(
    org, tokyo_editor, tokyo_viewer, jpo_admin, jpo_viewer
):
    """Who edits an organisation is answered by organizations.permissions; viewers never get the reminders."""
    tokyo, jpo = org("pref-13"), org("jpo")
    recipients = recipients_by_organization({tokyo.pk, jpo.pk})
    assert recipients[tokyo.pk] == [tokyo_editor.email]
    assert recipients[jpo.pk] == [jpo_admin.email]
    assert tokyo_viewer.email not in recipients[tokyo.pk] and jpo_viewer.email not in recipients[jpo.pk]
