from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "chizai.meetings"
    label = "meetings"
    verbose_name = "地域連絡会議"

    def ready(self) -> None:
        from chizai.kpis.demo import register_demo
        from chizai.meetings.demo import load_meetings_demo

        register_demo("meetings", lambda plan, today: load_meetings_demo(plan), order=30)
