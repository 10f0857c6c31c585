"""Password hashing for customers' trading passwords.

Argon2id with OWASP's recommended profile (19 MiB, 2 passes, 1 lane). Django's default
(100 MiB, 8 lanes) takes ~185 ms per check on a 2-core machine and caps sign-ins at a few per
second; a 6-digit trading password is protected by lockouts and rate limits, not by making
each check expensive. Hashes made with other parameters are upgraded at the next sign-in.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class TradingPasswordHasher(Argon2PasswordHasher):
    algorithm = "argon2"
    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1
