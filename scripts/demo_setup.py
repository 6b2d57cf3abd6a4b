"""Seed the Home Assistant configuration directory used by scripts/demo.

Runs inside the demo venv (it imports Home Assistant) while Home Assistant is
NOT running, and is idempotent: it can be run before every start.

* writes configuration.yaml (from scripts/demo_config/),
* sets the HTTP port and bind address in .storage/http (where HA 2026.x keeps them),
* links custom_components/nats to the repository's integration,
* creates the owner/admin user (HA's own auth API, as onboarding does),
* marks every onboarding step done,
* adds (or updates, when the NATS port changed) the `nats` config entry,
  using Home Assistant's own ConfigEntry class and storage versions so the
  file is exactly what this Home Assistant version writes.

    python scripts/demo_setup.py --config .demo/config --nats-url nats://127.0.0.1:4222 \
        --http-port 8123 --username demo --password demo1234
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from pathlib import Path
import sys
from typing import Any

from homeassistant import runner
from homeassistant.auth import auth_manager_from_config
from homeassistant.auth.const import GROUP_ID_ADMIN
from homeassistant.auth.providers import homeassistant as hass_auth
from homeassistant.components.http.config import (
    HTTP_STORAGE_SCHEMA,
    STORAGE_KEY as HTTP_STORAGE_KEY,
    STORAGE_MINOR_VERSION as HTTP_STORAGE_MINOR,
    STORAGE_VERSION as HTTP_STORAGE_VERSION,
)
from homeassistant.components.http.const import CONF_SERVER_HOST, CONF_SERVER_PORT
from homeassistant.components.onboarding import (
    STORAGE_KEY as ONBOARDING_KEY,
    STORAGE_VERSION as ONBOARDING_VERSION,
)
from homeassistant.components.onboarding.const import STEPS
from homeassistant.config_entries import (
    SOURCE_USER,
    STORAGE_KEY as ENTRIES_KEY,
    STORAGE_VERSION as ENTRIES_VERSION,
    STORAGE_VERSION_MINOR as ENTRIES_MINOR,
    ConfigEntries,
    ConfigEntry,
)
from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = REPO / "scripts" / "demo_config"
DOMAIN = "nats"
# Kept beside the settings in .storage/http.
HTTP_META_KEYS = ("created_at", "error", "error_message")
PREFIX = "home"


def write_configuration(config: Path) -> None:
    """Write configuration.yaml (always, so template changes reach old demo dirs)."""
    text = (TEMPLATES / "configuration.yaml").read_text(encoding="utf-8")
    (config / "configuration.yaml").write_text(text, encoding="utf-8")
    for name in ("automations.yaml", "scripts.yaml", "scenes.yaml"):
        path = config / name
        if not path.exists():
            path.write_text("[]\n" if name == "automations.yaml" else "{}\n", encoding="utf-8")


def link_integration(config: Path) -> None:
    """Point custom_components/nats at the repository's integration."""
    target = REPO / "custom_components" / DOMAIN
    link = config / "custom_components" / DOMAIN
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.exists():
        if link.is_symlink() and Path(os.readlink(link)) == target:
            return
        if link.is_symlink() or link.is_file():
            link.unlink()
        else:
            sys.exit(f"{link} is a real directory; remove it (or rm -rf .demo) and rerun")
    link.symlink_to(target, target_is_directory=True)


async def ensure_user(hass: HomeAssistant, username: str, password: str) -> str:
    """Create the owner (admin) user with a username/password login, once."""
    hass.auth = await auth_manager_from_config(hass, [{"type": "homeassistant"}], [])
    provider = hass.auth.auth_providers[0]
    assert isinstance(provider, hass_auth.HassAuthProvider)
    await provider.async_initialize()
    assert provider.data is not None
    for user in await hass.auth.async_get_users():
        for cred in user.credentials:
            if cred.auth_provider_type == "homeassistant" and cred.data.get("username") == username:
                provider.data.change_password(username, password)
                await provider.data.async_save()
                return "user exists (password reset)"
    try:
        await provider.async_add_auth(username, password)
    except hass_auth.InvalidUser:
        provider.data.change_password(username, password)
    user = await hass.auth.async_create_user("Demo", group_ids=[GROUP_ID_ADMIN])
    credentials = await provider.async_get_or_create_credentials({"username": username})
    await provider.data.async_save()
    await hass.auth.async_link_user(user, credentials)
    return f"user created (owner={user.is_owner}, admin={user.is_admin})"


async def ensure_onboarded(hass: HomeAssistant) -> None:
    """Mark every onboarding step done so no wizard is shown."""
    store: Store[dict[str, Any]] = Store(hass, ONBOARDING_VERSION, ONBOARDING_KEY, private=True)
    data = await store.async_load() or {"done": []}
    done = list(data.get("done", []))
    done += [step for step in STEPS if step not in done]
    await store.async_save({**data, "done": done})


async def ensure_http(hass: HomeAssistant, port: int, host: str) -> str:
    """Set the HTTP port and bind address in .storage/http.

    Home Assistant 2026.x keeps its HTTP settings there, not in YAML (an
    `http:` block is migrated once, shown as a change to confirm, then flagged
    as a repair issue). Setting the confirmed ("stable") slot directly means no
    confirmation dialog. host "0.0.0.0" means every interface (HA's default).
    """
    store: Store[dict[str, Any]] = Store(
        hass, HTTP_STORAGE_VERSION, HTTP_STORAGE_KEY, minor_version=HTTP_STORAGE_MINOR
    )
    data = await store.async_load() or {
        "stable": None,
        "pending": None,
        "yaml_migration_done": True,
    }
    changed = False
    for slot in ("stable", "pending"):
        old = data.get(slot)
        if old is None and slot == "pending":
            continue
        settings = {k: v for k, v in (old or {}).items() if k not in HTTP_META_KEYS}
        settings[CONF_SERVER_PORT] = port
        settings.pop(CONF_SERVER_HOST, None)
        if host != "0.0.0.0":  # noqa: S104 - "0.0.0.0" means: leave HA's default (all)
            settings[CONF_SERVER_HOST] = [host]
        settings = dict(HTTP_STORAGE_SCHEMA(settings))
        if old is not None and settings == {k: v for k, v in old.items() if k not in HTTP_META_KEYS}:
            continue
        data[slot] = {
            **settings,
            "created_at": dt_util.utcnow().isoformat(),
            "error": None,
            "error_message": None,
        }
        changed = True
    if changed:
        await store.async_save(data)
    return f"http on {host}:{port}"


async def ensure_entry(hass: HomeAssistant, nats_url: str) -> str:
    """Add the nats config entry, or point an existing one at this server."""
    store: Store[dict[str, Any]] = Store(hass, ENTRIES_VERSION, ENTRIES_KEY, minor_version=ENTRIES_MINOR)
    data = await store.async_load() or {"entries": []}
    entries: list[dict[str, Any]] = data.get("entries", [])
    unique_id = f"{nats_url}/{PREFIX}"
    for entry in entries:
        if entry["domain"] != DOMAIN:
            continue
        if entry["data"].get("servers") == [nats_url] and entry["unique_id"] == unique_id:
            return "config entry up to date"
        entry["data"] = {**entry["data"], "servers": [nats_url]}
        entry["unique_id"] = unique_id
        entry["modified_at"] = dt_util.utcnow().isoformat()
        await store.async_save(data)
        return f"config entry updated to {nats_url}"
    new_entry = ConfigEntry(
        data={"servers": [nats_url], "prefix": PREFIX, "auth_method": "none"},
        discovery_keys={},  # type: ignore[arg-type]
        domain=DOMAIN,
        minor_version=1,
        options={},
        source=SOURCE_USER,
        subentries_data=None,
        title=f"NATS ({PREFIX})",
        unique_id=unique_id,
        version=1,
    )
    entries.append(new_entry.as_dict())
    await store.async_save({"entries": entries})
    return "config entry created"


async def seed(args: argparse.Namespace) -> None:
    """Seed the storage files with a minimal, not-started Home Assistant."""
    hass = HomeAssistant(str(args.config))
    # Storage files first, before any HA helper loads (and could rewrite) them.
    messages = [await ensure_entry(hass, args.nats_url)]
    messages.append(await ensure_http(hass, args.http_port, args.http_host))
    await ensure_onboarded(hass)
    messages.append("onboarding done")
    # The auth store needs the registries, as in homeassistant/scripts/auth.py.
    hass.config_entries = ConfigEntries(hass, {})
    await hass.config_entries.async_initialize()
    dr.async_setup(hass)
    await asyncio.gather(dr.async_load(hass), er.async_load(hass))
    messages.append(await ensure_user(hass, args.username, args.password))
    # The auth store saves with a delay: flush it as Home Assistant's shutdown does.
    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()
    await hass.async_stop()
    print("demo_setup: " + "; ".join(messages))


def main() -> None:
    """Parse arguments and seed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--nats-url", required=True)
    parser.add_argument("--http-port", type=int, default=8123)
    parser.add_argument("--http-host", default="127.0.0.1", help="bind address; 0.0.0.0 = all")
    parser.add_argument("--username", default="demo")
    parser.add_argument("--password", default="demo1234")
    args = parser.parse_args()
    args.config = args.config.resolve()
    (args.config / ".storage").mkdir(parents=True, exist_ok=True)
    write_configuration(args.config)
    link_integration(args.config)
    asyncio.run(seed(args), loop_factory=runner.create_event_loop)
    # Make sure the files really are what HA will read (and fail loudly if not).
    entries = json.loads((args.config / ".storage" / ENTRIES_KEY).read_text())
    assert any(e["domain"] == DOMAIN for e in entries["data"]["entries"]), entries


if __name__ == "__main__":
    main()
