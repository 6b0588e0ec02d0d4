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
from pathlib import Path

from adapters import sealing
from tipline import credentials
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
        made = credentials.made_once(settings.data_dir, KEY_FILE, sealing.new_key_line)
        return sealing.parse(_read(made))
    except sealing.DataKeyError as exc:
        raise ConfigError(str(exc)) from None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise sealing.DataKeyError(f"cannot read the data key file {path}: {exc}") from None
