import pytest

from kaifang.config import env

pytestmark = pytest.mark.engine_independent


def test_defaults_use_sqlite_in_home_and_keep_a_generated_secret(tmp_path):
    values = env.load({"KAIFANG_HOME": str(tmp_path)})

    assert values["DATABASE_URL"] == f"sqlite:///{tmp_path / 'kaifang.sqlite3'}"
    assert len(values["SECRET_KEY"]) > 40
    assert env.load({"KAIFANG_HOME": str(tmp_path)})["SECRET_KEY"] == values["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_sizes_and_flags_are_parsed(tmp_path):
    values = env.load(
        {
            "KAIFANG_HOME": str(tmp_path),
            "KAIFANG_UPLOAD_MAX_BYTES": "1.5G",
            "KAIFANG_PLATFORM_REVIEW": "yes",
            "SECRET_KEY": "x" * 50,
        }
    )

    assert values["KAIFANG_UPLOAD_MAX_BYTES"] == int(1.5 * 1024**3)
    assert values["KAIFANG_PLATFORM_REVIEW"] is True


def test_every_bad_value_is_named_in_one_error(tmp_path):
    with pytest.raises(env.ConfigError) as caught:
        env.load(
            {
                "KAIFANG_HOME": str(tmp_path),
                "KAIFANG_UPLOAD_MAX_BYTES": "lots",
                "KAIFANG_DEBUG": "maybe",
                "SECRET_KEY": "x" * 50,
            }
        )

    message = str(caught.value)
    assert "KAIFANG_UPLOAD_MAX_BYTES='lots'" in message
    assert "KAIFANG_DEBUG='maybe'" in message
    assert "环境变量配置有误" in message
