"""Several bots of one channel in one process: one per token, each with its own send budget.

Telegram lets one bot send about 30 messages a second, whatever the number of workers or cores, so
a campaign larger than that runs several bots (one per province, or per group of communes). Each
bot is a channel of its own (`TelegramChannel`, `ZaloChannel`) with its own outbox pump; in webhook
mode they share one HTTP server, each on its own path. Learners stay with the bot they started
with (`users.bot`); units name their bot in the config, so their class links point to it
(bot.core.links); everything else — the database, reports, the dashboard — is one campaign.
"""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from bot.channels.outbox import OutboxPump
from bot.channels.webhook import WebhookServer
from bot.config import BotSettings, WebhookSettings


class Member(Protocol):
    name: str | None
    pump: OutboxPump

    async def start(
        self, server: WebhookServer | None = None, path: str | None = None, url: str | None = None
    ) -> None: ...
    async def stop(self) -> None: ...
    async def on_webhook(self, body: Any) -> None: ...


def webhook_path(channel_path: str, bot: BotSettings, default: bool) -> str:
    """The default bot keeps the channel's path; the others get "<path>-<name>"."""
    if bot.webhook_path:
        return bot.webhook_path.strip("/")
    return channel_path if default else f"{channel_path}-{bot.name}"


def webhook_url(channel_url: str | None, bot: BotSettings, path: str) -> str | None:
    """Where the platform posts this bot's updates: its own setting, else the channel's URL with
    the bot's path (a reverse proxy that keeps paths as they are)."""
    if bot.webhook_url:
        return bot.webhook_url
    if not channel_url:
        return None
    parts = urlsplit(channel_url)
    return urlunsplit(parts._replace(path=f"/{path}"))


class BotGroup:
    """The bots of one channel, started and stopped together."""

    def __init__(
        self,
        members: list[Member],
        bots: list[BotSettings],
        *,
        webhook: WebhookSettings | None,
        channel: str,
        secret_header: str,
        secret: str | None,
    ):
        self.members = members
        self.bots = bots
        self.webhook = webhook  # None: polling
        self.channel = channel
        self.secret_header = secret_header
        self.secret = secret
        self._server: WebhookServer | None = None
        self._started: list[Member] = []

    @property
    def pumps(self) -> list[OutboxPump]:
        return [member.pump for member in self.members]

    async def start(self) -> None:
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        if self.webhook is None or len(self.members) == 1:
            for member in self.members:
                await member.start()
                self._started.append(member)
            return
        if not self.secret:  # hocvuso run refuses this set-up before any channel starts
            raise ValueError(f"{self.channel}.webhook: no secret_token and no url")
        server = self._server = WebhookServer(
            self.webhook,
            channel=self.channel,
            secret_header=self.secret_header,
            secret=self.secret,
            handle=self.members[0].on_webhook,
        )
        server.start()
        for index, (member, bot) in enumerate(zip(self.members, self.bots, strict=True)):
            path = webhook_path(server.path, bot, default=index == 0)
            await member.start(server, path, webhook_url(self.webhook.url, bot, path))
            self._started.append(member)

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop()
        for member in reversed(self._started):
            await member.stop()
