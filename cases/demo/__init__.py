"""The demo: every fact of the seed article, read from ``fixtures/demo/``, loaded as a user would.

The facts are data, not code: the YAML files of the repository's ``fixtures/demo/`` folder
(places, organisations, people, events with their contested figures, three cases, the demo
team and accounts), each fact citing the excerpt of the article it comes from (source,
paragraph, quote). The article's text is carried there too (``article.txt``): reading checks
every quote against it, and the demo evidence file is drawn from it. See
``fixtures/README.md`` for the format.

- :mod:`cases.demo.facts` reads and checks the files (nothing is written if one is wrong);
- :mod:`cases.demo.loader` writes them through the services (``record_save``,
  ``citation_add``, ``figure_add``) as an explicit actor, creating only what is missing;
- :mod:`cases.demo.evidence` gives the article its evidence file and chain of custody.

Demo accounts (one per role) are created only in demo mode (``MONITOR_DEMO=1``).
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from cases.demo.facts import DemoDataError, DemoFacts, confidentiality, read_facts
from cases.demo.loader import REASON, DemoConflict, Loader
from monitor.choices import Role
from monitor.history import acting_as
from monitor.services import review_verify

__all__ = [
    "ACCOUNT_REASON",
    "REASON",
    "DemoConflict",
    "DemoDataError",
    "DemoRefused",
    "DemoReport",
    "load_demo",
    "read_facts",
]

ACCOUNT_REASON = "Demo account"


class DemoRefused(Exception):
    """Demo accounts were asked for outside demo mode."""


@dataclass
class DemoReport:
    """What a run did: records created per kind, and the accounts."""

    created: Counter = field(default_factory=Counter)
    #: The demo accounts' usernames, in the order of the facts (the coordinator first).
    usernames: list[str] = field(default_factory=list)
    accounts_created: list[str] = field(default_factory=list)
    passwords_set: list[str] = field(default_factory=list)
    #: The generated password of the accounts created in this run; shown once, never stored.
    generated_password: str | None = None
    actor: object = None

    def lines(self) -> list[str]:
        """A short summary for the command's output."""
        if self.created:
            made = ", ".join(f"{count} {kind}" for kind, count in sorted(self.created.items()))
            lines = [f"Demo data loaded as {self.actor}: created {made}."]
        else:
            lines = ["Demo data already present: nothing created."]
        if self.accounts_created:
            lines.append(f"Demo accounts created: {', '.join(self.accounts_created)}.")
        if self.passwords_set:
            lines.append(
                f"Password set from MONITOR_DEMO_PASSWORD for: {', '.join(self.passwords_set)}."
            )
        if self.generated_password:
            lines.append(
                f"Their password (shown only now): {self.generated_password}  "
                "(set MONITOR_DEMO_PASSWORD to choose it)"
            )
        return lines


def load_demo(*, actor=None, accounts: bool = True, folder: Path | str | None = None) -> DemoReport:
    """Load the demo facts (and, in demo mode, the demo accounts), creating only what is missing.

    Args:
        actor: the user every history row is attributed to. Defaults to the demo
            ``coordinator`` when accounts are created; required otherwise.
        accounts: create the demo accounts and put the monitor and reviewer on the demo
            team. Refused unless ``settings.DEMO`` is on.
        folder: where the fixture files are (default: the repository's ``fixtures/demo/``).

    Raises:
        DemoRefused: accounts asked for outside demo mode.
        DemoDataError: a fixture file is wrong (read before anything is written).
        DemoConflict: a case reference of the demo data belongs to another case.
        ValueError: no actor, or ``MONITOR_DEMO_PASSWORD`` too weak.
        django.core.exceptions.ValidationError: a fact fails a model's validation.
    """
    if accounts and not settings.DEMO:
        raise DemoRefused(
            "Demo accounts are only created in demo mode (MONITOR_DEMO=1). To load the demo "
            "data alone, pass --no-accounts --actor USERNAME."
        )
    facts = read_facts(folder)
    report = DemoReport(usernames=[account.username for account in facts.accounts])
    with transaction.atomic():
        users = _ensure_accounts(facts, report) if accounts else {}
        actor = actor or users.get(facts.accounts[0].username if facts.accounts else None)
        if actor is None:
            raise ValueError("The demo data needs an actor: the user its history names.")
        report.actor = actor
        loader = Loader(facts, actor, report.created)
        with acting_as(actor, reason=REASON):
            loader.load(
                team_members=[users[a.username] for a in facts.accounts if a.on_team and users]
            )
        _verify_reference_data(loader.reference, facts, users, actor)
    return report


def _verify_reference_data(records: list, facts: DemoFacts, users: dict, actor) -> None:
    """The places and organisations the demo added, verified by the demo reviewer (another
    pair of eyes than the actor's), so the demo's queue holds its case work. Without the demo
    accounts they wait in the queue, as any new reference data does."""
    reviewer = next(
        (users[a.username] for a in facts.accounts if a.role == Role.REVIEWER and users), None
    )
    if reviewer is None or reviewer == actor:
        return
    for record in records:
        review_verify(record=record, actor=reviewer, comment=REASON)


def _ensure_accounts(facts: DemoFacts, report: DemoReport) -> dict:
    """The demo accounts, created if missing; existing ones keep their password unless
    ``MONITOR_DEMO_PASSWORD`` is set. The first account is the actor of the others."""
    user_model = get_user_model()
    chosen = settings.DEMO_PASSWORD or None
    if chosen:
        try:
            validate_password(chosen)
        except ValidationError as exc:
            raise ValueError(f"MONITOR_DEMO_PASSWORD is too weak: {' '.join(exc)}") from exc
    users: dict = {}
    actor = None
    hashed = None
    for account in facts.accounts:
        user = user_model._default_manager.filter(username=account.username).first()
        with acting_as(actor, reason=ACCOUNT_REASON):
            if user is None:
                if not chosen and report.generated_password is None:
                    report.generated_password = secrets.token_urlsafe(12)
                user = user_model(
                    username=account.username,
                    first_name=account.first_name,
                    # example.org never delivers: the demo's console e-mail shows reminders.
                    email=f"{account.username}@example.org",
                    is_staff=True,
                    clearance=confidentiality(account.clearance),
                )
                # One hash for the accounts made now: they share the password, and each
                # Argon2 hash costs a fresh clone's `make run` a quarter of a second.
                hashed = hashed or make_password(chosen or report.generated_password)
                user.password = hashed
                user.full_clean()
                if actor is None:
                    # The first account has nobody before it: its creation is its own.
                    user._history_user = user
                user.save()
                report.accounts_created.append(account.username)
            elif chosen and not user.check_password(chosen):
                user.set_password(chosen)
                user.save(update_fields=["password"])
                report.passwords_set.append(account.username)
        group = Group.objects.filter(name=account.role).first()
        if group is None:
            raise DemoDataError(
                f"accounts.yaml: {account.username}: no role group “{account.role}” "
                "(run `manage.py migrate`; roles are Monitor, Reviewer, Coordinator, Viewer)."
            )
        if not user.groups.filter(pk=group.pk).exists():
            user.groups.add(group)
        users[account.username] = user
        actor = actor or user
    return users
