"""The hasher of generated one-time passwords.

The default hasher (PBKDF2, a million rounds) spends its rounds protecting passwords people
choose, which are guessable. A one-time password msoko generates has 60 bits of entropy from
``secrets``; 20 000 rounds on top of that leave no practical search, and they make the
accounts of a region's thousand schools a matter of seconds instead of minutes. The hash lives
until the first login: a successful login rehashes the password with the default hasher
(Django upgrades a hash whose algorithm is not the preferred one), and the user must change
the password at once anyway. See docs/adr/0015-school-accounts.md.
"""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher, make_password


class OneTimePBKDF2PasswordHasher(PBKDF2PasswordHasher):
    algorithm = "pbkdf2_sha256_onetime"
    iterations = 20_000


def one_time_hash(password: str) -> str:
    """The password's hash with the one-time hasher when the installation lists it."""
    try:
        get_hasher(OneTimePBKDF2PasswordHasher.algorithm)
    except ValueError:
        return make_password(password)
    return make_password(password, hasher=OneTimePBKDF2PasswordHasher.algorithm)
