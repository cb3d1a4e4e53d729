"""The `file` channel: the update written to a path made from a template."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from clientsync.errors import ConfigError

from ..formats import format_for_path
from .base import ChannelContext, DeliveryError, Message, Options

_FIELDS = ("audience", "date", "period")


class FileChannel:
    """`path` may hold {audience}, {date} and {period}; relative to the config file."""

    kind = "file"
    wants_html = False

    def __init__(self, template: str, base_dir: Path, format: str) -> None:
        self.template = template
        self.base_dir = base_dir
        self.format = format

    @classmethod
    def from_options(cls, options: Options, ctx: ChannelContext) -> FileChannel:
        template = options.required("path", 'path = "reports/{audience}-{date}.md"')
        try:
            template.format(audience="a", date="d", period="p")
        except (KeyError, IndexError, ValueError):
            raise ConfigError(
                f"{options.where}: channel option 'path' may only use "
                f"{', '.join('{' + f + '}' for f in _FIELDS)}"
            ) from None
        fmt = options.text("format") or format_for_path(Path(template).suffix)
        return cls(template, ctx.base_dir, fmt)

    def describe(self) -> str:
        return f"file {self.template}"

    def path_for(self, message: Message) -> Path:
        name = self.template.format(
            audience=message.audience, date=message.day.isoformat(), period=message.period
        )
        path = Path(name)
        path = path if path.is_absolute() else self.base_dir / path
        if message.escalation:
            path = path.with_name(f"{path.stem}-escalation{path.suffix}")
        return path

    def send(self, message: Message, *, idempotency_key: str) -> str:
        path = self.path_for(message)
        tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write beside, then rename: a reader never sees half a report.
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(message.body)
            os.replace(tmp, path)
        except OSError as exc:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            raise DeliveryError(f"cannot write {path}: {exc.strerror or exc}") from None
        return str(path)
