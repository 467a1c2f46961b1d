"""Field-level encryption at rest: AES-256-GCM per value, the key id stored with it, and keyed blind indexes.

A personal column is declared with `Encrypted("customers.email")`. Every value written through SQLAlchemy (the ORM,
Core inserts and updates, the importer's executemany) is encrypted by the column type; every value read back is
decrypted by it. The stored text is `v1:<key id>:<base64url(nonce | ciphertext | tag)>`; the column name is the
associated data, so a ciphertext copied into another column does not decrypt.

Equality on ciphertext means nothing (each value has its own random nonce), so comparing an encrypted column in SQL
raises at once; exact-match search goes through a blind index instead: `blind_index("email", value)`, an HMAC-SHA256
under a separate index key, stored in an indexed column beside the ciphertext.

Keys come from a `KeyProvider`: by default a keyring file (`data_dir/keys/fields.json`, mode 600, made on first use,
or `RAPPORT_PRIVACY__KEY_FILE`); a KMS plugs in as a class named by `RAPPORT_PRIVACY__KEY_PROVIDER`. Rotation adds a
key and makes it current; old keys stay readable until every value has been re-encrypted (`rapport privacy
rotate-keys`, rapport/privacy/rotation.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import importlib
import json
import os
import secrets
import threading
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement, operators
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    from rapport.settings import Settings

PREFIX = "v1"
KEYRING_RELOAD_S = 1.0  # how soon a process sees a keyring another process rotated
NONCE_BYTES = 12
KEY_BYTES = 32


class UnreadableField(LookupError):
    """A stored value names a key this process does not have (a wrong or incomplete keyring)."""


class KeyProvider(Protocol):
    """Where field keys come from. A KMS-backed provider implements these four and is named in settings."""

    def current_key_id(self) -> str: ...

    def data_key(self, key_id: str) -> bytes: ...

    def key_ids(self) -> list[str]: ...

    def index_key(self) -> bytes: ...


def new_key_id() -> str:
    return "k" + secrets.token_hex(5)


class KeyFile:
    """A keyring kept in one JSON file: {"current": id, "keys": {id: base64}, "index": base64}, mode 600.

    Written atomically (a temporary file renamed over it), so a crash during rotation leaves the old or the new
    keyring, never half of one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._checked = 0.0
        self._mtime = 0
        self._current = ""
        self._keys: dict[str, bytes] = {}
        self._index = b""
        if not path.exists():
            self._create()
        self._load()

    def _create(self) -> None:
        ring = {"current": new_key_id(), "index": _b64(secrets.token_bytes(KEY_BYTES))}
        ring["keys"] = {ring["current"]: _b64(secrets.token_bytes(KEY_BYTES))}  # type: ignore[assignment]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(ring, handle)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, self.path)  # appears whole or not at all; another process may have made it first: use theirs
        except FileExistsError:
            pass
        finally:
            tmp.unlink()

    def _fresh(self, *, force: bool = False) -> None:
        """Re-read the file when it changed (a rotation by another process), at most once a second."""
        now = time.monotonic()
        if not force and now - self._checked < KEYRING_RELOAD_S:
            return
        self._checked = now
        try:
            changed = os.stat(self.path).st_mtime_ns != self._mtime
        except OSError:
            return
        if changed:
            with self._lock:
                self._load()

    def _load(self) -> None:
        self._checked = time.monotonic()
        try:
            self._mtime = os.stat(self.path).st_mtime_ns
            ring = json.loads(self.path.read_text())
            self._current = str(ring["current"])
            self._keys = {str(k): _unb64(v) for k, v in ring["keys"].items()}
            self._index = _unb64(ring["index"])
        except (OSError, ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise RuntimeError(f"the field keyring {self.path} cannot be read: {exc}") from exc
        if self._current not in self._keys or any(len(k) != KEY_BYTES for k in self._keys.values()):
            raise RuntimeError(f"the field keyring {self.path} is inconsistent (current key missing or wrong size)")

    def current_key_id(self) -> str:
        self._fresh()
        return self._current

    def data_key(self, key_id: str) -> bytes:
        if key_id not in self._keys:
            self._fresh(force=True)
        try:
            return self._keys[key_id]
        except KeyError:
            raise UnreadableField(f"no field key {key_id!r} in {self.path}") from None

    def key_ids(self) -> list[str]:
        self._fresh()
        return list(self._keys)

    def index_key(self) -> bytes:
        return self._index

    def add_key(self) -> str:
        """A new data key, made current. Values under older keys stay readable."""
        with self._lock:
            key_id = new_key_id()
            self._keys[key_id] = secrets.token_bytes(KEY_BYTES)
            self._current = key_id
            self._save()
            return key_id

    def retire(self, key_ids: list[str]) -> None:
        """Forget old keys (only once no value uses them: the rotation command checks)."""
        with self._lock:
            if self._current in key_ids:
                raise ValueError("the current key cannot be retired")
            for key_id in key_ids:
                self._keys.pop(key_id, None)
            self._save()

    def _save(self) -> None:
        ring = {
            "current": self._current,
            "keys": {k: _b64(v) for k, v in self._keys.items()},
            "index": _b64(self._index),
        }
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(ring, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
        self._mtime = os.stat(self.path).st_mtime_ns


class _Keys:
    """The provider this process encrypts with, and every data key it has seen (to read values of earlier ones)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.provider: KeyProvider | None = None
        self.known: dict[str, bytes] = {}
        self.ciphers: dict[str, AESGCM] = {}


_KEYS = _Keys()


def activate(provider: KeyProvider) -> KeyProvider:
    """Encrypt with `provider` from now on in this process."""
    with _KEYS.lock:
        _KEYS.provider = provider
        for key_id in provider.key_ids():
            _KEYS.known[key_id] = provider.data_key(key_id)
    return provider


def provider_for(settings: Settings) -> KeyProvider:
    """The provider the settings name: a custom class (KMS), else the keyring file."""
    configured = settings.privacy.key_provider
    if configured:
        module, _, name = configured.partition(":")
        try:
            cls = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as exc:
            raise RuntimeError(f"RAPPORT_PRIVACY__KEY_PROVIDER={configured!r} cannot be loaded: {exc}") from exc
        provider: KeyProvider = cls(settings)
        return provider
    path = Path(settings.privacy.key_file) if settings.privacy.key_file else settings.data_dir / "keys" / "fields.json"
    return KeyFile(path)


def use_settings(settings: Settings) -> KeyProvider:
    """Activate the provider the settings name (what the app, the CLI and workers call at start)."""
    return activate(provider_for(settings))


def active() -> KeyProvider:
    provider = _KEYS.provider
    if provider is None:
        from rapport.settings import Settings  # a script that made an engine without settings: the environment's

        provider = use_settings(Settings())
    return provider


def _cipher(key_id: str) -> AESGCM:
    cipher = _KEYS.ciphers.get(key_id)
    if cipher is None:
        key = _KEYS.known.get(key_id)
        if key is None:
            try:
                key = active().data_key(key_id)
            except (UnreadableField, KeyError):
                raise UnreadableField(
                    f"a stored value was encrypted with key {key_id!r}, which this keyring does not hold; "
                    "check RAPPORT_PRIVACY__KEY_FILE / RAPPORT_PRIVACY__KEY_PROVIDER"
                ) from None
            _KEYS.known[key_id] = key
        cipher = _KEYS.ciphers[key_id] = AESGCM(key)
    return cipher


def encrypt(plaintext: str, context: str) -> str:
    provider = active()
    key_id = provider.current_key_id()
    if key_id not in _KEYS.known:
        _KEYS.known[key_id] = provider.data_key(key_id)
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = _cipher(key_id).encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
    return f"{PREFIX}:{key_id}:{_b64(nonce + sealed)}"


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX + ":")


def key_id_of(stored: str) -> str | None:
    return stored.split(":", 2)[1] if is_encrypted(stored) else None


def decrypt(stored: str, context: str) -> str:
    """The plaintext of a stored value. Text without the prefix is a value written before encryption was on (the
    rotation command encrypts those); it is returned as it is."""
    if not is_encrypted(stored):
        return stored
    _, key_id, payload = stored.split(":", 2)
    try:
        raw = _unb64(payload)
        return _cipher(key_id).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode("utf-8")).decode("utf-8")
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise UnreadableField(
            f"a value of {context} does not decrypt (tampered, or the wrong keyring): {exc!r}"
        ) from None


def blind_index(kind: str, value: str) -> str:
    """A keyed hash of an already-normalised value: equal values give equal hashes, without the key nothing."""
    mac = hmac.new(active().index_key(), f"{kind}\x1f{value}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


class Encrypted(TypeDecorator[Any]):
    """A column stored encrypted. `kind` is what the Python value is: text, a date, or JSON (lists, objects)."""

    impl = Text
    cache_ok = True

    def __init__(self, context: str, kind: str = "text") -> None:
        super().__init__()
        if kind not in {"text", "date", "json"}:
            raise ValueError(f"unknown encrypted kind {kind!r}")
        self.context = context
        self.kind = kind

    @property
    def python_type(self) -> type[Any]:
        return {"text": str, "date": date, "json": list}[self.kind]

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if self.kind == "date":
            text = value.isoformat() if isinstance(value, date) else date.fromisoformat(str(value)).isoformat()
        elif self.kind == "json":
            text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        else:
            text = str(value)
        return encrypt(text, self.context)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        text = decrypt(str(value), self.context)
        if self.kind == "date":
            return date.fromisoformat(text)
        if self.kind == "json":
            return json.loads(text)
        return text

    class Comparator(TypeDecorator.Comparator[Any]):
        """Only IS NULL / IS NOT NULL mean something on ciphertext; anything else is a bug to catch early."""

        def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
            # IS [NOT] NULL, and column-to-column identity (SQLAlchemy's own `col in [...]` checks) stay possible.
            if op in (operators.is_, operators.is_not) or (
                op in (operators.eq, operators.ne) and all(isinstance(o, ClauseElement) for o in other)
            ):
                return super().operate(op, *other, **kwargs)
            raise TypeError(f"{self.expr} is encrypted: compare its blind index, not its value ({op.__name__})")

        def reverse_operate(self, op: Any, other: Any, **kwargs: Any) -> Any:
            if op in (operators.eq, operators.ne) and isinstance(other, ClauseElement):
                return super().reverse_operate(op, other, **kwargs)
            raise TypeError(f"{self.expr} is encrypted: compare its blind index, not its value ({op.__name__})")

    comparator_factory = Comparator


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
