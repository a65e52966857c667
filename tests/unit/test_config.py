"""Settings: TOML + environment, documented keys, one clear line per problem."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from bot.config import ConfigError, Settings, load_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def _fields(model: type[BaseModel], prefix: str = "") -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        inner = (
            getattr(annotation, "__args__", (annotation,))[0]
            if str(annotation).startswith("list[")
            else annotation
        )
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            names += _fields(inner, f"{prefix}{name}.")
        else:
            names.append(f"{prefix}{name}")
    return names


def test_settings_are_documented() -> None:
    """If a settings field exists, then config.example.toml sets it under a comment."""
    text = EXAMPLE.read_text()
    data = tomllib.loads(text)
    for dotted in _fields(Settings):
        section, _, key = dotted.rpartition(".")
        value = data
        for part in section.split(".") if section else []:
            value = value.get(part, {})
            if isinstance(value, list):
                value = value[0]
        assert key in value, f"{dotted} is missing from config.example.toml"
        lines = text.splitlines()
        header = re.compile(rf"\[\[?{re.escape(section)}\]\]?$") if section else None
        start = next((i for i, ln in enumerate(lines) if header and header.match(ln)), 0)
        line = next(i for i, ln in enumerate(lines) if i > start and re.match(rf"\s*{key}\s*=", ln))
        assert lines[line - 1].lstrip().startswith("#") or section == "areas", (
            f"{dotted} has no comment above it"
        )


def test_example_config_is_valid() -> None:
    """If the example is loaded, then it validates and names two languages and three areas."""
    settings = load_settings(EXAMPLE)
    assert settings.community.languages == ["en", "es"]
    assert [area.id for area in settings.areas] == ["north", "riverside", "old-town"]
    assert settings.privacy.min_group_size == 10


def test_environment_overrides_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """If FEEDBACKBOT_<SECTION>__<KEY> is set, then it wins over the file."""
    monkeypatch.setenv("FEEDBACKBOT_TELEGRAM__TOKEN", "42:from-env")
    monkeypatch.setenv("FEEDBACKBOT_ACCESS__ADMINS", "[7, 8]")
    monkeypatch.setenv("FEEDBACKBOT_PRIVACY__MIN_GROUP_SIZE", "5")
    settings = load_settings(EXAMPLE)
    assert settings.telegram.token is not None
    assert settings.telegram.token.get_secret_value() == "42:from-env"
    assert settings.access.admins == [7, 8]
    assert settings.privacy.min_group_size == 5
    assert settings.community.name == "Riverside Community Partnership"


def test_token_is_never_shown() -> None:
    """If settings are printed, then the token is masked."""
    settings = Settings(telegram={"token": "123:secret"})  # type: ignore[arg-type]
    assert "123:secret" not in repr(settings)
    assert "123:secret" not in str(settings.model_dump())


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('[community]\ntimezone = "Mars/Base"\n', "community.timezone: unknown time zone"),
        ('[comunity]\nname = "x"\n', "comunity: unknown key"),
        ('[privacy]\nmin_group_size = "ten"\n', "privacy.min_group_size:"),
        ("[privacy]\nmin_group_size = 0\n", "privacy.min_group_size:"),
        ('[[areas]]\nid = "a"\nname = "A"\n[[areas]]\nid = "a"\nname = "B"\n', "areas: area ids"),
        ('[[areas]]\nid = "Bad Id"\nname = "A"\n', "areas.0.id:"),
        ('[community]\nlanguages = ["en", "en"]\n', "community.languages: languages must not"),
        ("[community\n", "not valid TOML"),
        ('[telegram]\ntokn = "1:x"\n', "telegram.tokn: unknown key"),
    ],
)
def test_bad_file_gives_one_clear_line(tmp_path: Path, content: str, expected: str) -> None:
    """If the file is wrong, then the error names the file and the key in one line."""
    path = tmp_path / "config.toml"
    path.write_text(content)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert len(message.splitlines()) == 1
