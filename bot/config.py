"""Settings: the only module that reads the environment.

Every setting is an `RXRADAR_*` variable (optionally from a `.env` file in the
working directory). Secrets may also come from `RXRADAR_<NAME>_FILE`, and are
wrapped in `Secret` so they never show up in logs or reprs.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from dotenv import dotenv_values
from platformdirs import user_data_dir

PREFIX = "RXRADAR_"
# RXRADAR_ALLOW_PRIVATE_URLS when unset: False (public hosts only). The test suite sets this
# to True once, in tests/conftest.py, because every test peer listens on 127.0.0.1.
ALLOW_PRIVATE_URLS_BY_DEFAULT = False
MB = 1024 * 1024


class ConfigError(ValueError):
    """A setting is missing or invalid; the message names the variable and the fix."""


class Secret:
    """A string that does not reveal itself in repr/str/logs."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True)
class HttpSettings:
    """How rxradar talks to feeds and APIs."""

    user_agent: str = "rxradar/0.1 (+https://github.com/rxradar/rxradar)"
    timeout: float = 30.0  # seconds for connect and each read
    max_bytes: int = 20 * MB  # larger bodies are aborted
    host_delay: float = 1.0  # seconds between requests to one host
    max_items: int = 5000  # items read from one feed per poll; the rest are counted, skipped
    allow_private_urls: bool = False  # fetch loopback/private/link-local hosts (intranet feeds)
    total_timeout: float = 120.0  # seconds for a whole fetch, however slowly the bytes trickle


@dataclass(frozen=True)
class SourceSettings:
    """Where preprints and profile papers come from, and how often."""

    biorxiv_api_url: str = "https://api.biorxiv.org"
    crossref_api_url: str = "https://api.crossref.org"
    orcid_api_url: str = "https://pub.orcid.org/v3.0"  # the public ORCID API
    arxiv_api_url: str = "https://export.arxiv.org/api"
    feeds: tuple[str, ...] = ("biorxiv:all", "medrxiv:all")  # added on first use
    poll_interval: timedelta = timedelta(minutes=30)
    harvest_days: int = 365  # how far back journal profiles are harvested
    outcome_months: int = 24  # stored preprints this recent are checked for publication
    outcome_interval: timedelta = timedelta(days=1)  # how often the outcomes job runs
    retrain_interval: timedelta = timedelta(days=7)  # how often the gated retraining runs


@dataclass(frozen=True)
class ModelSettings:
    """Where models live and which preprints their scores describe."""

    models_dir: Path
    embeddings_dir: Path  # sentence-embedding vectors kept between runs
    window_days: int = 90  # window for percentiles, lift and `rxradar top`
    retention_days: int = 365  # scores of older preprints are pruned
    keep_models: int = 3  # model versions kept on disk (the active one always among them)
    embedding_model: str = ""  # sentence-transformers model for the optional embedding space


@dataclass(frozen=True)
class SmtpSettings:
    host: str | None = None
    port: int = 587
    username: str | None = None
    password: Secret | None = field(default=None, repr=False)
    security: str = "starttls"  # starttls | ssl | none
    sender: str = "rxradar <rxradar@localhost>"
    timeout: float = 30.0
    ca_file: Path | None = None  # trust this CA for the SMTP server's certificate


@dataclass(frozen=True)
class Rate:
    """At most `count` events per `per` (a rate limit, written `10/1h` in the environment)."""

    count: int
    per: timedelta


@dataclass(frozen=True)
class SlackSettings:
    api_url: str = "https://slack.com/api/"
    bot_token: Secret | None = field(default=None, repr=False)
    signing_secret: Secret | None = field(default=None, repr=False)
    app_token: Secret | None = field(default=None, repr=False)
    client_id: str | None = None
    client_secret: Secret | None = field(default=None, repr=False)
    command: str = "/preprints"
    timeout: float = 30.0
    # confirmation emails `/preprints email` may ask for (counted in the database)
    emails_per_requester: Rate = Rate(5, timedelta(hours=1))
    emails_per_workspace: Rate = Rate(50, timedelta(hours=1))

    @property
    def oauth(self) -> bool:
        """Installed in many workspaces through OAuth (tokens in the installation store)."""
        return bool(self.client_id) and not self.bot_token

    @property
    def configured(self) -> bool:
        return bool(self.bot_token or self.client_id)


@dataclass(frozen=True)
class DeliverySettings:
    tick: timedelta = timedelta(seconds=60)  # how often due digests are looked for
    # How long a process holds a digest it is sending. After a crash the digest waits this
    # long before another run retries it; it must outlast one send (SMTP/Slack timeouts).
    lease: timedelta = timedelta(minutes=15)
    empty_digest_message: bool = False

    @property
    def heartbeat_stale(self) -> timedelta:
        """A sending instance silent this long is dead and its leases free (3 missed beats)."""
        return max(3 * self.tick, timedelta(seconds=30))


@dataclass(frozen=True)
class WebSettings:
    """The public pages, feeds and API (`bot/web`)."""

    max_body: int = 64 * 1024  # request bodies; a pasted title and abstract is a few KB
    cache_seconds: int = 300  # Cache-Control max-age of public feeds and API answers
    signups_per_address: Rate = Rate(3, timedelta(days=1))  # counted in the database
    signups_per_client: Rate = Rate(10, timedelta(hours=1))  # per visitor (IP address)
    matches_per_client: Rate = Rate(60, timedelta(hours=1))


@dataclass(frozen=True)
class LinkSettings:
    """The base of every link rxradar sends, and the key that signs them."""

    public_url: str
    secret: Secret = field(repr=False)


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    model: ModelSettings
    http: HttpSettings = field(default_factory=HttpSettings)
    sources: SourceSettings = field(default_factory=SourceSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    slack: SlackSettings = field(default_factory=SlackSettings)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    web: WebSettings = field(default_factory=WebSettings)
    public_url: str = "http://127.0.0.1:8080"
    secret_key: Secret | None = field(default=None, repr=False)
    contact_email: str | None = None
    log_format: str = "text"

    def links(self) -> LinkSettings:
        """The public URL and the signing key (generated into the data dir on first use)."""
        return LinkSettings(self.public_url, ensure_secret_key(self))


def user_agent(contact_email: str | None) -> str:
    contact = f"; mailto:{contact_email}" if contact_email else ""
    return f"rxradar/0.1 (+https://github.com/rxradar/rxradar{contact})"


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


def parse_duration(name: str, raw: str) -> timedelta:
    match = _DURATION.match(raw)
    if not match:
        raise ConfigError(
            f"{name}={raw!r} is not a duration: use seconds (90) or a unit (30s, 30m, 2h, 1d)"
        )
    seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds <= 0:
        raise ConfigError(f"{name}={raw!r} must be greater than zero")
    return timedelta(seconds=seconds)


def _parse_size(name: str, raw: str) -> int:
    match = re.match(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$", raw, re.IGNORECASE)
    if not match:
        raise ConfigError(f"{name}={raw!r} is not a size: use bytes (20000000) or 20MB")
    unit = (match.group(2) or "b").lower()
    factor = {"b": 1, "kb": 1024, "mb": MB, "gb": 1024 * MB}[unit]
    value = int(float(match.group(1)) * factor)
    if value <= 0:
        raise ConfigError(f"{name}={raw!r} must be greater than zero")
    return value


def _parse_rate(name: str, raw: str) -> Rate:
    count, slash, per = raw.partition("/")
    if not slash or not count.strip().isdigit() or int(count) < 1:
        raise ConfigError(f"{name}={raw!r} is not a rate: write COUNT/DURATION, e.g. 10/1h")
    return Rate(int(count), parse_duration(name, per))


class _Reader:
    """Typed access to RXRADAR_* values with error messages naming the variable."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    def raw(self, key: str) -> str | None:
        value = self.env.get(PREFIX + key)
        if value is None or value.strip() == "":
            return None
        return value.strip()

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self.raw(key)
        return default if value is None else value

    def secret(self, key: str) -> Secret | None:
        value = self.raw(key)
        file_key = key + "_FILE"
        path = self.raw(file_key)
        if value is None and path is not None:
            try:
                value = Path(path).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(f"{PREFIX}{file_key}={path!r} cannot be read: {exc}") from exc
        return Secret(value) if value else None

    def integer(self, key: str, default: int, minimum: int = 0) -> int:
        return int(self._numeric(key, default, minimum, int, "a whole number"))

    def number(self, key: str, default: float, minimum: float = 0.0) -> float:
        return float(self._numeric(key, default, minimum, float, "a number"))

    def _numeric(
        self, key: str, default: float, minimum: float, parse: type[float] | type[int], what: str
    ) -> float:
        value = self.raw(key)
        if value is None:
            return default
        try:
            number = parse(value)
        except ValueError:
            raise ConfigError(f"{PREFIX}{key}={value!r} is not {what}") from None
        if number < minimum:
            raise ConfigError(f"{PREFIX}{key}={value!r} must be at least {minimum}")
        return number

    def flag(self, key: str, default: bool) -> bool:
        value = self.raw(key)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"{PREFIX}{key}={value!r} must be true or false")

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        value = (self.raw(key) or default).lower()
        if value not in choices:
            raise ConfigError(f"{PREFIX}{key}={value!r} must be one of: {', '.join(choices)}")
        return value

    def url(self, key: str, default: str) -> str:
        value = self.raw(key) or default
        if not re.match(r"^https?://[^\s/]+", value):
            raise ConfigError(
                f"{PREFIX}{key}={value!r} is not an http(s) URL (e.g. https://example.org)"
            )
        return value

    def duration(self, key: str, default: timedelta) -> timedelta:
        value = self.raw(key)
        return default if value is None else parse_duration(PREFIX + key, value)

    def size(self, key: str, default: int) -> int:
        value = self.raw(key)
        return default if value is None else _parse_size(PREFIX + key, value)

    def rate(self, key: str, default: Rate) -> Rate:
        value = self.raw(key)
        return default if value is None else _parse_rate(PREFIX + key, value)


def _environment(env: Mapping[str, str] | None, dotenv_path: Path | None) -> dict[str, str]:
    if env is not None:
        return dict(env)
    merged: dict[str, str] = {}
    path = dotenv_path or Path.cwd() / ".env"
    if path.is_file():
        merged.update({k: v for k, v in dotenv_values(path).items() if v is not None})
    merged.update(os.environ)  # real environment wins over .env
    return merged


def _email_ok(value: str) -> bool:
    return bool(re.match(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$", value))


def _existing_file(value: str | None, key: str) -> Path | None:
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_file():
        raise ConfigError(
            f"{PREFIX}{key}={value!r}: no such file; give an existing path or unset it"
        )
    return path


def _embedding_model(value: str | None) -> str:
    """Set only when the extra is installed: fail at start-up, not at the first training."""
    if value and importlib.util.find_spec("sentence_transformers") is None:
        raise ConfigError(
            f"{PREFIX}EMBEDDING_MODEL={value!r} needs sentence-transformers: "
            "pip install 'rxradar[embeddings]' (or unset the variable)"
        )
    return value or ""


DATABASE_EXAMPLES = "sqlite:///path/rxradar.db or postgresql+psycopg://user@host/db"
# Hosting docs write PostgreSQL URLs without a driver; rxradar ships psycopg (3) for them.
POSTGRES_SCHEMES = ("postgres", "postgresql", "postgresql+psycopg")
SQLITE_SCHEMES = ("sqlite", "sqlite+pysqlite")


def _database_url(url: str) -> str:
    """The URL in the form SQLAlchemy opens with the drivers rxradar installs."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ConfigError(
            f"{PREFIX}DATABASE_URL={url!r} is not a database URL (e.g. {DATABASE_EXAMPLES})"
        )
    if scheme.lower() in POSTGRES_SCHEMES:
        return f"postgresql+psycopg://{rest}"
    if scheme.lower() in SQLITE_SCHEMES:
        return url
    raise ConfigError(
        f"{PREFIX}DATABASE_URL uses {scheme!r}, which rxradar does not support; "
        f"use SQLite or PostgreSQL (e.g. {DATABASE_EXAMPLES})"
    )


def load_settings(
    env: Mapping[str, str] | None = None, dotenv_path: Path | None = None
) -> Settings:
    """Read and validate every RXRADAR_* setting; raise ConfigError naming the culprit."""
    read = _Reader(_environment(env, dotenv_path))
    data_dir = Path(read.text("DATA_DIR") or user_data_dir("rxradar", appauthor=False))
    data_dir = data_dir.expanduser()
    database_url = _database_url(
        read.text("DATABASE_URL") or f"sqlite:///{data_dir / 'rxradar.db'}"
    )
    contact = read.text("CONTACT_EMAIL")
    if contact is not None and not _email_ok(contact):
        raise ConfigError(f"{PREFIX}CONTACT_EMAIL={contact!r} is not an email address")
    # Set but empty means "no default feeds" (tests, or operators who add feeds by hand).
    feeds_raw = read.env.get(PREFIX + "FEEDS", ",".join(SourceSettings.feeds))
    feeds = tuple(part.strip() for part in feeds_raw.split(",") if part.strip())
    http_timeout = read.number("HTTP_TIMEOUT", HttpSettings.timeout, minimum=0.1)
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        model=_model(read, data_dir),
        http=HttpSettings(
            user_agent=user_agent(contact),
            timeout=http_timeout,
            max_bytes=read.size("MAX_FEED_BYTES", HttpSettings.max_bytes),
            max_items=read.integer("MAX_FEED_ITEMS", HttpSettings.max_items, minimum=1),
            allow_private_urls=read.flag("ALLOW_PRIVATE_URLS", ALLOW_PRIVATE_URLS_BY_DEFAULT),
            host_delay=read.number("HOST_DELAY", HttpSettings.host_delay),
            total_timeout=read.number(
                "HTTP_TOTAL_TIMEOUT", HttpSettings.total_timeout, minimum=0.1
            ),
        ),
        sources=SourceSettings(
            biorxiv_api_url=read.url("BIORXIV_API_URL", SourceSettings.biorxiv_api_url).rstrip("/"),
            crossref_api_url=read.url("CROSSREF_API_URL", SourceSettings.crossref_api_url).rstrip(
                "/"
            ),
            orcid_api_url=read.url("ORCID_API_URL", SourceSettings.orcid_api_url).rstrip("/"),
            arxiv_api_url=read.url("ARXIV_API_URL", SourceSettings.arxiv_api_url).rstrip("/"),
            feeds=feeds,
            poll_interval=read.duration("POLL_INTERVAL", SourceSettings.poll_interval),
            harvest_days=read.integer("HARVEST_DAYS", SourceSettings.harvest_days, minimum=1),
            outcome_months=read.integer("OUTCOME_MONTHS", SourceSettings.outcome_months, minimum=1),
            outcome_interval=read.duration("OUTCOME_INTERVAL", SourceSettings.outcome_interval),
            retrain_interval=read.duration("RETRAIN_INTERVAL", SourceSettings.retrain_interval),
        ),
        smtp=_smtp(read),
        slack=_slack(read, http_timeout),
        delivery=DeliverySettings(
            tick=read.duration("SCHEDULER_TICK", DeliverySettings.tick),
            lease=read.duration("DELIVERY_LEASE", DeliverySettings.lease),
            empty_digest_message=read.flag(
                "EMPTY_DIGEST_MESSAGE", DeliverySettings.empty_digest_message
            ),
        ),
        web=_web(read),
        public_url=read.url("PUBLIC_URL", Settings.public_url).rstrip("/"),
        secret_key=_secret_key(read),
        contact_email=contact,
        log_format=read.choice("LOG_FORMAT", Settings.log_format, ("text", "json")),
    )


def _model(read: _Reader, data_dir: Path) -> ModelSettings:
    return ModelSettings(
        models_dir=data_dir / "models",
        embeddings_dir=data_dir / "embeddings",
        window_days=read.integer("SCORE_WINDOW_DAYS", ModelSettings.window_days, minimum=1),
        retention_days=read.integer(
            "SCORE_RETENTION_DAYS", ModelSettings.retention_days, minimum=1
        ),
        keep_models=read.integer("KEEP_MODELS", ModelSettings.keep_models, minimum=2),
        embedding_model=_embedding_model(read.text("EMBEDDING_MODEL")),
    )


def _web(read: _Reader) -> WebSettings:
    return WebSettings(
        max_body=read.size("WEB_MAX_BODY", WebSettings.max_body),
        cache_seconds=read.integer("WEB_CACHE_SECONDS", WebSettings.cache_seconds),
        signups_per_address=read.rate("WEB_SIGNUPS_PER_ADDRESS", WebSettings.signups_per_address),
        signups_per_client=read.rate("WEB_SIGNUPS_PER_CLIENT", WebSettings.signups_per_client),
        matches_per_client=read.rate("WEB_MATCHES_PER_CLIENT", WebSettings.matches_per_client),
    )


def _smtp(read: _Reader) -> SmtpSettings:
    security = read.choice("SMTP_SECURITY", SmtpSettings.security, ("starttls", "ssl", "none"))
    default_port = {"starttls": 587, "ssl": 465, "none": 25}[security]
    return SmtpSettings(
        host=read.text("SMTP_HOST"),
        port=read.integer("SMTP_PORT", default_port, minimum=1),
        username=read.text("SMTP_USERNAME"),
        password=read.secret("SMTP_PASSWORD"),
        security=security,
        sender=read.text("SMTP_FROM", SmtpSettings.sender) or "",
        timeout=read.number("SMTP_TIMEOUT", SmtpSettings.timeout, minimum=0.1),
        ca_file=_existing_file(read.text("SMTP_CA_FILE"), "SMTP_CA_FILE"),
    )


def _slack(read: _Reader, timeout: float) -> SlackSettings:
    return SlackSettings(
        api_url=read.url("SLACK_API_URL", SlackSettings.api_url),
        bot_token=read.secret("SLACK_BOT_TOKEN"),
        signing_secret=read.secret("SLACK_SIGNING_SECRET"),
        app_token=read.secret("SLACK_APP_TOKEN"),
        client_id=read.text("SLACK_CLIENT_ID"),
        client_secret=read.secret("SLACK_CLIENT_SECRET"),
        command=read.text("SLACK_COMMAND", SlackSettings.command) or SlackSettings.command,
        timeout=timeout,
        emails_per_requester=read.rate(
            "SLACK_EMAILS_PER_REQUESTER", SlackSettings.emails_per_requester
        ),
        emails_per_workspace=read.rate(
            "SLACK_EMAILS_PER_WORKSPACE", SlackSettings.emails_per_workspace
        ),
    )


MIN_SECRET_KEY_BYTES = 32  # shorter keys (an empty file after a full disk) are refused


def checked_secret_key(key: Secret, where: str, fix: str = "") -> Secret:
    """The signing key if it is long enough to be unguessable; else a ConfigError saying why."""
    size = len(key.get().encode("utf-8"))
    if size < MIN_SECRET_KEY_BYTES:
        fix = fix or (
            "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
        raise ConfigError(
            f"{where} is {size} bytes long; the signing key needs at least "
            f"{MIN_SECRET_KEY_BYTES}: {fix}"
        )
    return key


def _secret_key(read: _Reader) -> Secret | None:
    key = read.secret("SECRET_KEY")
    return checked_secret_key(key, f"{PREFIX}SECRET_KEY") if key else None


def ensure_secret_key(settings: Settings) -> Secret:
    """Return the signing key, generating and storing one in the data dir on first use.

    The file is written whole or not at all (temp file, fsync, link into place), so a full
    disk can never leave an empty key behind; a short or empty key file is refused.
    """
    if settings.secret_key:
        return checked_secret_key(settings.secret_key, f"{PREFIX}SECRET_KEY")
    path = settings.data_dir / "secret_key"
    if not path.is_file():
        _write_new_secret_key(path)
    key = Secret(path.read_text(encoding="utf-8").strip())
    fix = "delete it to make a new one (links sent so far stop working)"
    return checked_secret_key(key, f"the secret key file {path}", fix)


def make_private_dir(path: Path) -> None:
    """Create a directory only its owner can enter (it holds the database and keys)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


def _write_new_secret_key(path: Path) -> None:
    make_private_dir(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(48))
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process won: keep its key
            os.link(temporary, path)  # atomic: the key appears whole or not at all
    finally:
        temporary.unlink(missing_ok=True)
