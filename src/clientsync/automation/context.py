"""Everything the handler needs, built once per app: no global state.

`WebhookContext` holds the config, the environment, the verified sources, the connectors
(built on first use from the source's options, through the registry), one store
connection per worker thread, a lock per source (one source's deliveries are read one
at a time: a connector need not be thread-safe) and one around the store's writes.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from clientsync.config import Config, load_config
from clientsync.errors import ConfigError
from clientsync.ports import ConnectorFactory, WebhookReader
from clientsync.registry import load as load_connector
from clientsync.retry import RetryPolicy
from clientsync.store import Store

from .hook_secrets import HookSecrets
from .settings import HookSource, hook_sources

CONFIG_ENV = "CLIENTSYNC_CONFIG"
"""The variable naming clientsync.toml where no path is given (function hosts)."""


class WebhooksNotSupportedError(ConfigError):
    """The source's connector cannot turn a delivery into changes (no `read_webhook`)."""


class WebhookContext:
    """The handler's configuration and resources. Build it with `from_path` or directly.

    `load_connector` finds a connector's factory by name (default: the installed entry
    points); `secrets_dir` is where Asana handshake secrets go (default: beside the store).
    """

    def __init__(
        self,
        config: Config,
        *,
        env: Mapping[str, str],
        load_connector: Callable[[str], ConnectorFactory] = load_connector,
        retry: RetryPolicy | None = None,
        secrets_dir: Path | None = None,
    ) -> None:
        self.config = config
        self.env: Mapping[str, str] = dict(env)
        self.sources: Mapping[str, HookSource] = hook_sources(config, self.env)
        self.secrets = (
            HookSecrets(secrets_dir, self.env)
            if secrets_dir is not None
            else HookSecrets.beside(config.store_path, self.env)
        )
        self.retry = retry or RetryPolicy()
        self._load_connector = load_connector
        self._readers: dict[str, WebhookReader] = {}
        self._guard = threading.Lock()
        self._source_locks = {name: threading.Lock() for name in self.sources}
        self._writing = threading.Lock()
        # Per thread: a thread that ends takes its connection with it.
        self._local = threading.local()

    @classmethod
    def from_path(
        cls,
        path: str | os.PathLike[str] | None,
        *,
        env: Mapping[str, str],
        load_connector: Callable[[str], ConnectorFactory] = load_connector,
        retry: RetryPolicy | None = None,
    ) -> WebhookContext:
        """Load clientsync.toml from `path`, or from the file `CLIENTSYNC_CONFIG` names."""
        if path is None:
            named = env.get(CONFIG_ENV)
            if not named:
                raise ConfigError(
                    f"no config file given and {CONFIG_ENV} is not set; set it to the path "
                    "of clientsync.toml"
                )
            path = named
        return cls(load_config(Path(path)), env=env, load_connector=load_connector, retry=retry)

    def __repr__(self) -> str:
        where = str(self.config.store_path)
        return f"WebhookContext(sources={sorted(self.sources)!r}, store={where!r})"

    def source(self, name: str) -> HookSource | None:
        return self.sources.get(name)

    def lock(self, name: str) -> threading.Lock:
        """Held while a delivery of `name` is read: one at a time per source."""
        return self._source_locks[name]

    @property
    def writing(self) -> threading.Lock:
        """Held around each store write: SQLite takes one writer at a time, and a worker
        waiting here wakes at once, where one waiting on SQLite's lock sleeps and polls."""
        return self._writing

    def reader(self, name: str) -> WebhookReader:
        """The source's connector, built on first use; it must implement `WebhookReader`."""
        with self._guard:
            found = self._readers.get(name)
            if found is not None:
                return found
            source = self.config.source(name)
            factory = self._load_connector(source.connector)
            connector = factory.from_options(
                source.options, env=self.env, base_dir=self.config.base_dir
            )
            if not isinstance(connector, WebhookReader):
                raise WebhooksNotSupportedError(
                    f"the installed {source.connector!r} connector cannot read webhook "
                    f"deliveries (it has no read_webhook); upgrade it with "
                    f"pip install -U clientsync-{source.connector}"
                )
            self._readers[name] = connector
            return connector

    def store(self) -> Store:
        """This thread's connection to the store (SQLite connections stay in their thread)."""
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            store = Store.open(
                self.config.store_path, busy_timeout=self.config.store.busy_timeout_seconds
            )
            self._local.store = store
        return store

    def close(self) -> None:
        """Close this thread's store; other threads' connections close with their threads."""
        store: Store | None = getattr(self._local, "store", None)
        if store is not None:
            store.close()
            self._local.store = None
