from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "chizai.organizations"
    label = "organizations"
    verbose_name = "関係主体"
