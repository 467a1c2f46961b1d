"""Users, teams and logins: argon2 password hashes, session and API tokens stored as digests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rapport.accounts.models import AuthToken, Team, User
from rapport.accounts.schemas import TeamRead, UserRead
from rapport.errors import Busy, Conflict, Invalid, NotFound, Unauthenticated
from rapport.kit.clock import as_utc, utcnow
from rapport.kit.ids import digest, new_token
from rapport.privacy import audit
from rapport.privacy.access import Action, Principal, Role
from rapport.privacy.models import AuditEvent
from rapport.store.listing import Listing
from rapport.store.records import Records

MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()
# Verifying against this keeps a login for an unknown email as slow as one with a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")

users = Records(
    model=User,
    entity="users",
    listing=Listing(
        id_column=User.id,
        sortable={"id": User.id, "name": User.name, "email": User.email},
        filterable={"role": User.role, "is_active": User.is_active, "email": User.email},
        searchable=(User.name, User.email),
    ),
)

teams = Records(
    model=Team,
    entity="teams",
    listing=Listing(id_column=Team.id, sortable={"id": Team.id, "name": Team.name}, filterable={}),
)


def check_password_policy(password: str, *, email: str = "") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    if password.lower() in {email.lower(), email.split("@")[0].lower()}:
        raise Invalid("the password must not be the email address")
    if len(set(password)) < 4:
        raise Invalid("the password is too repetitive")


def create_user(session: Session, principal: Principal, values: Mapping[str, Any]) -> User:
    """Rights first (audited when refused): otherwise the duplicate check tells anyone which emails have accounts."""
    users._require(session, principal, Action.create, None)
    values = dict(values)
    email = values["email"].strip().lower()
    if session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise Conflict(f"a user with email {email} already exists")
    if "password_hash" not in values:  # callers inside Rapport may pass a hash made once for many users
        password = values.pop("password")
        check_password_policy(password, email=email)
        values["password_hash"] = hash_password(password)
    team_ids = values.pop("team_ids", [])
    values.update(email=email, role=str(values["role"]))
    user = users.create(session, principal, values)
    for team_id in team_ids:
        team = session.get(Team, team_id)
        if team is None:
            raise NotFound(f"team {team_id} not found")
        team.members.append(user)
    session.flush()
    return user


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def set_password(session: Session, user: User, password: str) -> None:
    check_password_policy(password, email=user.email)
    user.password_hash = _hasher.hash(password)
    session.flush()


def create_team(session: Session, principal: Principal, values: Mapping[str, Any]) -> Team:
    values = dict(values)
    if session.scalar(select(Team.id).where(Team.name == values["name"])) is not None:
        raise Conflict(f"a team named {values['name']} already exists")
    member_ids = values.pop("member_ids", [])
    members = []
    for user_id in member_ids:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"user {user_id} not found")
        members.append(user)
    return teams.create(session, principal, {**values, "members": members})


@dataclass(frozen=True)
class LoginPolicy:
    """Failed logins counted per account and per IP over `window_s`; at the limit, logins wait `lockout_s` after the
    last failure. Counted from the audit log's failed-login events, so every process and worker agrees."""

    max_failures: int = 5
    ip_max_failures: int = 20
    window_s: int = 900
    lockout_s: int = 900

    @classmethod
    def from_settings(cls, security: Any) -> LoginPolicy:
        return cls(
            max_failures=security.login_max_failures,
            ip_max_failures=security.login_ip_max_failures,
            window_s=security.login_window_s,
            lockout_s=security.lockout_s,
        )


def _failed_logins(session: Session, since: datetime, *, label: str | None = None, ip: str | None = None) -> Any:
    query = select(func.count(AuditEvent.id), func.max(AuditEvent.at)).where(
        AuditEvent.action == "login", AuditEvent.outcome == "failed", AuditEvent.at >= since
    )
    query = query.where(AuditEvent.actor == label) if label is not None else query.where(AuditEvent.ip == ip)
    return session.execute(query).one()


def check_lockout(session: Session, email: str, *, ip: str | None, policy: LoginPolicy) -> None:
    """Busy (429 with Retry-After) while the account or the IP is locked; the refusal is audited."""
    now = utcnow()
    since = now - timedelta(seconds=max(policy.window_s, policy.lockout_s))
    label = email.strip().lower()[:254]
    user = session.scalar(select(User).where(func.lower(User.email) == label))
    if user is not None and user.last_login_at is not None:
        since = max(since, as_utc(user.last_login_at))  # a successful login clears the account's count
    checks = [(_failed_logins(session, since, label=label), policy.max_failures, "account")]
    if ip:
        ip_since = now - timedelta(seconds=max(policy.window_s, policy.lockout_s))
        checks.append((_failed_logins(session, ip_since, ip=ip), policy.ip_max_failures, "address"))
    for (count, last), limit, what in checks:
        if limit > 0 and count >= limit and last is not None:
            wait_s = int((as_utc(last) + timedelta(seconds=policy.lockout_s) - now).total_seconds()) + 1
            if wait_s > 0:
                who = Principal(role=Role.analyst, label=label, via="api", ip=ip)
                audit.defer(
                    session,
                    who,
                    action="login",
                    entity="users",
                    outcome="denied",
                    detail={"reason": f"{what} locked", "failures": count},
                )
                raise Busy(
                    f"too many failed logins for this {what}; try again in {max(1, round(wait_s / 60))} minutes",
                    retry_after_s=wait_s,
                )


def authenticate(
    session: Session, email: str, password: str, *, ip: str | None = None, policy: LoginPolicy | None = None
) -> User:
    """The active user with this email and password, or Unauthenticated (the same message either way).

    Before the password is checked, an account or IP with too many recent failures is refused (`LoginPolicy`)."""
    check_lockout(session, email, ip=ip, policy=policy or LoginPolicy())
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        user_ok = False
    else:
        user_ok = user is not None and user.is_active
    if not user_ok or user is None:
        who = Principal(role=Role.analyst, label=email.strip().lower()[:254], via="api", ip=ip)
        audit.defer(session, who, action="login", entity="users", outcome="failed")
        raise Unauthenticated("wrong email or password")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = utcnow()
    audit.record(session, principal_for(user, via="api", ip=ip), action="login", entity="users", entity_id=user.id)
    return user


def issue_token(session: Session, user: User, *, kind: str, name: str = "", ttl_s: int | None = None) -> AuthToken:
    """A new secret for the user; `token.secret` is set on the returned object only, never stored."""
    secret = new_token("rps" if kind == "session" else "rpt")
    now = utcnow()
    token = AuthToken(
        user_id=user.id,
        kind=kind,
        name=name,
        token_digest=digest(secret),
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_s) if ttl_s else None,
    )
    session.add(token)
    session.flush()
    token.secret = secret  # type: ignore[attr-defined]
    return token


def user_for_token(session: Session, secret: str) -> User:
    token = session.scalar(select(AuthToken).where(AuthToken.token_digest == digest(secret)))
    now = utcnow()
    if token is None or token.revoked_at is not None or (token.expires_at and as_utc(token.expires_at) <= now):
        raise Unauthenticated("the token or session is invalid or expired; log in again")
    if not token.user.is_active:
        raise Unauthenticated("this account is disabled")
    return token.user


def revoke_token(session: Session, secret: str) -> None:
    token = session.scalar(select(AuthToken).where(AuthToken.token_digest == digest(secret)))
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()


def principal_for(user: User, *, via: str, ip: str | None = None, request_id: str | None = None) -> Principal:
    return Principal(
        role=Role(user.role),
        user_id=user.id,
        label=f"{user.email} ({user.role})",
        team_ids=frozenset(team.id for team in user.teams),
        via=via,
        ip=ip,
        request_id=request_id,
    )


def own_account(session: Session, principal: Principal) -> User:
    """The caller's own user: every role may read itself, whatever its rights on other users (analysts have none)."""
    user = session.get(User, principal.user_id) if principal.user_id is not None else None
    if user is None:
        raise NotFound("this principal has no user account")
    return user


def present_user(user: User) -> UserRead:
    return UserRead.model_validate(
        {
            **{k: getattr(user, k) for k in UserRead.model_fields if k != "team_ids"},
            "team_ids": [t.id for t in user.teams],
        }
    )


def present_team(team: Team) -> TeamRead:
    return TeamRead(id=team.id, name=team.name, member_ids=[m.id for m in team.members])


def get_by_email(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise NotFound(f"no user with email {email}")
    return user
