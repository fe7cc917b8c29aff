from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kaifang.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
