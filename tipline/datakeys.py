"""The data keys that seal what people wrote (adapters/sealing.py, docs/operations.md).

`TIPLINE_DATA_KEY` (`key_id:base64`, several comma-separated for a rotation: the first
seals), else the file `TIPLINE_DATA_KEY_FILE` or `[server] data_key_file`, else
`<data_dir>/data.key`, made at the first start (mode 0600) as demo mode's server key is.
With a config file that names no key, that file beside the data is used with a warning:
a key kept next to what it protects protects nothing against a stolen disk. A key that
does not open what the record holds stops the start (`PostgresRecord.check_keys`).
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from adapters import sealing
from tipline.settings import ConfigError, Settings

log = logging.getLogger("tipline.datakeys")
KEY_FILE = "data.key"


def ring(settings: Settings) -> sealing.KeyRing:
    """The key ring of this start; ConfigError when the keys given are unreadable."""
    try:
        if settings.data_key is not None:
            return sealing.parse(settings.data_key)
        if settings.data_key_file is not None:
            return sealing.parse(_read(settings.data_key_file))
        if not settings.demo:
            log.warning("datakeys.beside_data", extra={"file": str(settings.data_dir / KEY_FILE)})
        return sealing.parse(_read(_made(settings.data_dir)))
    except sealing.DataKeyError as exc:
        raise ConfigError(str(exc)) from None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise sealing.DataKeyError(f"cannot read the data key file {path}: {exc}") from None


def _made(data_dir: Path) -> Path:
    """`<data_dir>/data.key`, written aside and linked into place (two processes starting
    at once both end up with the key that was linked first)."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = data_dir / KEY_FILE
    if not path.exists():
        aside = data_dir / f".{KEY_FILE}.{secrets.token_hex(8)}"
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(sealing.new_key_line() + "\n")
        try:
            os.link(aside, path)
        except FileExistsError:
            pass
        finally:
            aside.unlink()
    path.chmod(0o600)
    return path
