"""`kaifang init`: make a data folder ready to serve.

Runs the migrations, then makes sure there is someone who can sign in as platform admin: the
account named by KAIFANG_ADMIN_USER / KAIFANG_ADMIN_PASSWORD when both are set, otherwise a prompt
on a terminal. Unattended runs (`--no-input`, no terminal) without those variables create no
account and say so; the demo relies on this, since its own accounts include a platform admin.
Safe to run again: applied migrations and an existing admin are left as they are.
"""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

USER_VARIABLE = "KAIFANG_ADMIN_USER"
PASSWORD_VARIABLE = "KAIFANG_ADMIN_PASSWORD"  # noqa: S105 - a variable's name, not a password


class Command(BaseCommand):
    help = "建库（迁移）并创建平台管理员 / migrate the database and create the platform admin"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="不提示输入 / never prompt (create the admin only from the environment)",
        )

    def handle(self, *args: Any, interactive: bool = True, **options: Any) -> None:
        verbosity = options.get("verbosity", 1)
        call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0))
        if verbosity:
            self.stdout.write("数据库已就绪 / database is up to date")
        credentials = admin_credentials(interactive=interactive and sys.stdin.isatty())
        if credentials is None:
            if verbosity:
                self.stdout.write(self.no_admin_note())
            return
        username, password = credentials
        created = ensure_admin(username, password)
        if verbosity:
            self.stdout.write(
                f"已创建平台管理员 {username} / platform admin {username} created"
                if created
                else f"管理员 {username} 已存在，未作改动 / admin {username} exists, left as is"
            )

    def no_admin_note(self) -> str:
        if get_user_model().objects.filter(is_superuser=True).exists():
            return "已有管理员 / an admin exists"
        return (
            f"未创建管理员：未设置 {USER_VARIABLE} / {PASSWORD_VARIABLE} / "
            "no admin created: the variables are not set"
        )


def admin_credentials(*, interactive: bool) -> tuple[str, str] | None:
    """The admin's user name and password: from the environment, else asked for on a terminal."""
    username = os.environ.get(USER_VARIABLE, "").strip()
    password = os.environ.get(PASSWORD_VARIABLE, "")
    if username and password:
        return username, password
    if username or password:
        raise CommandError(
            f"{USER_VARIABLE} 与 {PASSWORD_VARIABLE} 须同时设置 / set both {USER_VARIABLE} "
            f"and {PASSWORD_VARIABLE}, or neither"
        )
    if not interactive or get_user_model().objects.filter(is_superuser=True).exists():
        return None
    return _prompt()


def _prompt() -> tuple[str, str] | None:
    """Ask for the admin's name and password; an empty name skips creating one."""
    username = input("管理员用户名（留空跳过）/ admin user name (empty to skip): ").strip()
    if not username:
        return None
    password = getpass.getpass("口令 / password: ")
    if password != getpass.getpass("再次输入口令 / password again: "):
        raise CommandError("两次输入的口令不一致 / the passwords differ")
    return username, password


@transaction.atomic
def ensure_admin(username: str, password: str) -> bool:
    """Create the platform admin unless a user of that name exists; return whether one was made.

    An existing account is not changed: running init again must not reset a password that its
    owner has since changed.
    """
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        return False
    user = user_model(username=username, is_staff=True, is_superuser=True, is_platform_admin=True)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise CommandError(
            f"{PASSWORD_VARIABLE} 不符合口令规则 / the password is too weak: "
            + " ".join(exc.messages)
        ) from exc
    user.set_password(password)
    try:
        user.full_clean()
    except ValidationError as exc:
        raise CommandError(
            f"{USER_VARIABLE} 不是有效的用户名 / {username!r} is not a valid user name: "
            + " ".join(exc.messages)
        ) from exc
    user.save()
    return True
