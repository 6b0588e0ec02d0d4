"""Start-up seeding makes the store's schools and responders exactly the configured ones, and
the store files token and receipt hashes under the server key (issue #19, items 4 and 5)."""

from __future__ import annotations

import dataclasses
import json
import stat
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from adapters.redis_store import RedisStore, StoreKeyMismatchError
from tests.conftest import Peer, server_settings, start_server
from tipline import app, credentials, demo, models, settings

KEY = b"a-server-key-of-the-seeding-tests-000"
AGENT_TOKEN = "agent-kim-token-0123456789"
ADMIN_TOKEN = "lincoln-admin-token-0123456789"
CONFIG = f"""
[[organizations]]
code = "LINCOLN-HS"
name = "Lincoln High School"
timezone = "America/Los_Angeles"
[[organizations.contacts]]
name = "Maria Lopez"
role = "Principal"
phone = "+1 555 010 0100"
[organizations.law_enforcement]
name = "Lincoln Police Department"
role = "Law enforcement"
phone = "+1 555 010 0911"

[[organizations]]
code = "ROOSEVELT"
name = "Roosevelt Middle School"
timezone = "America/Los_Angeles"
[[organizations.contacts]]
name = "Ray Chen"
role = "Principal"
phone = "+1 555 020 0100"
[organizations.law_enforcement]
name = "Roosevelt Police"
role = "Law enforcement"
phone = "+1 555 020 0911"

[[responders]]
id = "agent-kim"
name = "Kim"
role = "agent"
token_sha256 = "{credentials.token_hash(AGENT_TOKEN)}"
slack_user_id = "U0KIM"

[[responders]]
id = "lincoln-admin"
name = "Lincoln front office"
role = "admin"
org = "LINCOLN-HS"
token_sha256 = "{credentials.token_hash(ADMIN_TOKEN)}"
"""


def config_settings(tmp_path: Path, prefix: str, text: str = CONFIG) -> settings.Settings:
    path = tmp_path / "tipline.toml"
    path.write_text(text)
    env = {"TIPLINE_KEY_PREFIX": prefix, "TIPLINE_SECRET_KEY": KEY.decode()}
    return settings.load(config_path=path, env=env)


def without(text: str, marker: str) -> str:
    """`text` without the school or responder that starts at `marker`."""
    start = text.index(marker)
    ends = [text.find(f"\n{t}", start + 1) for t in ("[[organizations]]", "[[responders]]")]
    end = min((e for e in ends if e != -1), default=len(text))
    return text[:start] + text[end:]


async def test_a_responder_removed_from_the_config_loses_token_and_slack_user(
    redis_client: aioredis.Redis, prefix: str, tmp_path: Path
) -> None:
    """Seeded again without the agent: their token and their Slack user are refused."""
    store = RedisStore(redis_client, prefix=prefix, key=KEY)
    await app.seed(store, config_settings(tmp_path, prefix))
    assert await store.responder_by_token_hash(credentials.token_hash(AGENT_TOKEN))
    assert await store.responder_by_slack_user("U0KIM")
    await app.seed(
        store,
        config_settings(tmp_path, prefix, without(CONFIG, '[[responders]]\nid = "agent-kim"')),
    )
    assert await store.responder_by_token_hash(credentials.token_hash(AGENT_TOKEN)) is None
    assert await store.responder_by_slack_user("U0KIM") is None
    assert await store.responder_by_token_hash(credentials.token_hash(ADMIN_TOKEN))
    assert await store.responder_ids() == {"lincoln-admin"}


async def test_config_mode_on_a_demo_store_refuses_the_demo_tokens_and_school(
    redis_client: aioredis.Redis, prefix: str, tmp_path: Path
) -> None:
    """A config file started on a store that demo mode filled: no DEMO code, no demo token."""
    store = RedisStore(redis_client, prefix=prefix, key=KEY)
    demo_settings = dataclasses.replace(
        server_settings(prefix, tmp_path), secret_key=KEY, responders=()
    )
    agent_token, admin_token = await app.seed(store, demo_settings)
    assert agent_token
    assert admin_token
    assert await store.responder_by_token_hash(credentials.token_hash(agent_token))
    await app.seed(store, config_settings(tmp_path, prefix))
    assert await store.organization(demo.ORG_CODE) is None
    for token in (agent_token, admin_token):
        assert await store.responder_by_token_hash(credentials.token_hash(token)) is None
    assert {o.code for o in await store.organizations()} == {"LINCOLN-HS", "ROOSEVELT"}


async def test_a_removed_school_keeps_its_incidents_but_is_no_longer_served(
    redis_client: aioredis.Redis, prefix: str, tmp_path: Path
) -> None:
    """A school dropped from the config: its code opens nothing; its incidents stay."""
    from tests.adapters.test_redis_store import incident  # noqa: PLC0415

    store = RedisStore(redis_client, prefix=prefix, key=KEY)
    await app.seed(store, config_settings(tmp_path, prefix))
    kept = incident(1, org="ROOSEVELT")
    await store.create(kept, receipt_hash=credentials.receipt_hash("R"))
    await app.seed(
        store,
        config_settings(tmp_path, prefix, without(CONFIG, '[[organizations]]\ncode = "ROOSEVELT"')),
    )
    assert await store.organization("ROOSEVELT") is None
    assert await store.organization("LINCOLN-HS") is not None
    assert await store.get(kept.incident_id) == kept


async def test_two_keys_written_by_hand_do_not_make_an_agent(
    redis_client: aioredis.Redis, prefix: str, tmp_path: Path
) -> None:
    """Whoever can write Redis but lacks the server key cannot plant a token: the keys an
    older version read (`tok:<sha256>`, `resp:<id>`) and their sealed names do nothing."""
    store = RedisStore(redis_client, prefix=prefix, key=KEY)
    await app.seed(store, config_settings(tmp_path, prefix))
    forged = credentials.token_hash("a-token-of-the-intruder-000")
    doc = json.dumps({"responder_id": "evil", "name": "E", "role": "agent", "token_hash": forged})
    await redis_client.set(f"{prefix}:resp:evil", doc)
    for index in ("tok", "tokh"):
        await redis_client.set(f"{prefix}:{index}:{forged}", "evil")
    assert await store.responder_by_token_hash(forged) is None


async def test_plain_digests_of_an_older_store_are_sealed_once(
    redis_client: aioredis.Redis, prefix: str, tmp_path: Path
) -> None:
    """Receipts filed by an older version (plain SHA-256) still open their report after the
    first start with a key, and no plain digest of a receipt or token is left in Redis."""
    receipt = credentials.new_receipt()
    digest = credentials.receipt_hash(receipt)
    await redis_client.set(f"{prefix}:receipt:{digest}", "TL-OLD0000001")
    legacy = RedisStore(redis_client, prefix=prefix)  # an older store: plain digests
    kim = models.Responder(responder_id="agent-kim", name="Kim", role=models.Role.AGENT)
    await legacy.put_responder(kim, credentials.token_hash(AGENT_TOKEN))
    await redis_client.set(f"{prefix}:tok:{credentials.token_hash(AGENT_TOKEN)}", "agent-kim")
    store = RedisStore(redis_client, prefix=prefix, key=KEY)
    await app.seed(store, config_settings(tmp_path, prefix))
    await app.seed(store, config_settings(tmp_path, prefix))  # a second start changes nothing
    assert await store.by_receipt(digest) == "TL-OLD0000001"
    assert await store.responder_by_token_hash(credentials.token_hash(AGENT_TOKEN))
    names = [k.decode() async for k in redis_client.scan_iter(match=f"{prefix}:*")]
    values = [await redis_client.get(k) for k in names if await redis_client.type(k) == b"string"]
    for plain in (digest, credentials.token_hash(AGENT_TOKEN)):
        assert not [n for n in names if plain in n]
        assert not [v for v in values if v and plain.encode() in v]


async def test_another_key_on_a_sealed_store_stops_the_start(
    redis_client: aioredis.Redis, prefix: str, tmp_path: Path
) -> None:
    """Started with a different key, seeding refuses instead of orphaning every receipt."""
    await app.seed(
        RedisStore(redis_client, prefix=prefix, key=KEY), config_settings(tmp_path, prefix)
    )
    other = RedisStore(redis_client, prefix=prefix, key=b"another-key-entirely-0000000000000")
    with pytest.raises(StoreKeyMismatchError, match="not the one"):
        await app.seed(other, config_settings(tmp_path, prefix))


async def test_a_demo_restart_on_its_data_folder_keeps_receipts_and_tokens(
    redis_client: aioredis.Redis, prefix: str, tmp_path: Path
) -> None:
    """Demo mode without TIPLINE_SECRET_KEY makes its key file once; after a restart on the
    same folder the receipt still opens the report and the fixed demo token still works."""
    async with start_server(prefix, tmp_path, secret_key=None) as first:
        reporter = Peer("/report")
        await reporter.connect(first.url, {"org_code": "DEMO"})
        filed = await reporter.call("report:create", {"text": "someone sells vapes at lunch"})
        await reporter.close()
    key_file = tmp_path / "data" / credentials.KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    async with start_server(prefix, tmp_path, secret_key=None) as second:
        back = Peer("/report")
        await back.connect(second.url, {"receipt": filed["receipt"]})
        assert (await back.call("report:get"))["incident_id"] == filed["incident_id"]
        await back.close()
        agent = Peer("/respond")
        await agent.connect(second.url, {"token": second.agent_token})
        await agent.close()
