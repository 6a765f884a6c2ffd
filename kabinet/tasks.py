"""Task queue wiring: Huey (SQLite embedded, Redis with REDIS_URL). Tasks live in each app's tasks.py."""

from huey.contrib.djhuey import HUEY as huey  # noqa: F401
