"""Secrets live in the environment: spot one written in the file, resolve `*_env` names.

Nothing here ever puts a secret's value into a message: findings carry only where the
value sits and which key holds it.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from clientsync.errors import ConfigError

from .issues import Loc, format_loc

ENV_SUFFIX = "_env"
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

_SECRET_KEYS = frozenset(
    {
        "token",
        "api_token",
        "apitoken",
        "password",
        "passwd",
        "secret",
        "api_key",
        "apikey",
        "key",
        "access_token",
        "auth_token",
        "refresh_token",
        "pat",
        "client_secret",
        "private_key",
        "authorization",
    }
)
_SECRET_KEY_SUFFIXES = ("_token", "_password", "_secret", "_api_key", "_apikey", "_private_key")

# Vendor token shapes: Atlassian API tokens, Slack, GitHub, GitLab, Asana personal tokens.
_TOKEN_PATTERNS = (
    re.compile(r"AT[AC]TT[A-Za-z0-9_=+/-]{16,}"),
    re.compile(r"xox[a-z]*[-.][A-Za-z0-9.-]{8,}"),
    re.compile(r"(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{16,}"),
    re.compile(r"github_pat_[A-Za-z0-9_]{16,}"),
    re.compile(r"glpat-[A-Za-z0-9_-]{16,}"),
    re.compile(r"\d/\d{6,}(/\d{6,})?:[0-9a-f]{32}"),
    re.compile(r"(?i)(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{16,}"),
)
# A URL with a password in it: https://user:password@host/...
_URL_WITH_PASSWORD = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+:[^/\s@]+@")
_TOKEN_CHARSET = re.compile(r"[A-Za-z0-9_-]{32,}")
_HEX = re.compile(r"[0-9a-f]+|[0-9A-F]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def is_secret_key(key: str) -> bool:
    name = key.casefold()
    if name.endswith(ENV_SUFFIX):
        return False
    return name in _SECRET_KEYS or name.endswith(_SECRET_KEY_SUFFIXES)


def looks_like_credential(value: str) -> bool:
    """True for vendor token shapes, URLs with a password, and long random-looking strings.

    A heuristic: about 3 in 1,000 random 32-character tokens slip through, which is why
    secret-named keys are refused whatever their value.
    """
    text = value.strip()
    if any(p.fullmatch(text) for p in _TOKEN_PATTERNS) or _URL_WITH_PASSWORD.match(text):
        return True
    return _is_random_token(text)


def _is_random_token(text: str) -> bool:
    if not _TOKEN_CHARSET.fullmatch(text) or _UUID.fullmatch(text):
        return False
    if _HEX.fullmatch(text):
        # 32+ hex digits mixing letters and digits: a key, a hash, a token; never prose.
        return any(c.isdigit() for c in text) and any(c.isalpha() for c in text)
    # Random tokens switch between upper, lower and digit at almost every other character;
    # identifiers made of words switch only at word boundaries (a rate below about 0.3).
    core = text.replace("-", "").replace("_", "")
    classes = ["d" if c.isdigit() else "u" if c.isupper() else "l" for c in core]
    switches = sum(1 for a, b in itertools.pairwise(classes) if a != b)
    counts = Counter(text)
    entropy = -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())
    return switches / max(len(core) - 1, 1) >= 0.36 and entropy >= 3.5


@dataclass(frozen=True)
class SecretFinding:
    """A secret written where only an environment variable's name belongs."""

    loc: tuple[str | int, ...]
    key: str
    """The nearest key holding it (for a list element, the list's key)."""
    env_loc: tuple[str | int, ...]
    """Where the `*_env` option naming the variable should go."""
    variable: str
    """A suggested variable name, e.g. JIRA_API_TOKEN."""
    in_env_option: bool
    """The value sits in a `*_env` option, which should hold a name, not the secret."""

    def problem(self, base: Loc = ()) -> str:
        return f"{format_loc((*base, *self.loc))} looks like a secret written in the file"

    def fix(self, base: Loc = ()) -> str:
        if self.in_env_option:
            where = format_loc((*base, *self.loc))
            return (
                f"an `{ENV_SUFFIX}` option holds the NAME of an environment variable: put the "
                f'secret in {self.variable} and set {where} = "{self.variable}" instead'
            )
        env_where = format_loc((*base, *self.env_loc))
        return f'move it to an environment variable and set {env_where} = "{self.variable}" instead'

    def describe(self, base: Loc = ()) -> str:
        """`sources[0].api_token looks like a secret ...; move it ...`: never the value."""
        return f"{self.problem(base)}; {self.fix(base)}"


def find_secrets(
    tree: Mapping[str, Any], *, prefix: str = "clientsync", loc: tuple[str | int, ...] = ()
) -> list[SecretFinding]:
    """Every secret-looking key or value at any depth of `tree`.

    `prefix` starts suggested variable names; a nested table with a `connector` or `type`
    (a source, a channel) supplies its own.
    """
    own = _prefix_of(tree) or prefix
    found: list[SecretFinding] = []
    for key, value in tree.items():
        found.extend(_check_value(key, value, own, (*loc, key), (*loc, key)))
    return found


def _check_value(
    key: str, value: Any, prefix: str, loc: tuple[str | int, ...], key_loc: tuple[str | int, ...]
) -> Iterator[SecretFinding]:
    if isinstance(value, Mapping):
        yield from find_secrets(value, prefix=prefix, loc=loc)
        return
    if isinstance(value, list):
        if is_secret_key(key) and value:
            yield _finding(key, prefix, loc, key_loc)
            return
        for index, element in enumerate(value):
            yield from _check_value(key, element, prefix, (*loc, index), key_loc)
        return
    in_env = key.casefold().endswith(ENV_SUFFIX)
    if isinstance(value, str) and value and looks_like_credential(value):
        yield _finding(key, prefix, loc, key_loc, in_env_option=in_env)
    elif is_secret_key(key) and not isinstance(value, bool) and value not in ("", None):
        yield _finding(key, prefix, loc, key_loc)


def _finding(
    key: str,
    prefix: str,
    loc: tuple[str | int, ...],
    key_loc: tuple[str | int, ...],
    *,
    in_env_option: bool = False,
) -> SecretFinding:
    base = key[: -len(ENV_SUFFIX)] if key.casefold().endswith(ENV_SUFFIX) else key
    variable = re.sub(r"[^A-Za-z0-9]+", "_", f"{prefix}_{base}").strip("_").upper()
    env_key = key if in_env_option else f"{key}{ENV_SUFFIX}"
    return SecretFinding(
        loc=loc,
        key=key,
        env_loc=(*key_loc[:-1], env_key),
        variable=variable,
        in_env_option=in_env_option,
    )


def _prefix_of(table: Mapping[str, Any]) -> str | None:
    for field in ("connector", "type"):
        value = table.get(field)
        if isinstance(value, str) and re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]{0,30}", value):
            return value
    return None


@dataclass(frozen=True)
class EnvReference:
    """An option naming an environment variable: `sources[0] 'jira'` for `api_token_env`."""

    owner: str
    option: str
    variable: str


def env_options(
    tree: Mapping[str, Any], loc: tuple[str | int, ...] = ()
) -> Iterator[tuple[Loc, Any]]:
    """Each `*_env` option at any depth of `tree`, with its location and raw value."""
    for key, value in tree.items():
        if isinstance(value, Mapping):
            yield from env_options(value, (*loc, key))
        elif key.casefold().endswith(ENV_SUFFIX):
            yield (*loc, key), value


def resolve_env(
    var_name: str, env: Mapping[str, str], *, needed_by: str | None = None
) -> SecretStr:
    """The variable's value as a SecretStr; a clear error (without any value) when unset."""
    value = env.get(var_name)
    if value:
        return SecretStr(value)
    state = "is empty" if value == "" else "is not set"
    reason = f" (needed by {needed_by})" if needed_by else ""
    raise ConfigError(f"environment variable {var_name} {state}{reason}")
