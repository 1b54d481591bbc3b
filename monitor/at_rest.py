"""Files encrypted at rest: one data key per file, wrapped by the master key.

Used for evidence files (sources.services) and background exports (monitor.export_jobs).

A seized disk or a copied evidence folder gives nothing away: every file is encrypted with a
random 256-bit data key of its own (AES-256-GCM), and that key is stored in the database only
wrapped (encrypted) by the master key, ``MONITOR_EVIDENCE_KEY`` (or ``_FILE``), which is
never stored in the database. Changing the master key re-wraps the data keys
(``manage.py rotate_evidence_key``); the files themselves are not rewritten.

The file format streams, so memory stays flat whatever the size: a header, then the
plaintext cut into 64 KiB chunks, each sealed with AES-GCM under a nonce made of a random
prefix, the chunk's number and a "last chunk" flag (the STREAM construction of Hoang, Reyhanitabar,
Rogaway and Vizár, as age uses it). Reordered, dropped, repeated or appended chunks and a
truncated file all fail authentication.

The SHA-256 and size kept on :class:`~sources.models.EvidenceFile` are those of the original
(plaintext) content, so integrity checks and the chain of custody mean what they always did.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterable, Iterator
from types import SimpleNamespace

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

#: The first bytes of an encrypted evidence file (format version 1).
MAGIC = b"MONEVD1\n"
PREFIX_BYTES = 7
HEADER_BYTES = len(MAGIC) + PREFIX_BYTES
#: Plaintext bytes per sealed chunk; each sealed chunk is 16 bytes longer (the GCM tag).
CHUNK = 64 * 1024
TAG_BYTES = 16
#: How a wrapped data key starts: format version, then the master key's id.
WRAP_VERSION = "v1"


class EvidenceKeyError(Exception):
    """No master key is configured, or none that can unwrap this file's data key."""


class DecryptionFailed(Exception):
    """The stored file is not what was encrypted: altered, truncated or swapped."""


def key_id(master_key: bytes) -> str:
    """A short public name for a master key (never the key): which key wrapped a data key."""
    return hashlib.sha256(b"monitor evidence key id\0" + master_key).hexdigest()[:12]


def current_key() -> bytes:
    """The master key new files are wrapped with; :class:`EvidenceKeyError` if none is set."""
    key = getattr(settings, "EVIDENCE_KEY", None)
    if not key:
        raise EvidenceKeyError(
            "No evidence key is configured: set MONITOR_EVIDENCE_KEY or MONITOR_EVIDENCE_KEY_FILE."
        )
    return key


def _known_keys() -> dict[str, bytes]:
    keys = [
        getattr(settings, "EVIDENCE_KEY", None),
        *getattr(settings, "EVIDENCE_RETIRED_KEYS", []),
    ]
    return {key_id(key): key for key in keys if key}


def _aad(evidence_id) -> bytes:
    # Binds a wrapped key to its record: a wrapped key copied onto another row does not open.
    return b"monitor evidence data key\0" + str(evidence_id).encode("ascii")


def wrap(data_key: bytes, *, evidence_id, master_key: bytes | None = None) -> str:
    """``data_key`` sealed by the master key, as text for the database."""
    master_key = master_key or current_key()
    nonce = os.urandom(12)
    sealed = AESGCM(master_key).encrypt(nonce, data_key, _aad(evidence_id))
    payload = base64.b64encode(nonce + sealed).decode("ascii")
    return f"{WRAP_VERSION}:{key_id(master_key)}:{payload}"


def wrapping_key_id(wrapped: str) -> str:
    """The id of the master key that wrapped this data key ("" for a plain file)."""
    parts = wrapped.split(":")
    return parts[1] if len(parts) == 3 else ""


def unwrap(wrapped: str, *, evidence_id) -> bytes:
    """The data key inside ``wrapped``; :class:`EvidenceKeyError` if no configured master key
    wrapped it, :class:`DecryptionFailed` if the wrapped key was altered."""
    try:
        version, wrapped_by, payload = wrapped.split(":")
        raw = base64.b64decode(payload, validate=True)
    except ValueError as error:
        raise DecryptionFailed("The wrapped data key is malformed.") from error
    if version != WRAP_VERSION:
        raise DecryptionFailed(f"Unknown wrapped-key format {version!r}.")
    master_key = _known_keys().get(wrapped_by)
    if master_key is None:
        raise EvidenceKeyError(
            f"The file's data key was wrapped by evidence key {wrapped_by}, which is not "
            "configured (MONITOR_EVIDENCE_KEY, MONITOR_EVIDENCE_RETIRED_KEYS)."
        )
    try:
        return AESGCM(master_key).decrypt(raw[:12], raw[12:], _aad(evidence_id))
    except InvalidTag as error:
        raise DecryptionFailed("The wrapped data key does not open: it was altered.") from error


def rewrap(wrapped: str, *, evidence_id) -> str:
    """The same data key, wrapped by the current master key."""
    return wrap(unwrap(wrapped, evidence_id=evidence_id), evidence_id=evidence_id)


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


class SealingWriter:
    """A write-only file object that stores what is written to it encrypted (the format above),
    for writers that push bytes (a ZIP or XLSX writer) rather than yield them. Call
    :meth:`close` once at the end: it seals the last chunk. ``size`` counts the plaintext."""

    def __init__(self, fileobj, data_key: bytes):
        self._out = fileobj
        self._prefix = os.urandom(PREFIX_BYTES)
        self._header = MAGIC + self._prefix
        self._aead = AESGCM(data_key)
        self._buffer = bytearray()
        self._counter = 0
        self._closed = False
        self.size = 0
        fileobj.write(self._header)

    def write(self, data: bytes) -> int:
        self._buffer += data
        self.size += len(data)
        # A full chunk is sealed only once more follows: the last one carries the "last" flag.
        while len(self._buffer) > CHUNK:
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _seal(self, piece: bytes, *, last: bool) -> None:
        if self._counter >= 2**32 - 1:  # pragma: no cover — 256 TiB
            raise ValueError("File too large for one data key.")
        self._out.write(
            self._aead.encrypt(_nonce(self._prefix, self._counter, last), piece, self._header)
        )
        self._counter += 1

    def flush(self) -> None:
        self._out.flush()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()


def encrypt_chunks(plain: Iterable[bytes], data_key: bytes) -> Iterator[bytes]:
    """The encrypted file, piece by piece, for plaintext given piece by piece."""
    sealed: list[bytes] = []
    writer = SealingWriter(SimpleNamespace(write=sealed.append), data_key)
    for piece in plain:
        writer.write(piece)
        yield from sealed
        sealed.clear()
    writer.close()
    yield from sealed


def decrypt_chunks(fileobj, data_key: bytes) -> Iterator[bytes]:
    """The plaintext of an encrypted file, chunk by chunk; :class:`DecryptionFailed` as
    soon as anything does not authenticate (so a reader never gets unchecked bytes)."""
    header = fileobj.read(HEADER_BYTES)
    if len(header) != HEADER_BYTES or not header.startswith(MAGIC):
        raise DecryptionFailed("Not an encrypted evidence file (bad header).")
    prefix = header[len(MAGIC) :]
    aead = AESGCM(data_key)
    sealed_size = CHUNK + TAG_BYTES
    current = fileobj.read(sealed_size)
    counter = 0
    while True:
        following = fileobj.read(sealed_size)
        last = not following
        try:
            yield aead.decrypt(_nonce(prefix, counter, last), current, header)
        except InvalidTag as error:
            raise DecryptionFailed(
                "The stored file does not authenticate: it was altered or truncated."
            ) from error
        if last:
            return
        counter += 1
        current = following


def is_encrypted_header(head: bytes) -> bool:
    return head.startswith(MAGIC)
