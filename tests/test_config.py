"""Settings: defaults without a file, env overrides, one line naming the bad key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import REPO_LESSONS, ConfigError, load_settings


def test_defaults_without_a_file() -> None:
    settings = load_settings(None, env={})
    assert settings.database_url == "sqlite+aiosqlite:///hocvuso.db"
    assert settings.lessons_dir == REPO_LESSONS
    assert settings.telegram.token is None


def test_environment_overrides_and_secrets(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("telegram:\n  mode: webhook\n", encoding="utf-8")
    settings = load_settings(
        config,
        env={
            "HOCVUSO_DATABASE_URL": "sqlite+aiosqlite:///x.db",
            "HOCVUSO_TELEGRAM_TOKEN": "123:abc",
            "HOCVUSO_ZALO_TOKEN": "z:1",
            "HOCVUSO_LESSONS_DIR": "/srv/lessons",
        },
    )
    assert settings.database_url == "sqlite+aiosqlite:///x.db"
    assert settings.telegram.token == "123:abc" and settings.telegram.mode == "webhook"
    assert settings.zalo.token == "z:1"
    assert str(settings.lessons_dir) == "/srv/lessons"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("telegram:\n  mode: carrier-pigeon\n", "telegram.mode: Input should be 'polling' or 'webhook'"),
        ("telegrm:\n  token: x\n", "telegrm: unknown key"),
        ("reminders:\n  start_hour: 30\n", "reminders.start_hour: Input should be less than or equal to 23"),
        ("organizers: [bob]\n", "organizers: Value error, 'bob' must look like telegram:123456789"),
        (
            "organizers: ['telegram:@ha']\n",
            "'telegram:@ha' is not a Telegram chat id: use the numeric id, like telegram:123456789 "
            "(the person sends /id to the bot",
        ),
        ("a: [1,\n", "bad.yaml:2: expected the node content"),
        ("- just\n- a list\n", "the top level must be a mapping"),
    ],
)
def test_bad_config_is_one_line_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(config, env={})
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_cli_reports_bad_config_without_traceback(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("zalo:\n  mode: sms\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "lessons", "list"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith(f"hocvuso: {config}: zalo.mode:")
    assert len(proc.stderr.strip().splitlines()) == 1
    missing = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--config", str(tmp_path / "nope.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 2 and "file not found" in missing.stderr


def test_example_config_is_valid_and_documents_every_key() -> None:
    from bot.config import Settings

    example = Path(__file__).resolve().parents[1] / "config.example.yaml"
    settings = load_settings(example, env={})
    assert settings.lessons_dir == REPO_LESSONS
    text = example.read_text(encoding="utf-8")

    def keys(model: type, prefix: str = "") -> list[str]:
        found = []
        for name, field in model.model_fields.items():
            found.append(name)
            annotation = field.annotation
            if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
                found += keys(annotation)
        return found

    for key in keys(Settings):
        assert f"{key}:" in text, f"config.example.yaml does not mention {key}"
