"""Request headers, looked up case-insensitively, as WSGI, Lambda and tests hand them over."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping


class Headers(Mapping[str, str]):
    """HTTP header names are case-insensitive: `Headers(...)["x-hub-signature"]` finds
    `X-Hub-Signature`. A name given twice keeps its last value."""

    def __init__(self, raw: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = raw.items() if isinstance(raw, Mapping) else raw
        self._values = {str(name).lower(): str(value) for name, value in pairs}

    def __getitem__(self, name: str) -> str:
        return self._values[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        # Header values can be secrets (a shared secret, a handshake secret): names only.
        return f"Headers({sorted(self._values)!r})"

    def content_length(self) -> int | None:
        """The declared body length; None when absent; -1 when it is not a number."""
        value = self._values.get("content-length")
        if value is None or not value.strip():
            return None
        try:
            length = int(value.strip())
        except ValueError:
            return -1
        return length if length >= 0 else -1


def from_wsgi_environ(environ: Mapping[str, object]) -> Headers:
    """The request headers of a WSGI environ (`HTTP_X_HUB_SIGNATURE` -> `x-hub-signature`)."""
    pairs: list[tuple[str, str]] = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            pairs.append((key[5:].replace("_", "-"), str(value)))
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value not in (None, ""):
            pairs.append((key.replace("_", "-"), str(value)))
    return Headers(pairs)
