from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "chats.automation"
    label = "automation"
    verbose_name = "Automation"
