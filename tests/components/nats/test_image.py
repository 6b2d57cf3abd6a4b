"""Image entities: Home Assistant fetches the picture from the URL the device publishes."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components.image import async_get_image
from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from nats_home.device import Device

from ...conftest import DeviceFactory
from .conftest import state_of, wait_for

ENTITIES = [
    {"platform": "image", "id": "map", "name": "Map"},
    {"platform": "sensor", "id": "barrier", "name": "Barrier"},
]
MAP = "image.robot_map"
PNG = b"\x89PNG\r\n\x1a\n" + b"first"


@pytest.fixture
async def picture_server() -> AsyncIterator[tuple[str, dict[str, bytes]]]:
    """A real HTTP server on the loopback interface, serving the device's pictures (a device's web server)."""
    pictures = {"map.png": PNG}

    async def serve(request: web.Request) -> web.Response:
        body = pictures.get(request.match_info["name"])
        if body is None:
            raise web.HTTPNotFound
        return web.Response(body=body, content_type="image/png")

    app = web.Application()
    app.router.add_get("/{name}", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}", pictures
    await runner.cleanup()


@pytest.fixture
async def robot(hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory) -> Device:
    """A device with an image entity (a robot's cleaning map)."""
    device = await device_factory("robot", ENTITIES)
    await wait_for(hass, lambda: hass.states.get("sensor.robot_barrier") is not None)
    return device


async def test_image(
    hass: HomeAssistant, robot: Device, picture_server: tuple[str, dict[str, bytes]]
) -> None:
    """The picture at the published URL is served; a new state fetches it anew; a bad URL is dropped."""
    base, pictures = picture_server
    assert state_of(hass, MAP)() == STATE_UNKNOWN
    with pytest.raises(HomeAssistantError):
        await async_get_image(hass, MAP)

    before = dt_util.utcnow()
    await robot.set_state("map", f"{base}/map.png")
    await wait_for(hass, lambda: state_of(hass, MAP)() != STATE_UNKNOWN)
    first = state_of(hass, MAP)()
    assert dt_util.parse_datetime(first) >= before
    image = await async_get_image(hass, MAP)
    assert (image.content_type, image.content) == ("image/png", PNG)

    # The same URL again is a new picture at it (a snapshot that changes in place).
    pictures["map.png"] = PNG + b"second"
    await robot.set_state("map", f"{base}/map.png")
    await wait_for(hass, lambda: state_of(hass, MAP)() != first)
    assert (await async_get_image(hass, MAP)).content == PNG + b"second"

    second = state_of(hass, MAP)()
    await robot.set_state("map", "file:///etc/passwd")  # not http(s): dropped
    await robot.set_state("map", "http://user:secret@127.0.0.1:1/map.png")  # credentials: dropped
    await robot.set_state("barrier", "after")
    await wait_for(hass, lambda: state_of(hass, "sensor.robot_barrier")() == "after")
    assert state_of(hass, MAP)() == second

    # A picture the device does not serve: the state changes, fetching it fails.
    await robot.set_state("map", f"{base}/gone.png")
    await wait_for(hass, lambda: state_of(hass, MAP)() != second)
    with pytest.raises(HomeAssistantError):
        await async_get_image(hass, MAP)

    await robot.set_state("map", None)
    await wait_for(hass, lambda: state_of(hass, MAP)() == STATE_UNKNOWN)
    with pytest.raises(HomeAssistantError):
        await async_get_image(hass, MAP)
