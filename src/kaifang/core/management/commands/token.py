"""`kaifang token`: API tokens from the command line, for scripts and first set-up.

    kaifang token create --user NAME [--expires DAYS] [--name N]
    kaifang token list --user NAME
    kaifang token revoke --user NAME PREFIX

`create` prints the secret alone on standard output (so `TOKEN=$(kaifang token create …)` works)
and its note on standard error; the secret is not kept and cannot be shown again. The work is
done by accounts.services, the same functions the profile page calls.
"""

from __future__ import annotations

import argparse
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kaifang.core.errors import KaifangError

DEFAULT_NAME = "命令行令牌"


def _positive_days(raw: str) -> int:
    """Parse --expires: a whole number of days, at least 1."""
    try:
        days = int(raw)
    except ValueError:
        days = 0
    if days < 1:
        raise argparse.ArgumentTypeError(
            f"须为正整数天数 / must be a whole number of days, at least 1, not {raw!r}"
        )
    return days


class Command(BaseCommand):
    help = "创建、列出或撤销 API 令牌 / create, list or revoke API tokens"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="create|list|revoke")
        create = actions.add_parser("create", help="创建令牌 / make a token (shown once)")
        create.add_argument("--user", required=True, help="用户名 / user name")
        create.add_argument("--name", default=DEFAULT_NAME, help="令牌名称 / token name")
        create.add_argument(
            "--expires",
            type=_positive_days,
            default=None,
            metavar="DAYS",
            help="有效天数（默认不过期）/ days until it expires (default: never)",
        )
        listing = actions.add_parser("list", help="列出令牌 / list a user's tokens")
        listing.add_argument("--user", required=True, help="用户名 / user name")
        revoke = actions.add_parser("revoke", help="撤销令牌 / revoke a token")
        revoke.add_argument("--user", required=True, help="用户名 / user name")
        revoke.add_argument("prefix", help="令牌前缀（见 list）/ the token's prefix, as list shows")

    def handle(self, *args: Any, action: str, user: str, **options: Any) -> None:
        owner = _user(user)
        try:
            if action == "create":
                self._create(owner, name=options["name"], expires_days=options["expires"])
            elif action == "list":
                self._list(owner)
            else:
                self._revoke(owner, options["prefix"])
        except KaifangError as exc:  # the service's own words: a bad name, an inactive user …
            raise CommandError(exc.message) from exc

    def _create(self, owner: Any, *, name: str, expires_days: int | None) -> None:
        from kaifang.accounts.services import create_token

        token, secret = create_token(owner, name=name, expires_days=expires_days)
        self.stdout.write(secret)
        until = (
            timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M")
            if token.expires_at
            else "不过期 / never expires"
        )
        self.stderr.write(
            f"已为 {owner.username} 创建令牌“{token.name}”"
            f"（前缀 {token.prefix}，有效期至 {until}）。令牌只显示这一次，请妥善保存。\n"
            f"Token “{token.name}” made for {owner.username} (prefix {token.prefix}, until "
            f"{until}). It is shown only this once: keep it safe."
        )

    def _list(self, owner: Any) -> None:
        for token in owner.api_tokens.order_by("-created_at"):
            state = "有效 active" if token.is_active else "失效 inactive"
            expires = timezone.localtime(token.expires_at).date() if token.expires_at else "-"
            created = timezone.localtime(token.created_at).date()
            self.stdout.write(f"{token.prefix}\t{state}\t{created}\t{expires}\t{token.name}")

    def _revoke(self, owner: Any, prefix: str) -> None:
        from kaifang.accounts.services import revoke_token

        matches = list(owner.api_tokens.filter(prefix=prefix, revoked_at__isnull=True))
        if len(matches) != 1:
            raise CommandError(
                f"{owner.username} 没有前缀为 {prefix} 的有效令牌 / "
                f"{owner.username} has no active token with prefix {prefix}"
            )
        revoke_token(owner, matches[0])
        self.stdout.write(f"已撤销 {prefix} / revoked {prefix}")


def _user(username: str) -> Any:
    """The user the token belongs to, by user name."""
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise CommandError(f"用户 {username} 不存在 / there is no user named {username}") from None
