"""The `kaifang` console script.

Kaifang's own commands (`init`, `serve`, `demo`, `loaddemo`, `token`) are Django management
commands, so `kaifang NAME …` is `django-admin NAME …` with Kaifang's settings: every other Django
command (`migrate`, `shell`, `createsuperuser` …) passes through the same way. This wrapper only
picks the settings module, answers `--help` without touching the configuration, and turns a bad
configuration into a short message instead of a traceback.
"""

from __future__ import annotations

import os
import sys

SETTINGS_MODULE = "kaifang.config.settings"

HELP = """\
用法 / usage: kaifang COMMAND [OPTIONS]

开放数据平台命令行 / the Kaifang command line

常用命令 / main commands:
  init                      建库并创建管理员 / migrate the database, create the admin
                            (KAIFANG_ADMIN_USER, KAIFANG_ADMIN_PASSWORD, or a prompt)
  serve [--host H] [--port P] [--workers N]
                            启动网站与后台任务 / serve the site (gunicorn) and the task worker
  demo [--port P]           初始化、加载演示目录并启动 / init + demo catalog + serve
  loaddemo                  仅加载演示目录 / load the demo catalog only
  token create --user NAME [--expires DAYS] [--name N]
                            创建 API 令牌 / make an API token (shown once)
  searchindex [--rebuild | --follow]
                            检索索引：查看、重建、持续更新 / the search index: status,
                            rebuild, keep it current
  ingest FILE --resource ID [--user NAME]
                            上传新版本并立即入库（显示进度）/ store FILE as a new version, ingest it
  catalog-export FILE [--user NAME] [--department D]
                            导出目录表格（.xlsx/.csv）/ export the catalog spreadsheet
  catalog-import FILE --user NAME [--dry-run] [--submit]
                            导入目录表格，逐行检查 / import one, checked row by row

其他 Django 管理命令同样可用 / every Django management command works too:
  kaifang migrate, kaifang shell, kaifang createsuperuser, kaifang check …
  kaifang help --commands   列出全部命令 / list them all
  kaifang help COMMAND      某个命令的帮助 / help on one command

数据目录 / data folder: KAIFANG_HOME (默认 default ./var)；配置见 README.md / see README.md
"""

CONFIG_HINT = (
    "请检查环境变量，说明见 README.md 的“配置”一节。\n"
    "Check the environment variables; README.md, section “Configuration”, lists them."
)


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the process exit status."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in {"-h", "--help"}:
        sys.stdout.write(HELP)
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    message = configuration_problem()
    if message:
        sys.stderr.write(message + "\n")
        return 2
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["kaifang", *args])
    except KeyboardInterrupt:
        return 130
    return 0


def configuration_problem() -> str | None:
    """Load the settings once, so a bad value is reported in words before any command runs.

    Settings are built from the environment by `kaifang.config.env`; a value it rejects raises
    ConfigError, and a DATABASE_URL of an unknown kind is rejected while the settings parse it.
    """
    from django.conf import settings

    from kaifang.config.env import ConfigError

    try:
        settings.INSTALLED_APPS  # noqa: B018 - touching a setting imports the settings module
    except ConfigError as exc:
        return f"{exc}\n{CONFIG_HINT}"
    except ValueError as exc:
        if "DATABASE_URL" not in os.environ:
            raise
        return f"环境变量配置有误 / invalid configuration: DATABASE_URL: {exc}\n{CONFIG_HINT}"
    return None


if __name__ == "__main__":
    sys.exit(main())
