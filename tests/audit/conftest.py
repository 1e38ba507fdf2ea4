"""The audit tests sign staff in often: cheap argon2, as in the identity tests."""

from tests.identity.conftest import _cheap_password_hashing  # noqa: F401 - an autouse fixture
