from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "chizai.meetings"
    label = "meetings"
    verbose_name = "地域連絡会議"
