"""Read clientsync.toml into a Config, or fail with one line per problem and its fix."""

from __future__ import annotations

import re
import tomllib
import types
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from clientsync.errors import ConfigError

from .issues import ISSUE_TYPE, Loc, format_loc, join_where, quoted_list, suggest, table_header
from .model import Config
from .secrets import find_secrets, looks_like_credential

_LOADER_FIELDS = ("path", "base_dir")
"""Config fields set from where the file is, never from inside it."""


def load_config(path: Path, *, env: Mapping[str, str] | None = None) -> Config:
    """Read and validate `path`.

    Relative paths in it resolve against its directory. With `env`, every environment
    variable the file names (`*_env` options) must also be set there.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: config file not found; run `clientsync init` to write one"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror}); check the path") from None
    raw = _parse_toml(path, data)
    secrets = find_secrets(raw)
    if secrets:
        raise ConfigError("\n".join(f"{path}: {s.describe()}" for s in secrets))
    problems = [
        _line(path, key, f"unknown key {key!r}", "remove it")
        for key in _LOADER_FIELDS
        if key in raw
    ]
    document = {k: v for k, v in raw.items() if k not in _LOADER_FIELDS}
    try:
        config = Config.model_validate(
            {**document, "path": path, "base_dir": path.absolute().parent}
        )
    except ValidationError as exc:
        problems.extend(describe_errors(exc, path))
    if problems:
        raise ConfigError("\n".join(problems))
    if env is not None:
        config.check_env(env)
    return config


def _parse_toml(path: Path, data: bytes) -> dict[str, Any]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        reason, line, column = _toml_position(str(exc), text)
        raise ConfigError(
            f"{path}: line {line}, column {column}: invalid TOML: {reason}; "
            "fix the syntax there (strings need quotes, tables need [brackets])"
        ) from None


def _toml_position(message: str, text: str) -> tuple[str, int, int]:
    at = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", message, flags=re.DOTALL)
    if at:
        return at.group(1), int(at.group(2)), int(at.group(3))
    reason = message.removesuffix(" (at end of document)")
    lines = text.splitlines() or [""]
    return reason, len(lines), len(lines[-1]) + 1


def describe_errors(exc: ValidationError, path: Path | str) -> list[str]:
    """One `<file>: <key.path>: <problem>; <fix>` line per pydantic error."""
    return [_describe(error, path) for error in exc.errors()]


def _line(path: Path | str, where: str, problem: str, fix: str) -> str:
    where = where or "(top level)"
    return f"{path}: {where}: {problem}; {fix}" if fix else f"{path}: {where}: {problem}"


def _describe(error: ErrorDetails, path: Path | str) -> str:
    loc = error["loc"]
    kind = error["type"]
    ctx = error.get("ctx") or {}
    where = format_loc(loc)
    key = str(loc[-1]) if loc else ""
    if kind == ISSUE_TYPE:
        return _line(path, join_where(where, str(ctx["path"])), ctx["problem"], ctx["fix"])
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        close = suggest(key, allowed)
        fix = f"did you mean {close!r}?" if close else f"known keys here: {quoted_list(allowed)}"
        return _line(path, where, f"unknown key {key!r}", fix)
    if kind == "missing":
        return _line(path, where, *_missing(loc))
    if kind in ("enum", "literal_error"):
        return _line(path, where, *_not_allowed(error["input"], str(ctx.get("expected", ""))))
    if kind.endswith(("_type", "_parsing")) or kind == "int_from_float":
        return _line(path, where, *_wrong_type(loc, error["input"], kind))
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        problem = error["msg"].replace("Input should be", "must be")
        return _line(path, where, problem, _range_fix(loc))
    if kind in ("too_short", "string_too_short"):
        return _line(path, where, "must not be empty", "give it a value")
    message = re.sub(r"^(Value|Assertion) error, ", "", error["msg"])
    return _line(path, where, message, "")


def _missing(loc: Loc) -> tuple[str, str]:
    key = str(loc[-1])
    annotation = _annotation_at(loc)
    if _is_model(annotation):
        required = [n for n, f in annotation.model_fields.items() if f.is_required()]
        keys = f" with {' and '.join(f'{n} = ...' for n in required)}" if required else ""
        return f"missing [{key}] table", f"add a {table_header(loc)} table{keys}"
    element = _sequence_element(annotation)
    if element is not None and _is_model(element):
        return f"missing [[{key}]] table", f"add at least one [{table_header(loc)}] table"
    parent = table_header(loc[:-1]) if loc[:-1] else "the file"
    example = _example(annotation)
    return f"missing required key {key!r}", f"add {key} = {example} to {parent}"


def _not_allowed(value: Any, expected: str) -> tuple[str, str]:
    allowed = re.findall(r"'([^']*)'", expected)
    shown = isinstance(value, str) and len(value) <= 40 and not looks_like_credential(value)
    problem = f"{value!r} is not allowed" if shown else "not an allowed value"
    close = suggest(value, allowed) if shown else None
    if close:
        return problem, f"did you mean {close!r}? (allowed: {quoted_list(allowed)})"
    return problem, f"use one of {quoted_list(allowed)}"


def _wrong_type(loc: Loc, value: Any, kind: str) -> tuple[str, str]:
    annotation = _annotation_at(loc)
    expected, fix = _type_words(annotation, loc)
    if annotation is None:
        expected = {
            "string_type": "a string",
            "int_type": "an integer",
            "int_parsing": "an integer",
            "int_from_float": "a whole number",
            "float_type": "a number",
            "float_parsing": "a number",
            "bool_type": "true or false",
            "bool_parsing": "true or false",
            "dict_type": "a table",
            "model_type": "a table",
            "list_type": "an array",
            "tuple_type": "an array",
        }.get(kind, "another type")
    return f"expected {expected}, got {_toml_type(value)}", fix


def _type_words(annotation: Any, loc: Loc) -> tuple[str, str]:
    key = next((str(p) for p in reversed(loc) if isinstance(p, str)), "value")
    if _is_model(annotation):
        return "a table", f"write it as a {table_header(loc)} table"
    element = _sequence_element(annotation)
    if element is not None:
        if _is_model(element):
            return "an array of tables", f"write each entry as a [{table_header(loc)}] table"
        return _array_of(element), f"write it as an array, e.g. {key} = [{_example(element)}]"
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return f"one of {quoted_list(m.value for m in annotation)}", "write it in quotes"
    words: dict[Any, tuple[str, str]] = {
        str: ("a string", f'put it in quotes, e.g. {key} = "..."'),
        Path: ("a path string", f'put it in quotes, e.g. {key} = "..."'),
        int: ("an integer", "write a whole number without quotes"),
        float: ("a number", "write a number without quotes"),
        bool: ("true or false", "write true or false without quotes"),
    }
    return words.get(annotation, ("another type", "check the documented type"))


def _array_of(element: Any) -> str:
    if element in (str, Path) or (isinstance(element, type) and issubclass(element, Enum)):
        return "an array of strings"
    if element in (int, float):
        return "an array of numbers"
    return "an array"


def _example(annotation: Any) -> str:
    if annotation in (str, Path) or (isinstance(annotation, type) and issubclass(annotation, Enum)):
        return '"..."'
    if annotation in (int, float):
        return "1"
    if annotation is bool:
        return "true"
    if _sequence_element(annotation) is not None:
        return "[...]"
    return "..."


def _toml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list | tuple):
        return "an array"
    return "a date or time" if hasattr(value, "isoformat") else type(value).__name__


def _range_fix(loc: Loc) -> str:
    field = _field_at(loc)
    if field is None:
        return "change the value"
    bounds = []
    for meta in field.metadata:
        for attr, words in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            bound = getattr(meta, attr, None)
            if isinstance(meta, annotated_types.BaseMetadata) and bound is not None:
                bounds.append(f"{words} {bound}")
    return f"use a value {' and '.join(bounds)}" if bounds else "change the value"


def _unwrap(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _sequence_element(annotation: Any) -> Any:
    if get_origin(annotation) in (list, tuple):
        args = get_args(annotation)
        return _unwrap(args[0]) if args else Any
    return None


def _field_at(loc: Loc) -> FieldInfo | None:
    """The model field `loc` ends at, walking Config's annotations."""
    current: Any = Config
    field: FieldInfo | None = None
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, int):
            element = _sequence_element(current)
            if element is None:
                return None
            current, field = element, None
        elif _is_model(current):
            field = current.model_fields.get(part)
            if field is None:
                return None
            current = field.annotation
        elif get_origin(current) is dict:
            # A table of named tables ([webhooks.sources.<name>]): the name picks an entry.
            current, field = get_args(current)[1], None
        else:
            return None
    return field


def _annotation_at(loc: Loc) -> Any:
    if loc and isinstance(loc[-1], int):
        parent = _annotation_at(loc[:-1])
        return None if parent is None else _sequence_element(parent)
    if loc:
        parent = _annotation_at(loc[:-1])
        if get_origin(parent) is dict:
            return _unwrap(get_args(parent)[1])
    field = _field_at(loc)
    return None if field is None else _unwrap(field.annotation)


def _allowed_keys(loc: Loc) -> list[str]:
    model = Config if not loc else _annotation_at(loc)
    if not _is_model(model):
        return []
    hidden = _LOADER_FIELDS if model is Config else ()
    return [name for name in model.model_fields if name not in hidden]
