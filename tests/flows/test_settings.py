"""Settings: defaults, TOML file, SLANT_* environment, flags; errors name the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.errors import ConfigError
from flows.settings import load_settings


def test_defaults_refuse_every_private_host() -> None:
    policy = load_settings().private_policy()
    assert not policy.any_host and not policy.hosts


def test_environment_takes_a_comma_separated_list_or_1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLANT_ALLOW_PRIVATE", "127.0.0.1, 10.0.0.5:8080")
    assert load_settings().private_policy().hosts == {"127.0.0.1", "10.0.0.5:8080"}
    monkeypatch.setenv("SLANT_ALLOW_PRIVATE", "1")
    assert load_settings().private_policy().any_host


def test_precedence_is_flags_then_environment_then_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "slant.toml"
    config.write_text('host_delay_s = 0.2\nallow_private = ["127.0.0.1"]\ndb_path = "x.duckdb"\n', encoding="utf-8")
    assert load_settings(config).host_delay_s == 0.2
    assert load_settings(config).allow_private == ["127.0.0.1"]
    monkeypatch.setenv("SLANT_HOST_DELAY_S", "0.5")
    assert load_settings(config).host_delay_s == 0.5
    assert load_settings(config, host_delay_s=0.0).host_delay_s == 0.0


def test_slant_config_variable_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "other.toml"
    config.write_text("batch_size = 7\n", encoding="utf-8")
    monkeypatch.setenv("SLANT_CONFIG", str(config))
    assert load_settings().batch_size == 7


def test_unknown_or_invalid_keys_are_errors_naming_the_file(tmp_path: Path) -> None:
    config = tmp_path / "slant.toml"
    config.write_text("host_delay = 1\nbatch_size = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    message = str(info.value)
    assert f"{config}: host_delay: Extra inputs are not permitted" in message
    assert f"{config}: batch_size: Input should be greater than or equal to 1" in message


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="settings file not found"):
        load_settings(tmp_path / "nope.toml")
