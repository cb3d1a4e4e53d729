"""Where the secret of an Asana webhook is kept: Asana hands it over once, in a handshake.

When the source's `secret_env` is set in the environment, that is the secret (useful
where the disk does not last, e.g. a function host: copy the `X-Hook-Secret` of the
registration response into it). Otherwise the handshake's secret goes into a file of its
own, mode 0600, in a 0700 directory beside the store. It is never written to the store,
a log, an error or a repr.

A handshake is accepted only while no secret is known for the source: the first one
wins, atomically (the file is created exclusively), so a later stranger cannot swap the
secret. To accept a new registration, delete the file (`path_for` names it).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from pathlib import Path

from pydantic import SecretStr

from clientsync.config import slugify
from clientsync.errors import ConfigError

# What Asana sends is a hex string; anything outside visible ASCII could not be echoed
# back as a header safely (CR/LF would split it).
_USABLE_SECRET = re.compile(r"[\x21-\x7e]{16,512}")


def usable_secret(value: str) -> bool:
    return _USABLE_SECRET.fullmatch(value) is not None


class HookSecrets:
    """The per-source secrets learned from handshakes, in `directory`."""

    def __init__(self, directory: Path, env: Mapping[str, str]) -> None:
        self.directory = directory
        self._env = env

    @classmethod
    def beside(cls, store_path: Path, env: Mapping[str, str]) -> HookSecrets:
        return cls(store_path.with_name(f"{store_path.name}.webhook-secrets"), env)

    def __repr__(self) -> str:
        return f"HookSecrets({str(self.directory)!r})"

    def path_for(self, source: str) -> Path:
        # A readable name plus a hash: distinct sources never share a file.
        digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:12]
        return self.directory / f"{slugify(source)}-{digest}.secret"

    def known(self, source: str, secret_env: str | None = None) -> SecretStr | None:
        """The source's secret: from `secret_env` when that is set, else from its file."""
        if secret_env is not None and self._env.get(secret_env):
            return SecretStr(self._env[secret_env])
        try:
            text = self.path_for(source).read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"cannot read the webhook secret file {self.path_for(source)} "
                f"({type(exc).__name__}); fix its permissions or delete it and register again"
            ) from None
        return SecretStr(text) if text else None

    def adopt(self, source: str, secret: str) -> bool:
        """Keep `secret` for `source`; False (nothing written) when one is known already."""
        if not usable_secret(secret):
            raise ValueError("not a usable webhook secret")
        path = self.path_for(source)
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secret + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        return True
