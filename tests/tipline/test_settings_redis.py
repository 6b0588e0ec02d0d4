"""The Redis settings: a `redis+sentinel://` URL, the replicas an acknowledgement waits for."""

from __future__ import annotations

import pytest

from tipline import settings
from tipline.settings import ConfigError, RedisSentinel, redis_sentinel


def test_sentinel_url_names_the_sentinels_primary_and_database() -> None:
    """Hosts with and without a port (26379 by default), the primary's name, the db, both
    passwords; a plain redis:// URL is left to redis-py."""
    found = redis_sentinel(
        "redis+sentinel://:s%40cret@10.0.0.1:26380,10.0.0.2,[::1]:26381/mymaster/3"
        "?sentinel_password=guard"
    )
    assert found == RedisSentinel(
        sentinels=(("10.0.0.1", 26380), ("10.0.0.2", 26379), ("::1", 26381)),
        service="mymaster",
        db=3,
        password="s@cret",
        sentinel_password="guard",
    )
    assert "s@cret" not in repr(found)
    assert "guard" not in repr(found)
    assert redis_sentinel("redis+sentinel://h1/tl?db=2") == RedisSentinel(
        sentinels=(("h1", 26379),), service="tl", db=2
    )
    assert redis_sentinel("redis://127.0.0.1:6379/0") is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis+sentinel://h1:26379", "no primary name"),
        ("redis+sentinel://h1:port/mymaster", "the port is not a number"),
        ("redis+sentinel://h1:70000/mymaster", "the port is not a number"),
        ("redis+sentinel://h1,,h2/mymaster", "a Sentinel without a host"),
        ("redis+sentinel://h1/mymaster/x", "database 'x' is not a number"),
        ("redis+sentinel://h1/mymaster?master=x", "unknown option 'master'"),
    ],
)
def test_bad_sentinel_url_stops_start_up_with_the_reason(url: str, expected: str) -> None:
    """A malformed Sentinel URL is a configuration error that says what is wrong."""
    with pytest.raises(ConfigError, match=expected):
        settings.load(config_path=None, env={"TIPLINE_REDIS_URL": url})


def test_replica_settings_from_the_environment_and_their_bounds() -> None:
    """TIPLINE_REDIS_MIN_REPLICAS / _REPLICA_TIMEOUT_MS are read, default to off / 500 ms,
    and a value out of bounds or not a number is refused."""
    default = settings.load(config_path=None, env={})
    assert (default.redis_min_replicas, default.redis_replica_timeout_ms) == (0, 500)
    env = {"TIPLINE_REDIS_MIN_REPLICAS": "1", "TIPLINE_REDIS_REPLICA_TIMEOUT_MS": "250"}
    loaded = settings.load(config_path=None, env=env)
    assert (loaded.redis_min_replicas, loaded.redis_replica_timeout_ms) == (1, 250)
    with pytest.raises(ConfigError, match="TIPLINE_REDIS_MIN_REPLICAS: 'one'"):
        settings.load(config_path=None, env={"TIPLINE_REDIS_MIN_REPLICAS": "one"})
    with pytest.raises(ConfigError, match="TIPLINE_REDIS_REPLICA_TIMEOUT_MS: 5 is not"):
        settings.load(config_path=None, env={"TIPLINE_REDIS_REPLICA_TIMEOUT_MS": "5"})


def test_tls_sentinel_url_carries_the_tls_options() -> None:
    """rediss+sentinel:// asks for TLS to the Sentinels and the data nodes, with the ssl_*
    options given; redis+sentinel:// is plain and has none."""
    found = redis_sentinel(
        "rediss+sentinel://h1,h2/tl?ssl_ca_certs=/etc/ca.crt&ssl_cert_reqs=required"
        "&ssl_certfile=/etc/me.crt&ssl_keyfile=/etc/me.key"
    )
    assert found is not None
    assert found.tls_kwargs() == {
        "ssl": True,
        "ssl_ca_certs": "/etc/ca.crt",
        "ssl_cert_reqs": "required",
        "ssl_certfile": "/etc/me.crt",
        "ssl_keyfile": "/etc/me.key",
    }
    bare = redis_sentinel("rediss+sentinel://h1/tl")
    assert bare is not None
    assert bare.tls_kwargs() == {"ssl": True}
    plain = redis_sentinel("redis+sentinel://h1/tl")
    assert plain is not None
    assert plain.tls_kwargs() == {}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis+sentinel://h1/tl?ssl_ca_certs=/ca", "a TLS option: use rediss\\+sentinel://"),
        ("rediss+sentinel://h1/tl?ssl_cert_reqs=maybe", "ssl_cert_reqs is one of"),
        ("rediss+sentinel://h1/tl?ssl=true", "unknown option 'ssl'"),
    ],
)
def test_bad_tls_sentinel_url_stops_start_up_with_the_reason(url: str, expected: str) -> None:
    """A TLS option on a plain Sentinel URL, or one out of its values, is refused at start."""
    with pytest.raises(ConfigError, match=expected):
        settings.load(config_path=None, env={"TIPLINE_REDIS_URL": url})
