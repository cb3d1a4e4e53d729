"""A minimal Chrome DevTools Protocol client over `--remote-debugging-pipe`, stdlib only.

Chromium reads NUL-terminated JSON commands from fd 3 and writes replies and events to
fd 4, so no port is opened and no WebSocket library is needed. Events that arrive while a
reply is awaited are kept in `events`, so nothing is missed (console errors included).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

Event = dict[str, Any]

FLAGS = (
    "--headless",
    "--no-sandbox",  # CI containers run as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--remote-debugging-pipe",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-extensions",
    "--disable-sync",
    "--hide-scrollbars",
    "--mute-audio",
)


# Chromium's pipe is fds 3 and 4. A small exec trampoline puts the pipes there: done in
# the child between fork and exec, a dup2 onto 3 or 4 could hit the fd subprocess itself
# uses to report a failed exec.
_ON_FDS_3_AND_4 = """
import fcntl, os, sys
commands, replies = (fcntl.fcntl(int(fd), fcntl.F_DUPFD, 10) for fd in sys.argv[1:3])
os.dup2(commands, 3)
os.dup2(replies, 4)
os.execv(sys.argv[3], sys.argv[3:])
"""


class DevToolsError(RuntimeError):
    pass


class Browser:
    """Headless Chromium, driven through the DevTools pipe; a context manager."""

    def __init__(self, executable: str, profile: Path, *, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self.events: list[Event] = []
        self._next_id = 0
        self._buffer = b""
        self.log_path = profile.with_name(f"{profile.name}.log")
        # A file, not a pipe: nobody reads Chromium's chatter while it runs.
        self._log = self.log_path.open("wb")
        commands_in, self._commands = os.pipe()
        self._replies, replies_out = os.pipe()
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _ON_FDS_3_AND_4,
                str(commands_in),
                str(replies_out),
                executable,
                *FLAGS,
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            pass_fds=(commands_in, replies_out),
        )
        os.close(commands_in)
        os.close(replies_out)

    def __enter__(self) -> Browser:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._process.poll() is None:
            with contextlib.suppress(DevToolsError, OSError):
                self.send("Browser.close")
            try:
                self._process.wait(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._log.close()
        for fd in (self._commands, self._replies):
            with contextlib.suppress(OSError):
                os.close(fd)

    def send(self, method: str, params: dict[str, Any] | None = None, **route: str) -> Any:
        """Send a command (to `sessionId=` when given); return its result or raise."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, **route}
        if params:
            message["params"] = params
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        reply = self._receive(lambda m: m.get("id") == self._next_id, f"reply to {method}")
        if "error" in reply:
            raise DevToolsError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait_for(self, method: str, session: str) -> Event:
        """The first event `method` of `session`, already received or still to come."""
        for event in self.events:
            if event.get("method") == method and event.get("sessionId") == session:
                return event
        return self._receive(
            lambda m: m.get("method") == method and m.get("sessionId") == session, method
        )

    def _receive(self, wanted: Callable[[dict[str, Any]], bool], what: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "method" in message:
                    self.events.append(message)
                if wanted(message):
                    return dict(message)
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._replies], [], [], max(left, 0))
            if not ready:
                raise DevToolsError(f"no {what} from Chromium within {self.timeout:.0f}s")
            chunk = os.read(self._replies, 1 << 20)
            if not chunk:
                raise DevToolsError(f"Chromium closed the DevTools pipe before the {what}")
            self._buffer += chunk
