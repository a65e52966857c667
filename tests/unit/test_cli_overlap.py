"""Rounds from the CLI follow the chat's rules: no two rounds of one survey for the same
residents at the same time without --allow-overlap; errors and counts read as plain English."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.texts import Catalogue


def _config(tmp_path: Path) -> list[str]:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\npath = "{tmp_path / "db.sqlite3"}"\n'
        '[community]\ntimezone = "Europe/Madrid"\n'
        '[[areas]]\nid = "north"\nname = "North"\n'
        '[[areas]]\nid = "south"\nname = "South"\n'
    )
    return ["--config", str(config), "rounds"]


def _create(base: list[str], *extra: str) -> int:
    return main([*base, "create", "--survey", "community-trust-safety", "--closes", "7d", *extra])


def test_overlapping_round_needs_allow_overlap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """If a round of the same survey already runs for North, then another for North (or for
    every area) over the same days exits 2 naming that round, one for South alone or with
    --allow-overlap is created."""
    base = _config(tmp_path)
    assert _create(base, "--areas", "north") == 0
    capsys.readouterr()
    assert _create(base, "--areas", "north,south") == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: round #1 of community-trust-safety already runs then")
    assert "\n" not in err
    assert _create(base) == 2
    capsys.readouterr()
    assert _create(base, "--areas", "south") == 0
    assert "#2 community-trust-safety scheduled" in capsys.readouterr().out
    assert _create(base, "--areas", "north", "--allow-overlap") == 0
    assert "#3 community-trust-safety scheduled" in capsys.readouterr().out


def test_closing_twice_says_already_closed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """If a round is cancelled and then cancelled again, then the error says it already is,
    not that it "cannot become cancelled"."""
    base = _config(tmp_path)
    assert _create(base) == 0
    assert main([*base, "cancel", "1"]) == 0
    capsys.readouterr()
    assert main([*base, "cancel", "1"]) == 2
    err = capsys.readouterr().err
    assert "round 1 is already cancelled" in err and "cannot become" not in err
    assert main([*base, "close", "1"]) == 2
    assert "round 1 is cancelled; it cannot be closed now" in capsys.readouterr().err


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(("count", "singular"), [(0, False), (1, True), (2, False), (21, False)])
def test_counts_are_pluralised(language: str, count: int, singular: bool) -> None:
    """If a message counts residents, then 1 reads singular and every other count plural, in
    each language."""
    texts = Catalogue.load(["en", "es"])
    for key in ("announce_queued", "wedid_sent", "announce_preview", "round_held"):
        text = texts.plural(language, key, count, round=3, until="x", zone="y")
        assert str(count) in text
        word = {
            "en": ("resident", "participant", "invitation"),
            "es": ("vecino", "participante", "invitaci"),
        }[language]
        plural_marks = (
            "residents",
            "participants",
            "invitations",
            "vecinos",
            "participantes",
            "invitaciones",
        )
        assert any(w in text for w in word), text
        assert any(p in text for p in plural_marks) is not singular, text
