"""Settings: environment variables (PROTOCOL.md) and the TOML config file (`--config`).

A bad file stops start-up with `ConfigError`, whose message names the field and the problem;
the CLI prints it without a traceback. See docs/configuration.md and tipline.example.toml.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import tomllib
import urllib.parse
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic

from tipline import credentials, models
from tipline import pow as proof_of_work
from tipline.limits import Limits

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_RETENTION_DAYS = 36500  # a hundred years


class ConfigError(Exception):
    """The configuration cannot be used; the message says where and why."""


class _Strict(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)


class ContactConfig(_Strict):
    name: Annotated[str, pydantic.StringConstraints(min_length=1, strip_whitespace=True)]
    role: Annotated[str, pydantic.StringConstraints(min_length=1, strip_whitespace=True)]
    phone: Annotated[str, pydantic.StringConstraints(pattern=r"^\+?[0-9 ()\-]{3,20}$")]


class PolicyConfig(_Strict):
    claim_timeout_s: Annotated[int, pydantic.Field(ge=10, le=3600)] = 180
    contact_timeout_s: Annotated[int, pydantic.Field(ge=10, le=86400)] = 600
    repage_interval_s: Annotated[int, pydantic.Field(ge=10, le=3600)] = 180
    # Days this school's records keep what people wrote after resolution, instead of the
    # deployment's `[server] retention_days`; 0 keeps it for ever (docs/operations.md).
    retention_days: Annotated[int, pydantic.Field(ge=0, le=MAX_RETENTION_DAYS)] | None = None


class OrganizationConfig(_Strict):
    code: Annotated[str, pydantic.StringConstraints(pattern=r"^[A-Za-z0-9_-]{2,32}$")]
    name: Annotated[str, pydantic.StringConstraints(min_length=1, strip_whitespace=True)]
    timezone: str
    languages: list[Annotated[str, pydantic.StringConstraints(pattern=r"^[a-z]{2}$")]] = ["en"]
    hours: dict[str, str] = {}
    holidays: list[dt.date] = []
    contacts: Annotated[list[ContactConfig], pydantic.Field(min_length=1, max_length=10)]
    law_enforcement: ContactConfig
    policy: PolicyConfig = PolicyConfig()

    @pydantic.field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @pydantic.field_validator("hours")
    @classmethod
    def _valid_hours(cls, value: dict[str, str]) -> dict[str, str]:
        for day, span in value.items():
            if day not in WEEKDAYS:
                raise ValueError(f"unknown weekday {day!r}; use one of {', '.join(WEEKDAYS)}")
            _parse_span(span, day)
        return value


class ResponderConfig(_Strict):
    id: Annotated[str, pydantic.StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
    name: Annotated[str, pydantic.StringConstraints(min_length=1, strip_whitespace=True)]
    role: Literal["agent", "admin"]
    org: str | None = None
    token_sha256: str
    slack_user_id: str | None = None

    @pydantic.field_validator("token_sha256")
    @classmethod
    def _hex_digest(cls, value: str) -> str:
        if not _SHA256.match(value):
            raise ValueError("must be the 64 lowercase hex digits of the token's SHA-256")
        return value

    @pydantic.model_validator(mode="after")
    def _admin_has_org(self) -> ResponderConfig:
        if self.role == "admin" and not self.org:
            raise ValueError("an admin needs `org`, the access code of their school")
        if self.role == "agent" and self.org:
            raise ValueError("an agent sees every school; remove `org`")
        return self


class ServerConfig(_Strict):
    host: str = "127.0.0.1"
    port: Annotated[int, pydantic.Field(ge=0, le=65535)] = 8080
    # redis://host:port/db, or redis+sentinel://host1:26379,host2:26379/mymaster[/db]
    # (docs/configuration.md); or TIPLINE_REDIS_URL.
    redis_url: str | None = None
    # Acknowledge a write only once this many replicas have it (Redis WAIT); 0: off.
    redis_min_replicas: Annotated[int, pydantic.Field(ge=0, le=16)] = 0
    # How long an acknowledgement waits for them; past it the client gets `unavailable`.
    redis_replica_timeout_ms: Annotated[int, pydantic.Field(ge=10, le=10000)] = 500
    database_url: str | None = None
    # Hours a resolved incident stays in Redis; then it is read from the record (docs/record.md).
    live_window_hours: Annotated[int, pydantic.Field(ge=1, le=87600)] = 72
    # Days the record keeps what people wrote after an incident's resolution; then it is
    # purged and the anonymous figures stay (docs/operations.md). 0: kept for ever.
    retention_days: Annotated[int, pydantic.Field(ge=0, le=MAX_RETENTION_DAYS)] = 0
    data_dir: str | None = None
    public_url: str | None = None
    # Host names a browser may open the Socket.IO connection from (docs/security.md).
    allowed_hosts: list[str] = []
    # A file holding the server key (docs/configuration.md); or TIPLINE_SECRET_KEY(_FILE).
    secret_key_file: str | None = None
    # A file of data keys (`key_id:base64` lines, the first seals; docs/operations.md);
    # or TIPLINE_DATA_KEY / TIPLINE_DATA_KEY_FILE. None: <data_dir>/data.key.
    data_key_file: str | None = None


class SlackConfig(_Strict):
    channel: str | None = None
    excerpt_chars: Annotated[int, pydantic.Field(ge=0, le=2000)] = 200
    # Slack bot (bot/): see docs/slack.md.
    urgent_offhours: bool = False
    mentions: list[str] = []
    translators_channel: str | None = None
    team_id: str | None = None


class FileConfig(_Strict):
    server: ServerConfig = ServerConfig()
    slack: SlackConfig = SlackConfig()
    organizations: Annotated[list[OrganizationConfig], pydantic.Field(min_length=1)]
    responders: list[ResponderConfig] = []

    @pydantic.model_validator(mode="after")
    def _references(self) -> FileConfig:
        codes = [o.code for o in self.organizations]
        if len(set(codes)) != len(codes):
            raise ValueError("two organizations share one access code")
        ids = [r.id for r in self.responders]
        if len(set(ids)) != len(ids):
            raise ValueError("two responders share one id")
        for responder in self.responders:
            if responder.org is not None and responder.org not in codes:
                raise ValueError(f"responder {responder.id!r}: unknown org {responder.org!r}")
        return self


@dataclasses.dataclass(frozen=True, slots=True)
class ResponderSeed:
    """A responder and the hash of their token, as the config file gives it."""

    responder: models.Responder
    token_hash: str


@dataclasses.dataclass(frozen=True, slots=True)
class SlackSettings:
    """The Slack bot's settings (bot/, docs/slack.md), which the bot takes as they are
    (bot/config.py): SLACK_* and TIPLINE_SLACK_* beat the file's `[slack]`."""

    token: str
    signing_secret: str
    channel: str
    api_url: str = "https://slack.com/api/"
    excerpt_chars: int = 200
    # Post `urgent` reports to the channel too when they come in while the school is closed.
    urgent_offhours: bool = False
    # Who a re-page mentions: Slack user ids (U...) or user groups (S...).
    mentions: tuple[str, ...] = ()
    # Where "Request translator" posts; unset hides the button.
    translators_channel: str | None = None
    # Refuse requests from any other workspace; unset accepts the one the token belongs to.
    team_id: str | None = None
    # Backoff of the delivery queue: first retry after base, doubling up to cap.
    retry_base_s: float = 1.0
    retry_cap_s: float = 60.0
    # Give up on a job that Slack refuses for good (not a 429, 5xx or outage) after this.
    max_refusals: int = 8
    http_timeout_s: float = 10.0


SLACK_UNSET = "SLACK_BOT_TOKEN or SLACK_SIGNING_SECRET is not set"


@dataclasses.dataclass(frozen=True, slots=True)
class Settings:
    """Everything `tipline serve` needs, resolved from the environment and the file."""

    host: str
    port: int
    redis_url: str | None
    data_dir: Path
    cache_dir: Path
    model_dir: Path | None
    demo: bool
    organizations: tuple[models.Organization, ...]
    responders: tuple[ResponderSeed, ...]
    # Base of the console links in Slack; None: the server's own address.
    public_url: str | None
    # Host names whose pages may open Socket.IO connections (the Origin check); empty: the
    # request's own Host, as python-engineio checks it (docs/security.md).
    allowed_hosts: tuple[str, ...] = ()
    # Seconds a connection may take to send a request's headers, or stay idle between
    # requests, before it is closed (slow-header floods; aiohttp's keep-alive timeout).
    header_timeout_s: float = 10.0
    # PostgreSQL, the record (docs/record.md); None: the embedded one in data_dir/postgres.
    database_url: str | None = None
    # Resolved incidents leave Redis this long after their resolution, once the record holds
    # all of them; the console then reads them from the record (adapters/live_window.py).
    live_window_hours: int = 72
    # Days after resolution the record keeps what people wrote (0: for ever); a school's
    # own period is its Organization.retention_days (adapters/retention.py).
    retention_days: int = 0
    key_prefix: str = "tl"
    # An acknowledged write waits for WAIT on this many replicas (0: it does not), at most
    # `redis_replica_timeout_ms`; fewer in time answer `unavailable` (docs/reliability.md).
    redis_min_replicas: int = 0
    redis_replica_timeout_ms: int = 500
    # "model" (the transformer, falling back to the rules) or "rules" (the safety net alone).
    classifier: str = "model"
    # How often each process looks for due deadlines (re-pages, contact timers).
    sweep_interval_s: float = 1.0
    # -- fan-out (adapters/fanout.py, docs/deployment.md) ---------------------------------
    # "redis": emits go through Redis pub/sub so several processes share their connections;
    # "local": one process alone (the embedded Redis is never shared).
    fanout: str = "local"
    # Where the archive worker runs (adapters/archive.py, docs/record.md): "process", a
    # `tipline archive` process that `serve` starts, watches and stops, so the chat's event
    # loop never runs a batch (the default: docs/performance.md); "inline", a task of this
    # process (one process fewer, ~80 MB less).
    archive_worker: str = "process"
    # How much nicer than `serve` the worker process makes itself (0-19; `process` only): on
    # a machine whose cores the chat keeps busy, its batches wait for the chat instead of
    # delaying it.
    archive_worker_nice: int = 10
    limits: Limits = dataclasses.field(default_factory=Limits)
    # The proof of work of anonymous reports (tipline/pow.py, docs/security.md).
    proof_of_work: proof_of_work.Policy = dataclasses.field(default_factory=proof_of_work.Policy)
    demo_agent_token: str | None = None
    demo_admin_token: str | None = None
    # The key under which the store files token and receipt hashes (tipline/credentials.py).
    # None only in demo mode without TIPLINE_SECRET_KEY: then `<data_dir>/secret.key`.
    secret_key: bytes | None = None
    # The data keys that seal what people wrote (tipline/datakeys.py): TIPLINE_DATA_KEY's
    # text, or the file that holds them; both None: <data_dir>/data.key.
    data_key: str | None = dataclasses.field(default=None, repr=False)
    data_key_file: Path | None = None
    # -- Slack bot (bot/, docs/slack.md) -------------------------------------------------
    # None: Slack is off, for the reason in `slack_off` (logged at start).
    slack: SlackSettings | None = None
    slack_off: str = SLACK_UNSET


_LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def _allowed_hosts(env: Mapping[str, str], server: ServerConfig, host: str) -> tuple[str, ...]:
    """TIPLINE_ALLOWED_HOSTS (comma-separated) or the file's list; else the host of the
    public URL and the listening host, with the loopback names when that is loopback; empty
    (the Host header decides) only when listening on every interface with no public URL."""
    listed = env.get("TIPLINE_ALLOWED_HOSTS")
    if listed is not None or server.allowed_hosts:
        names = listed.split(",") if listed is not None else server.allowed_hosts
        return tuple(n.strip().lower() for n in names if n.strip())
    found: list[str] = []
    public = env.get("TIPLINE_PUBLIC_URL") or server.public_url
    if public and (name := urllib.parse.urlsplit(public).hostname):
        found.append(name.lower())
    if host in _LOOPBACK_NAMES or host.startswith("127."):
        found += [host.lower(), *_LOOPBACK_NAMES]
    elif host not in ("", "0.0.0.0", "::"):  # noqa: S104  (naming the wildcard, not binding it)
        found.append(host.lower())
    return tuple(dict.fromkeys(found))


def load(
    *,
    config_path: Path | None,
    env: Mapping[str, str] | None = None,
    host: str | None = None,
    port: int | None = None,
) -> Settings:
    """Resolve settings: CLI flags beat the environment, which beats the file."""
    env = os.environ if env is None else env
    file = _read_file(config_path) if config_path else None
    server = file.server if file else ServerConfig()
    slack = file.slack if file else SlackConfig()
    if file is None:
        from tipline import demo  # noqa: PLC0415  (demo data is only needed without a file)

        organizations: tuple[models.Organization, ...] = (demo.organization(),)
        responders: tuple[ResponderSeed, ...] = ()
    else:
        organizations = tuple(_organization(o) for o in file.organizations)
        responders = tuple(_responder(r) for r in file.responders)
    data_dir = Path(env.get("TIPLINE_DATA_DIR") or server.data_dir or "./data")
    model_dir = env.get("TIPLINE_MODEL_DIR")
    live_window_hours = _int_env(
        env, "TIPLINE_LIVE_WINDOW_HOURS", server.live_window_hours, low=1, high=87600
    )
    retention_days = _int_env(
        env, "TIPLINE_RETENTION_DAYS", server.retention_days, low=0, high=MAX_RETENTION_DAYS
    )
    _check_retention(retention_days, organizations, live_window_hours)
    return Settings(
        host=host or env.get("TIPLINE_HOST") or server.host,
        port=port if port is not None else int(env.get("TIPLINE_PORT") or server.port),
        redis_url=_redis_url(env.get("TIPLINE_REDIS_URL") or server.redis_url),
        redis_min_replicas=_int_env(
            env, "TIPLINE_REDIS_MIN_REPLICAS", server.redis_min_replicas, low=0, high=16
        ),
        redis_replica_timeout_ms=_int_env(
            env,
            "TIPLINE_REDIS_REPLICA_TIMEOUT_MS",
            server.redis_replica_timeout_ms,
            low=10,
            high=10000,
        ),
        database_url=env.get("TIPLINE_DATABASE_URL") or server.database_url,
        live_window_hours=live_window_hours,
        retention_days=retention_days,
        data_dir=data_dir,
        cache_dir=Path(env.get("TIPLINE_CACHE_DIR") or ".cache"),
        model_dir=Path(model_dir) if model_dir else None,
        demo=file is None,
        organizations=organizations,
        responders=responders,
        public_url=env.get("TIPLINE_PUBLIC_URL") or server.public_url,
        allowed_hosts=_allowed_hosts(env, server, host or env.get("TIPLINE_HOST") or server.host),
        header_timeout_s=float(env.get("TIPLINE_HEADER_TIMEOUT_S") or 10.0),
        key_prefix=env.get("TIPLINE_KEY_PREFIX") or "tl",
        classifier=_classifier_choice(env.get("TIPLINE_CLASSIFIER") or "model"),
        sweep_interval_s=float(env.get("TIPLINE_SWEEP_INTERVAL_S") or 1.0),
        fanout=_fanout_choice(
            env.get("TIPLINE_FANOUT"), shared=bool(env.get("TIPLINE_REDIS_URL") or server.redis_url)
        ),
        archive_worker=_archive_worker_choice(env.get("TIPLINE_ARCHIVE_WORKER") or "process"),
        archive_worker_nice=_int_env(env, "TIPLINE_ARCHIVE_WORKER_NICE", 10, low=0, high=19),
        demo_agent_token=_demo_token(env, "TIPLINE_DEMO_AGENT_TOKEN"),
        demo_admin_token=_demo_token(env, "TIPLINE_DEMO_ADMIN_TOKEN"),
        secret_key=_secret_key(env, server, config_path),
        data_key=env.get("TIPLINE_DATA_KEY") or None,
        data_key_file=_data_key_file(env, server, config_path),
        **_slack(env, slack),
    )


# -- Redis through Sentinel -------------------------------------------------------------
SENTINEL_SCHEME = "redis+sentinel"
SENTINEL_TLS_SCHEME = "rediss+sentinel"  # TLS to the Sentinels and to the data nodes
SENTINEL_PORT = 26379
# TLS options of a rediss+sentinel:// URL, passed to redis-py as they are (files are paths).
_TLS_OPTIONS = frozenset({"ssl_ca_certs", "ssl_certfile", "ssl_keyfile", "ssl_cert_reqs"})
_CERT_REQS = frozenset({"required", "optional", "none"})
_SENTINEL_OPTIONS = frozenset({"db", "sentinel_password"}) | _TLS_OPTIONS


@dataclasses.dataclass(frozen=True, slots=True)
class RedisSentinel:
    """Where a `redis+sentinel://` URL says the store is: ask these Sentinels for the
    primary of `service`. The form is the one of the Redis-Sentinel-Url package, which
    Prefect and others read too: `redis+sentinel://[[user]:password@]host[:port][,host
    [:port]...]/service[/db][?db=N&sentinel_password=...]`, port 26379 by default; the
    password is the data nodes', `sentinel_password` the Sentinels' (none by default).
    `rediss+sentinel://` speaks TLS to both, with the `ssl_*` options of redis-py (`tls`)."""

    sentinels: tuple[tuple[str, int], ...]
    service: str
    db: int = 0
    username: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)
    sentinel_password: str | None = dataclasses.field(default=None, repr=False)
    # None: plain TCP; else redis-py's connection options of TLS (`ssl_*`), for both.
    tls: tuple[tuple[str, str], ...] | None = None

    def tls_kwargs(self) -> dict[str, object]:
        """The keyword arguments of redis-py's connections for TLS; empty without."""
        return {} if self.tls is None else {"ssl": True, **dict(self.tls)}


def redis_sentinel(url: str) -> RedisSentinel | None:
    """The Sentinels and primary a `redis+sentinel://` URL names; None for any other URL
    (redis://, rediss://, unix://, which redis-py reads itself). `ConfigError` says what is
    wrong with a bad one."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in (SENTINEL_SCHEME, SENTINEL_TLS_SCHEME):
        return None
    tls = scheme.lower() == SENTINEL_TLS_SCHEME
    where = "TIPLINE_REDIS_URL ([server] redis_url)"
    rest, _, query = rest.partition("?")
    netloc, _, path = rest.partition("/")
    userinfo, _, hosts = netloc.rpartition("@")
    username = password = None
    if userinfo:
        user, has_password, secret = userinfo.partition(":")
        username = urllib.parse.unquote(user) or None
        password = urllib.parse.unquote(secret) if has_password else None
    sentinels = tuple(_sentinel_address(h, where) for h in hosts.split(","))
    service, _, db_text = path.strip("/").partition("/")
    if not service:
        raise ConfigError(f"{where}: no primary name: redis+sentinel://HOST:PORT,.../NAME")
    options = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    unknown = set(options) - _SENTINEL_OPTIONS
    if unknown:
        raise ConfigError(
            f"{where}: unknown option {sorted(unknown)[0]!r}; known: "
            + ", ".join(sorted(_SENTINEL_OPTIONS))
        )
    db_text = options.get("db", db_text) or "0"
    if not db_text.isdigit():
        raise ConfigError(f"{where}: database {db_text!r} is not a number")
    tls_options = {k: v for k, v in sorted(options.items()) if k in _TLS_OPTIONS}
    if tls_options and not tls:
        raise ConfigError(
            f"{where}: {next(iter(tls_options))!r} is a TLS option: use rediss+sentinel://"
        )
    if options.get("ssl_cert_reqs", "required") not in _CERT_REQS:
        raise ConfigError(f"{where}: ssl_cert_reqs is one of " + ", ".join(sorted(_CERT_REQS)))
    return RedisSentinel(
        sentinels=sentinels,
        service=urllib.parse.unquote(service),
        db=int(db_text),
        username=username,
        password=password,
        sentinel_password=options.get("sentinel_password") or None,
        tls=tuple(tls_options.items()) if tls else None,
    )


def _sentinel_address(text: str, where: str) -> tuple[str, int]:
    """`host`, `host:port` or `[v6 address]:port`."""
    if text.startswith("["):
        host, _, port_text = text[1:].partition("]")
        port_text = port_text.removeprefix(":")
    else:
        host, _, port_text = text.partition(":")
    if not host:
        raise ConfigError(f"{where}: a Sentinel without a host in {text!r}")
    if not port_text:
        return host, SENTINEL_PORT
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError(f"{where}: {text!r}: the port is not a number from 1 to 65535")
    return host, int(port_text)


def _redis_url(url: str | None) -> str | None:
    """The Redis URL as it is, once a `redis+sentinel://` one is known to be well formed."""
    if url:
        redis_sentinel(url)
    return url or None


def _check_retention(
    default_days: int, organizations: tuple[models.Organization, ...], window_hours: int
) -> None:
    """A retention period (other than 0, for ever) must not end inside the live window:
    the record's texts would go while Redis still holds and shows them."""
    periods = [("TIPLINE_RETENTION_DAYS ([server] retention_days)", default_days)]
    periods += [
        (f"organization {o.code!r}: policy.retention_days", o.retention_days)
        for o in organizations
        if o.retention_days is not None
    ]
    for where, days in periods:
        if days and days * 24 < window_hours:
            raise ConfigError(
                f"{where}: {days} day{'s' if days != 1 else ''} is shorter than the live window "
                f"(TIPLINE_LIVE_WINDOW_HOURS = {window_hours} h): use at least "
                f"{-(-window_hours // 24)} days, or 0 to keep the texts for ever"
            )


def _int_env(env: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    """An integer setting from the environment (else the file's `default`), within bounds."""
    text = env.get(name)
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{name}: {text!r} is not a whole number") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}: {value} is not from {low} to {high}")
    return value


def _demo_token(env: Mapping[str, str], name: str) -> str | None:
    token = env.get(name) or None
    if token is not None and len(token) < credentials.MIN_TOKEN_CHARS:
        raise ConfigError(
            f"{name}: a token must be at least {credentials.MIN_TOKEN_CHARS} characters "
            "(make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(24))')"
        )
    return token


def _secret_key(env: Mapping[str, str], server: ServerConfig, config: Path | None) -> bytes | None:
    """TIPLINE_SECRET_KEY beats TIPLINE_SECRET_KEY_FILE, which beats `[server]
    secret_key_file` (relative to the config file). A config file needs one of them: a key
    made up at start would orphan every receipt at the next start with another one."""
    try:
        if env.get("TIPLINE_SECRET_KEY"):
            return credentials.key_from_text(env["TIPLINE_SECRET_KEY"], where="TIPLINE_SECRET_KEY")
        named = env.get("TIPLINE_SECRET_KEY_FILE") or server.secret_key_file
        if named:
            path = Path(named)
            if config is not None and not env.get("TIPLINE_SECRET_KEY_FILE"):
                path = config.parent / path
            return credentials.read_key_file(path)
    except credentials.ServerKeyError as exc:
        raise ConfigError(str(exc)) from None
    if config is not None:
        raise ConfigError(
            f"{config}: no server key: set TIPLINE_SECRET_KEY or TIPLINE_SECRET_KEY_FILE, or "
            "[server] secret_key_file (a file of at least 32 characters, mode 0600; make one "
            "with: tipline key new FILE)"
        )
    return None


def _data_key_file(
    env: Mapping[str, str], server: ServerConfig, config: Path | None
) -> Path | None:
    """TIPLINE_DATA_KEY_FILE, else `[server] data_key_file` (relative to the config file)."""
    if env.get("TIPLINE_DATA_KEY_FILE"):
        return Path(env["TIPLINE_DATA_KEY_FILE"])
    if server.data_key_file:
        path = Path(server.data_key_file)
        return config.parent / path if config is not None else path
    return None


def _slack(env: Mapping[str, str], slack: SlackConfig) -> dict[str, Any]:
    """`slack`, the bot's settings (the environment beats the file's `[slack]`), when its
    token, signing secret and channel are set; else `slack_off`, why it is off."""
    token, secret = env.get("SLACK_BOT_TOKEN"), env.get("SLACK_SIGNING_SECRET")
    channel = env.get("TIPLINE_SLACK_CHANNEL") or slack.channel
    if not (token and secret):
        return {"slack_off": SLACK_UNSET}
    if not channel:
        return {"slack_off": "TIPLINE_SLACK_CHANNEL is not set"}
    mentions = env.get("TIPLINE_SLACK_MENTIONS")
    offhours = env.get("TIPLINE_SLACK_URGENT_OFFHOURS")
    bot = SlackSettings(
        token=token,
        signing_secret=secret,
        channel=channel,
        api_url=env.get("SLACK_API_URL") or "https://slack.com/api/",
        excerpt_chars=slack.excerpt_chars,
        urgent_offhours=(
            offhours.strip().lower() in {"1", "true", "yes", "on"}
            if offhours
            else slack.urgent_offhours
        ),
        mentions=tuple(
            m.strip() for m in (mentions.split(",") if mentions else slack.mentions) if m.strip()
        ),
        translators_channel=env.get("TIPLINE_SLACK_TRANSLATORS_CHANNEL")
        or slack.translators_channel,
        team_id=env.get("TIPLINE_SLACK_TEAM_ID") or slack.team_id,
    )
    return {"slack": bot, "slack_off": ""}


def _fanout_choice(value: str | None, *, shared: bool) -> str:
    """TIPLINE_FANOUT: "redis" by default with a Redis URL (a Redis other processes may
    share), "local" with the embedded Redis, which only this process uses."""
    choice = (value or ("redis" if shared else "local")).strip().lower()
    if choice not in {"local", "redis"}:
        raise ConfigError(f"TIPLINE_FANOUT: {value!r} is neither 'local' nor 'redis'")
    return choice


def _archive_worker_choice(value: str) -> str:
    choice = value.strip().lower()
    if choice not in {"inline", "process"}:
        raise ConfigError(f"TIPLINE_ARCHIVE_WORKER: {value!r} is neither 'inline' nor 'process'")
    return choice


def _classifier_choice(value: str) -> str:
    if value not in {"model", "rules"}:
        raise ConfigError(f"TIPLINE_CLASSIFIER: {value!r} is neither 'model' nor 'rules'")
    return value


def _read_file(path: Path) -> FileConfig:
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return FileConfig.model_validate(raw)
    except pydantic.ValidationError as exc:
        raise ConfigError(f"{path}: " + "; ".join(_describe(e) for e in exc.errors())) from exc


def _describe(error: Any) -> str:
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"]).lstrip(".")
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where or 'file'}: {message}"


def _parse_span(span: str, day: str) -> models.Hours:
    match = _HOURS.match(span.strip())
    if not match:
        raise ValueError(f"hours.{day}: {span!r} is not HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        opens, closes = dt.time(h1, m1), dt.time(h2, m2)
    except ValueError as exc:
        raise ValueError(f"hours.{day}: {span!r}: {exc}") from exc
    if closes <= opens:
        raise ValueError(f"hours.{day}: {span!r} closes before it opens")
    return models.Hours(opens=opens, closes=closes)


def _contact(config: ContactConfig) -> models.Contact:
    return models.Contact(name=config.name, role=config.role, phone=config.phone)


def _organization(config: OrganizationConfig) -> models.Organization:
    return models.Organization(
        code=config.code,
        name=config.name,
        timezone=config.timezone,
        hours={WEEKDAYS.index(d): _parse_span(s, d) for d, s in config.hours.items()},
        holidays=tuple(sorted(config.holidays)),
        policy=models.Policy(
            contacts=tuple(_contact(c) for c in config.contacts),
            law_enforcement=_contact(config.law_enforcement),
            claim_timeout_s=config.policy.claim_timeout_s,
            contact_timeout_s=config.policy.contact_timeout_s,
            repage_interval_s=config.policy.repage_interval_s,
        ),
        languages=tuple(config.languages),
        retention_days=config.policy.retention_days,
    )


def _responder(config: ResponderConfig) -> ResponderSeed:
    responder = models.Responder(
        responder_id=config.id,
        name=config.name,
        role=models.Role(config.role),
        org_code=config.org,
        slack_user_id=config.slack_user_id,
    )
    return ResponderSeed(responder=responder, token_hash=config.token_sha256)
