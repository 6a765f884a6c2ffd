import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    # A fresh process with only the given variables: nothing of the test run's environment leaks in.
    skip = ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL")
    base = {k: v for k, v in os.environ.items() if not k.startswith("KABINET_") and k not in skip}
    base.update(env)
    return subprocess.run(
        [sys.executable, "-m", "kabinet", *args], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_manage("check", KABINET_DATA_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "KABINET_SECRET_KEY is required" in result.stderr


def test_check_deploy_is_clean_with_production_variables(tmp_path):
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        KABINET_DATA_DIR=str(tmp_path),
        KABINET_SECRET_KEY="x" * 20 + "a-long-random-production-secret-key-0123456789",
        KABINET_ALLOWED_HOSTS="kabinet.example.com",
        KABINET_ACQUIRER="yookassa",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_warns_when_the_sandbox_acquirer_takes_payments(tmp_path):
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        KABINET_DATA_DIR=str(tmp_path),
        KABINET_SECRET_KEY="x" * 20 + "a-long-random-production-secret-key-0123456789",
        KABINET_ALLOWED_HOSTS="kabinet.example.com",
    )
    assert result.returncode != 0 and "payments.W001" in result.stdout + result.stderr


def test_passwords_are_hashed_with_argon2_in_production():
    from kabinet import settings

    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
