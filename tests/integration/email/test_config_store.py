"""Provider config in the config table: defaults, operator changes, local seeding, caching."""

from __future__ import annotations

from tctfmsg.email.config_store import CachedConfigs, DynamoProviderConfigStore
from tctfmsg.email.message import DEFAULT_CONFIG, ProviderConfig


def test_defaults_apply_until_something_is_stored(tables) -> None:
    store = DynamoProviderConfigStore(tables["config"], tables["dynamodb"])

    assert store.load() == list(DEFAULT_CONFIG.values())


def test_an_update_changes_only_what_was_given(tables) -> None:
    store = DynamoProviderConfigStore(tables["config"], tables["dynamodb"])

    store.update("ses", enabled=False)
    updated = store.update("ses", rate_per_s=50.0, fail_max=None)

    assert updated == ProviderConfig("ses", 1, enabled=False, rate_per_s=50.0)


def test_seed_never_overwrites_an_operators_change(tables) -> None:
    store = DynamoProviderConfigStore(tables["config"], tables["dynamodb"])
    store.update("resend", order=9)

    seeded = store.seed([ProviderConfig("resend", 2, rate_per_s=500), ProviderConfig("ses", 1)])

    assert seeded == ["ses"]
    assert next(c for c in store.load() if c.name == "resend").order == 9


def test_cached_configs_reread_after_ttl_and_survive_an_unreadable_table(tables) -> None:
    now = [0.0]
    store = DynamoProviderConfigStore(tables["config"], tables["dynamodb"])
    cached = CachedConfigs(store.load, ttl_s=5, monotonic=lambda: now[0])
    assert cached()[0].enabled

    store.update("ses", enabled=False)
    assert cached()[0].enabled
    now[0] = 5
    assert not cached()[0].enabled

    store.table = "gone"
    now[0] = 10
    assert not cached()[0].enabled
