"""Accounts for schools: one school-administrator account for every school of a territory
that has none yet, with a one-time password, handed over as an XLSX to whoever generated them.

The passwords exist in clear only in the returned ``IssuedAccount`` list and in the XLSX made
from it (a download in the web, a file on the command line): the database keeps their hashes,
the audit log one bulk row naming the organisations and logins. Each account must change its
password at first login (``User.must_change_password``, ``ForcePasswordChangeMiddleware``).

Used by ``msoko accounts schools`` and by the button on the administration pages; both go
through ``issue_school_accounts``, which checks the generating user's scope with the policy.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from msoko.access import audit, policy
from msoko.access.hashers import one_time_hash
from msoko.access.models import Role, User
from msoko.registry.models import Organisation, Territory

# No 0/O, 1/l/I: the passwords are read from a sheet and typed by hand.
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # noqa: S105 - an alphabet, not a password
PASSWORD_GROUPS = 3
PASSWORD_GROUP_LENGTH = 4
XLSX_HEADERS = ("Код организации", "Наименование организации", "Логин", "Временный пароль")

_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o",
            "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e",
            "yu", "ya",
        ],
        strict=True,
    )
)


class AccountsError(Exception):
    """A refusal with its reason in Russian (nothing has been written)."""


@dataclass(frozen=True)
class IssuedAccount:
    org_code: str
    org_name: str
    login: str
    password: str
    created: bool  # False: an existing account whose password was reset


def one_time_password() -> str:
    """A readable random password: three groups of four, e.g. «k7pq-m3xd-w9ta» (14 characters,
    12 of them random from 32 symbols: 60 bits)."""
    groups = [
        "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_GROUP_LENGTH))
        for _ in range(PASSWORD_GROUPS)
    ]
    return "-".join(groups)


def transliterate(text: str) -> str:
    """Lower-case Latin letters, digits and hyphens: «СОШ-1» → «sosh-1», «A1» → «a1»."""
    out = []
    for ch in text.lower():
        if ch in _TRANSLIT:
            out.append(_TRANSLIT[ch])
        elif ch.isascii() and ch.isalnum():
            out.append(ch)
        else:
            out.append("-")
    return re.sub(r"-+", "-", "".join(out)).strip("-")


def login_for(org_code: str, taken: set[str]) -> str:
    """A login derived from the organisation code, unique (case-insensitively) among
    ``taken`` and the existing users: «a1», else «a1-2», «a1-3», ...

    ``taken`` holds lower-case logins already given (by this run, or loaded once by the
    caller); the database is asked too, so a caller may pass an empty set."""
    base = transliterate(org_code) or "school"
    candidate, n = base, 1
    while candidate in taken or User.objects.filter(username__iexact=candidate).exists():
        taken.add(candidate)
        n += 1
        candidate = f"{base}-{n}"
    taken.add(candidate)
    return candidate


def has_school_account(org: Organisation) -> bool:
    return User.objects.filter(
        role=Role.SCHOOL_ADMIN, organisation=org, is_active=True
    ).exists()


def _schools(actor: Any, territory: Territory, codes: Sequence[str]) -> list[Organisation]:
    """The schools of the territory (or the listed ones), refused if any is out of scope."""
    if actor is not None and not policy.administered_territories(actor).filter(
        pk=territory.pk
    ).exists():
        raise AccountsError(f"Территория {territory.code} вне вашей области администрирования.")
    qs = Organisation.objects.filter(
        territory_id__in=territory.descendant_ids(), kind=Organisation.Kind.SCHOOL, is_active=True
    )
    if actor is not None:
        qs = qs.filter(pk__in=policy.administered_organisations(actor))
    if codes:
        wanted = list(dict.fromkeys(codes))
        found = {o.code: o for o in qs.filter(code__in=wanted)}
        missing = [c for c in wanted if c not in found]
        if missing:
            raise AccountsError(
                "Нет таких действующих школ на территории "
                f"{territory.code} ({territory.name}): {', '.join(missing)}."
            )
        return [found[c] for c in wanted]
    return list(qs.order_by("code"))


def issue_school_accounts(
    actor: Any,
    territory: Territory,
    codes: Sequence[str] = (),
    *,
    reset: bool = False,
) -> list[IssuedAccount]:
    """Create the missing school-administrator accounts (or, with ``reset``, new one-time
    passwords for the listed schools' accounts). ``actor`` None is the command line without
    ``--user`` (the server's operator); otherwise her scope is checked.

    One transaction; one bulk audit row naming organisations and logins, never passwords."""
    if actor is not None and not policy.can_administer(actor):
        raise AccountsError("Создавать учётные записи школ вы не можете.")
    if reset and not codes:
        raise AccountsError("Новые пароли выдаются только перечисленным школам (--org КОД).")
    schools = _schools(actor, territory, codes)
    issued: list[IssuedAccount] = []
    taken: set[str] = set()
    with transaction.atomic(), audit.DANGEROUS_unaudited():
        accounts: dict[int, list[User]] = {}
        for user in User.objects.filter(
            role=Role.SCHOOL_ADMIN, organisation__in=[o.pk for o in schools], is_active=True
        ).order_by("pk"):
            accounts.setdefault(user.organisation_id or 0, []).append(user)
        for org in schools:
            if reset:
                for user in accounts.get(org.pk, []):
                    password = one_time_password()
                    user.password = one_time_hash(password)
                    user.must_change_password = True
                    user.save(update_fields=["password", "must_change_password"])
                    issued.append(
                        IssuedAccount(org.code, org.short_name, user.username, password, False)
                    )
                continue
            if org.pk in accounts:
                continue
            password = one_time_password()
            user = User(
                username=login_for(org.code, taken),
                role=Role.SCHOOL_ADMIN,
                organisation=org,
                position="администратор ОО",
                must_change_password=True,
            )
            user.password = one_time_hash(password)
            user.save()
            issued.append(IssuedAccount(org.code, org.short_name, user.username, password, True))
        if issued:
            audit.record(
                "bulk",
                model="access.User",
                object_id=territory.code,
                object_repr=(
                    f"Учётные записи школ ({territory.name}): "
                    + ("новые пароли" if reset else "созданы")
                    + f" — {len(issued)}"
                ),
                changes={
                    "operation": "school_accounts_reset" if reset else "school_accounts",
                    "territory": territory.code,
                    "organisations": [a.org_code for a in issued],
                    "logins": [a.login for a in issued],
                },
                actor=actor,
            )
    return issued


def accounts_xlsx(issued: Iterable[IssuedAccount]) -> bytes:
    """The sheet handed to the person who generated the accounts: one row per account."""
    from openpyxl.styles import Font

    from msoko.exports_safe import SafeWorkbook

    wb = SafeWorkbook()
    wb.remove(wb.worksheets[0])
    ws = wb.create_sheet("Учётные записи")
    ws.append(list(XLSX_HEADERS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for a in issued:
        ws.append([a.org_code, a.org_name, a.login, a.password])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.number_format = "@"  # text: a code like «001» stays as written
    for column, width in zip("ABCD", (18, 60, 20, 20), strict=True):
        ws.column_dimensions[column].width = width
    ws.freeze_panes = "A2"
    return wb.to_bytes()
