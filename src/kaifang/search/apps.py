from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "kaifang.search"
    label = "search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kaifang.search import checks  # noqa: F401  (registers the checks)
