"""Typed settings: defaults, then config.yaml, then environment overrides.

Secrets (bot tokens) come only from the config file or the environment. A bad value is reported as
one line naming the key (`ConfigError`), never a traceback.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

REPO_LESSONS = Path(__file__).resolve().parent.parent / "lessons"


class ConfigError(Exception):
    """A configuration problem, already phrased as one line for the operator."""


_ZALO_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def person_problem(value: str) -> str | None:
    """Why `value` is not a person the bot can find ("telegram:123456789", "zalo:…", "console:NAME"),
    or None. A Telegram @username is no chat id: the bot cannot turn it into one."""
    channel, _, external = value.partition(":")
    how = "the person sends /id to the bot, which answers with the exact value to use"
    if channel == "telegram":
        if external.isascii() and external.isdigit() and len(external) <= 18:
            return None
        return f"'{value}' is not a Telegram chat id: use the numeric id, like telegram:123456789 ({how})"
    if channel == "zalo":
        if _ZALO_ID.fullmatch(external):
            return None
        return f"'{value}' is not a Zalo user id ({how})"
    if channel == "console":
        if external.strip() and len(external) <= 60 and external == " ".join(external.split()):
            return None
        return f"'{value}' must name a console user, like console:ha (the name given to hocvuso chat --user)"
    return f"'{value}' must look like telegram:123456789, zalo:<id> or console:NAME ({how})"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


# A webhook secret is what keeps strangers from posting forged updates (anyone's id, any update id),
# so a short one is refused: 32 random characters of [A-Za-z0-9_-] are 192 bits.
MIN_SECRET = 32


class WebhookSettings(_Section):
    url: str | None = None  # public HTTPS URL the platform posts to
    listen: str = "127.0.0.1"
    port: int = Field(default=8443, ge=1, le=65535)
    path: str = ""  # URL path; defaults to the channel name
    # None: derived from the bot token at start and registered with setWebhook (bot.channels.webhook)
    secret_token: str | None = None


class TelegramWebhookSettings(WebhookSettings):
    @field_validator("secret_token")
    @classmethod
    def _telegram_secret(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(rf"[A-Za-z0-9_-]{{{MIN_SECRET},256}}", value):
            raise ValueError(f"{MIN_SECRET}–256 characters of A-Z, a-z, 0-9, _ and -")
        return value


class ZaloWebhookSettings(WebhookSettings):
    port: int = Field(default=8444, ge=1, le=65535)

    @field_validator("secret_token")
    @classmethod
    def _zalo_secret(cls, value: str | None) -> str | None:
        if value is not None and not MIN_SECRET <= len(value) <= 256:
            raise ValueError(f"{MIN_SECRET}–256 characters")
        return value


class BotSettings(_Section):
    """One more bot of a channel (one per province, or per group of communes): its own token,
    webhook path and send budget. Learners stay with the bot they started with."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")
    token: str | None = None
    token_env: str | None = None  # environment variable holding the token (preferred)
    units: list[str] = []  # units (and everything under them) whose links and QR codes name this bot
    webhook_path: str | None = None  # default: "<channel's path>-<name>"
    webhook_url: str | None = None  # default: the channel's webhook.url with that path
    send_rate: float | None = Field(default=None, gt=0)  # messages/s; default: the channel's


class _ChannelSettings(_Section):
    enabled: bool = True
    token: str | None = None
    name: str = Field(default="main", pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")  # the token's bot
    bots: list[BotSettings] = []  # more bots beside (or instead of) `token`
    mode: Literal["polling", "webhook"] = "polling"
    # What the platform allows one bot to send: messages a second in all, seconds between two
    # messages to one chat. The bot paces itself just under (bot.channels.pacing).
    send_rate: float = Field(default=28.0, gt=0)
    chat_interval: float = Field(default=1.05, ge=0)

    def all_bots(self) -> list[BotSettings]:
        """Every bot of the channel, the default one (for people and units without a bot) first:
        the one of `token`, else the first of `bots`."""
        found = [BotSettings(name=self.name, token=self.token)] if self.token else []
        names = {bot.name for bot in found}
        return found + [bot for bot in self.bots if bot.name not in names]

    @field_validator("bots")
    @classmethod
    def _distinct(cls, value: list[BotSettings]) -> list[BotSettings]:
        names = [bot.name for bot in value]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"bot names must differ: {', '.join(repeated)}")
        return value


class TelegramSettings(_ChannelSettings):
    base_url: str = "https://api.telegram.org/bot"
    webhook: TelegramWebhookSettings = TelegramWebhookSettings()
    poll_timeout: int = Field(default=10, ge=0, le=50)


class ZaloSettings(_ChannelSettings):
    enabled: bool = False
    base_url: str = "https://bot-api.zaloplatforms.com"
    media_base_url: str | None = None  # public URL that serves the lessons folder's media
    webhook: ZaloWebhookSettings = ZaloWebhookSettings()
    poll_timeout: int = Field(default=30, ge=1, le=60)


class HelpSettings(_Section):
    escalate_after_minutes: int = Field(default=120, ge=1)


class ReminderSettings(_Section):
    idle_days: int = Field(default=2, ge=1)
    start_hour: int = Field(default=8, ge=0, le=23)  # local time, inclusive
    end_hour: int = Field(default=20, ge=1, le=24)  # local time, exclusive
    max_unanswered: int = Field(default=3, ge=1)
    recheck_days: list[int] = [3, 7, 30]


class LimitSettings(_Section):
    # Per chat, before any database work: a token bucket (bot.core.flood). 0 turns it off (benchmarks).
    chat_messages_per_second: float = Field(default=1.0, ge=0)
    chat_burst: int = Field(default=10, ge=1)
    # Typed join codes: wrong codes per platform identity, and wrong codes per minute bot-wide.
    code_failures: int = Field(default=5, ge=1)
    code_failure_minutes: int = Field(default=15, ge=1)
    code_failures_per_minute: int = Field(default=30, ge=1)
    # Zalo updates being handled at once (webhook and polling); more wait, then get 503.
    zalo_in_flight: int = Field(default=64, ge=1)
    # Minutes between two Excel reports of one organizer.
    report_cooldown_minutes: int = Field(default=2, ge=0)


class Targets(_Section):
    classes: int | None = None
    learners: int | None = None
    completions: int | None = None
    volunteers: int | None = None
    # The campaign's own units (README "Reports": campaign metrics). «lượt» counts occurrences.
    teams: int | None = None  # đội hình
    classes_held: int | None = None  # classes with at least one held session
    attendance: int | None = None  # «lượt người dân» attending class sessions
    people_supported: int | None = None  # «lượt người dân» supported face to face
    outreach_events: int | None = None  # hoạt động ra quân held
    volunteer_shifts: int | None = None  # «lượt ĐVTN» on duty at service centres
    volunteers_trained: int | None = None  # «lượt ĐVTN» at training sessions (tập huấn)
    certificates: int | None = None  # giấy chứng nhận issued


class Partner(_Section):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,23}$")
    name: str = Field(min_length=2, max_length=60)


DEFAULT_PARTNERS = [
    Partner(id="ccb", name="Hội Cựu chiến binh"),
    Partner(id="lhpn", name="Hội Liên hiệp Phụ nữ"),
    Partner(id="nong-dan", name="Hội Nông dân"),
    Partner(id="nguoi-cao-tuoi", name="Hội Người cao tuổi"),
]


class CampaignSettings(_Section):
    name: str = "Bình dân học vụ số"
    # A phone number learners can call when no volunteer or organizer can take their question.
    hotline: str | None = Field(default=None, max_length=40)
    # The campaign period (local days, inclusive): the default period of every report, and the
    # pace the Monday digest measures units against.
    start: date | None = None
    end: date | None = None
    targets: Targets = Targets()
    unit_targets: dict[str, Targets] = {}  # unit id -> targets for that unit
    # Organizations that co-organize classes and outreach days (Hội CCB, Hội LHPN…).
    partners: list[Partner] = DEFAULT_PARTNERS

    @field_validator("partners")
    @classmethod
    def _unique_partners(cls, value: list[Partner]) -> list[Partner]:
        ids = [p.id for p in value]
        if len(ids) != len(set(ids)):
            raise ValueError("partner ids must be unique")
        return value

    @model_validator(mode="after")
    def _period(self) -> CampaignSettings:
        if self.start and self.end and self.end < self.start:
            raise ValueError("campaign.end is before campaign.start")
        return self

    def partner_name(self, partner_id: str) -> str:
        return next((p.name for p in self.partners if p.id == partner_id), partner_id)


class WebSettings(_Section):
    """The organizers' web dashboard (bot/web), served by `hocvuso web` or, when enabled, `hocvuso run`."""

    enabled: bool = False  # start it with `hocvuso run`
    listen: str = "127.0.0.1"  # safe by default: only this machine (a reverse proxy in front)
    port: int = Field(default=8080, ge=1, le=65535)
    url: str | None = None  # public address used in sign-in links, e.g. https://bot.example.vn/web
    # Signs the session cookie. Prefer HOCVUSO_WEB_SECRET; without either, a random one is generated
    # once and kept in the database (table app_secrets), so every process shares it.
    secret: str | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
            raise ValueError("must be an http(s) address such as https://bot.example.vn/web")
        return value.rstrip("/") if value else value

    @field_validator("secret")
    @classmethod
    def _secret(cls, value: str | None) -> str | None:
        if value is not None and len(value) < 32:
            raise ValueError("must be at least 32 characters (e.g. `openssl rand -hex 32`)")
        return value


class Settings(_Section):
    database_url: str = "sqlite+aiosqlite:///hocvuso.db"
    lessons_dir: Path = REPO_LESSONS
    address: str = "Bác"  # how the bot addresses learners: "Bác", "Cô", "Chú"...
    timezone: str = "Asia/Ho_Chi_Minh"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    organizers: list[str] = []  # "telegram:123", "zalo:abc", "console:ha"
    telegram: TelegramSettings = TelegramSettings()
    zalo: ZaloSettings = ZaloSettings()
    # How many `hocvuso run` processes share these bots (webhook mode, PostgreSQL): each sends at
    # most its share of every bot's send budget.
    workers: int = Field(default=1, ge=1, le=64)
    help: HelpSettings = HelpSettings()
    reminders: ReminderSettings = ReminderSettings()
    campaign: CampaignSettings = CampaignSettings()
    web: WebSettings = WebSettings()
    limits: LimitSettings = LimitSettings()
    # Key for HMACs of platform ids (rate limits on code guessing). None: one is generated and kept
    # in the database. Prefer the HOCVUSO_SECRET_KEY environment variable.
    secret_key: str | None = Field(default=None, min_length=MIN_SECRET)

    def webhook_problems(self) -> list[str]:
        """Unsafe webhook set-ups, one line each: `hocvuso run` refuses them, `hocvuso doctor` fails.
        Without a secret anyone could post forged updates; the bot derives one from the token, but
        can only register it when it knows the URL to register."""
        problems = []
        for name, channel in (("telegram", self.telegram), ("zalo", self.zalo)):
            hook = channel.webhook
            if not channel.enabled or channel.mode != "webhook":
                continue
            if not hook.secret_token and not hook.url:
                problems.append(
                    f"{name}.webhook: no secret_token and no url: set webhook.url (the bot then registers "
                    f"a secret derived from the token) or a secret_token of {MIN_SECRET}+ characters"
                )
            if hook.url and not _https_or_loopback(hook.url):
                problems.append(f"{name}.webhook.url: must be https:// (the secret travels in a header)")
        return problems

    @field_validator("organizers")
    @classmethod
    def _channel_ids(cls, value: list[str]) -> list[str]:
        for item in value:
            problem = person_problem(item)
            if problem:
                raise ValueError(problem)
        return value

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        value = value.strip()
        if not value or len(value) > 10:
            raise ValueError("must be a short form of address such as 'Bác'")
        return value[0].upper() + value[1:]


def _https_or_loopback(url: str) -> bool:
    parsed = urlsplit(url)
    return parsed.scheme == "https" or (
        parsed.scheme == "http" and parsed.hostname in ("127.0.0.1", "localhost", "::1")
    )


ENV_OVERRIDES: dict[str, tuple[str, ...]] = {
    "HOCVUSO_DATABASE_URL": ("database_url",),
    "HOCVUSO_LESSONS_DIR": ("lessons_dir",),
    "HOCVUSO_TELEGRAM_TOKEN": ("telegram", "token"),
    "HOCVUSO_ZALO_TOKEN": ("zalo", "token"),
    "HOCVUSO_WEB_SECRET": ("web", "secret"),
    "HOCVUSO_TELEGRAM_WEBHOOK_SECRET": ("telegram", "webhook", "secret_token"),
    "HOCVUSO_ZALO_WEBHOOK_SECRET": ("zalo", "webhook", "secret_token"),
    "HOCVUSO_SECRET_KEY": ("secret_key",),
}


def _set(data: dict[str, Any], path: tuple[str, ...], value: str) -> None:
    for key in path[:-1]:
        node = data.get(key)
        if not isinstance(node, dict):
            node = {}
            data[key] = node
        data = node
    data[path[-1]] = value


def load_settings(path: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None) -> Settings:
    """Read settings; `path=None` means no file (all defaults). Raises ConfigError with one line."""
    env = dict(os.environ) if env is None else env
    source = "config"
    data: dict[str, Any] = {}
    lessons_from_file = False
    if path is not None:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"{source}: file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{source}: cannot read ({exc.__class__.__name__})") from None
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f":{mark.line + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or "not valid YAML"
            raise ConfigError(f"{source}{where}: {problem}") from None
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"{source}: the top level must be a mapping of keys")
        data = loaded
    lessons_from_file = "lessons_dir" in data and not env.get("HOCVUSO_LESSONS_DIR")
    for var, key_path in ENV_OVERRIDES.items():
        if env.get(var):
            _set(data, key_path, env[var])
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(part) for part in err["loc"]) or "(top level)"
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        raise ConfigError(f"{source}: {key}: {message}") from None
    for section in (settings.telegram, settings.zalo):
        for bot in section.bots:
            if not bot.token and bot.token_env:
                bot.token = env.get(bot.token_env) or None
    if lessons_from_file and not Path(settings.lessons_dir).is_absolute():
        # A relative lessons_dir in a config file is relative to that file, not to the shell's cwd.
        settings.lessons_dir = (Path(path).resolve().parent / settings.lessons_dir).resolve()
    return settings
