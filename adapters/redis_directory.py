"""Schools and responders in Redis (the Directory port), with what seeding needs: the codes
and ids on file, removal, and sealing an older store's plain digests under the server key.
Keys: adapters/redis_keys.py; what is written: redis_codec.py.
"""

from __future__ import annotations

import json
from typing import Any

from adapters import reach, redis_codec
from adapters.redis_base import RedisPart, StoreError
from adapters.redis_keys import Keys
from tipline import credentials, models


class StoreKeyMismatchError(StoreError):
    """The server key differs from the one that sealed the store's hashes."""


@reach.translated  # Redis out of reach: `unavailable` (adapters/reach.py)
class RedisDirectory(RedisPart):
    """Implements the Directory port, and the seeding of tipline/app.py."""

    async def organization(self, code: str) -> models.Organization | None:
        raw = await self._r.get(self._keys.organization(code))
        return redis_codec.org_from_json(redis_codec.text(raw)) if raw else None

    async def organizations(self) -> list[models.Organization]:
        """Every school, by code, in two round trips however many there are."""
        codes = sorted(await self._r.smembers(self._keys.organizations()))
        if not codes:
            return []
        raws = await self._r.mget([self._keys.organization(redis_codec.text(c)) for c in codes])
        return [redis_codec.org_from_json(redis_codec.text(raw)) for raw in raws if raw]

    async def put_organization(self, org: models.Organization, *, overwrite: bool) -> bool:
        key = self._keys.organization(org.code)
        written = await self._r.set(key, redis_codec.org_to_json(org), nx=not overwrite)
        await self._r.sadd(self._keys.organizations(), org.code)
        return bool(written)

    async def organization_codes(self) -> set[str]:
        return {redis_codec.text(c) for c in await self._r.smembers(self._keys.organizations())}

    async def remove_organization(self, code: str) -> None:
        """A school no longer served: no new reports; its incidents stay in the record."""
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.delete(self._keys.organization(code))
            pipe.srem(self._keys.organizations(), code)
            await pipe.execute()

    async def responder_by_token_hash(self, token_hash: str) -> models.Responder | None:
        sealed = self._keys.seal(token_hash)
        data = await self._indexed(self._keys.token(sealed))
        if data is None or data.get("token_hash") != sealed:  # a replaced token lingers
            return None
        return redis_codec.responder_from_dict(data)

    async def responder_by_slack_user(self, slack_user_id: str) -> models.Responder | None:
        data = await self._indexed(self._keys.slack_user(slack_user_id))
        if data is None:
            return None
        responder = redis_codec.responder_from_dict(data)
        # An index left behind by a remapped responder must not let the old user act.
        return responder if responder.slack_user_id == slack_user_id else None

    async def put_responder(self, responder: models.Responder, token_hash: str) -> None:
        k = self._keys
        key = k.responder(responder.responder_id)
        sealed = k.seal(token_hash)
        old = await self._r.get(key)
        record = redis_codec.responder_to_dict(responder) | {"token_hash": sealed}
        async with self._r.pipeline(transaction=True) as pipe:
            if old is not None:
                _forget_indexes(pipe, k, json.loads(old), keep=(sealed, responder))
            pipe.set(key, json.dumps(record))
            pipe.sadd(k.responders(), responder.responder_id)
            pipe.set(k.token(sealed), responder.responder_id)
            if responder.slack_user_id:
                pipe.set(k.slack_user(responder.slack_user_id), responder.responder_id)
            await pipe.execute()

    async def responder_ids(self) -> set[str]:
        """Every responder the store knows (`seal_legacy` indexes those of older stores)."""
        return {redis_codec.text(i) for i in await self._r.smembers(self._keys.responders())}

    async def remove_responder(self, responder_id: str) -> None:
        """Forget a responder: their token and Slack user stop working at once."""
        key = self._keys.responder(responder_id)
        old = await self._r.get(key)
        async with self._r.pipeline(transaction=True) as pipe:
            if old is not None:
                _forget_indexes(pipe, self._keys, json.loads(old), keep=None)
            pipe.delete(key)
            pipe.srem(self._keys.responders(), responder_id)
            await pipe.execute()

    async def seal_legacy(self) -> None:
        """Check the server key against the one that sealed this store, and on a store that
        no key sealed yet move the plain receipt digests under the key, drop the plain token
        index (seeding writes every token again) and index the responders (seeding removes
        those no longer configured). Three SCANs of the keyspace, once per store. Safe to
        run by several processes at once: each step gives the same result however often."""
        k = self._keys
        if k.seal_key is None:
            return
        check = credentials.key_check(k.seal_key)
        stored = await self._r.get(k.key_check())
        if stored is not None:
            if redis_codec.text(stored) != check:
                raise StoreKeyMismatchError(
                    "the server key is not the one this store's receipts and tokens were "
                    "sealed with (demo mode keeps its key in <data dir>/secret.key); start "
                    "with that key, or on an empty store"
                )
            return
        async for raw in self._r.scan_iter(match=k.pattern("receipt"), count=1000):
            legacy = redis_codec.text(raw)
            incident_id = await self._r.get(legacy)
            if incident_id is not None:
                await self._r.set(k.receipt(legacy.rsplit(":", 1)[1]), incident_id)
            await self._r.delete(legacy)
        async for raw in self._r.scan_iter(match=k.pattern("tok"), count=1000):
            await self._r.delete(raw)
        start = len(k.responder(""))
        async for raw in self._r.scan_iter(match=k.pattern("resp"), count=1000):
            await self._r.sadd(k.responders(), redis_codec.text(raw)[start:])
        await self._r.set(k.key_check(), check, nx=True)

    async def _indexed(self, index: str) -> dict[str, Any] | None:
        """The stored record of the responder that `index` names, when both are there."""
        responder_id = await self._r.get(index)
        if responder_id is None:
            return None
        raw = await self._r.get(self._keys.responder(redis_codec.text(responder_id)))
        return json.loads(raw) if raw is not None else None


def _forget_indexes(
    pipe: Any, keys: Keys, old: dict[str, Any], *, keep: tuple[str, models.Responder] | None
) -> None:
    """Queue the deletion of the token and Slack indexes of a responder's old record that
    its new one (`keep`: sealed token hash and responder; None: removed) no longer has."""
    old_hash = old.get("token_hash")
    if old_hash and (keep is None or old_hash != keep[0]):
        pipe.delete(keys.token(old_hash))
    old_slack = old.get("slack_user_id")
    if old_slack and (keep is None or old_slack != keep[1].slack_user_id):
        pipe.delete(keys.slack_user(old_slack))
