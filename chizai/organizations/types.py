"""The user types every permission rule and write function speaks of."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

# Whoever makes a request: signed in or not. Permission rules take this.
AnyUser = AbstractBaseUser | AnonymousUser
# Whoever a write is recorded against; None for the system (plan files, reference data), named by `actor_label`.
Actor = AbstractBaseUser | AnonymousUser | None
