"""Capture the README's screenshots from a running Home Assistant with headless Chromium.

Run by scripts/screenshots (which installs Chromium, starts the demo and stops
it again) inside the demo venv; it needs only aiohttp, which Home Assistant
brings. Against a demo that is already running:

    .demo/venv/bin/python scripts/capture_screenshots.py --url http://127.0.0.1:8123 --out docs/images

It logs in without a browser form: Home Assistant's auth API (login flow, then
code, then /auth/token) gives the tokens, and a script Chromium runs before
every page puts them where the frontend keeps its own (`localStorage.hassTokens`).
Chromium is driven over the DevTools protocol with a small client, so no
browser download (Playwright, Puppeteer) is needed. Each page is captured once
its content is on screen: the expected texts are there, no spinner is visible,
images have loaded and the page's text has stopped changing. A login page, an
error toast or a page that never settles fails the run with the reason.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
from dataclasses import dataclass, replace
import itertools
import json
from pathlib import Path
import re
import shutil
import sys
import tempfile
import time
from typing import Any

import aiohttp

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",  # runs as root in CI and containers
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps calling Google's services, which a closed
    # network refuses; they add nothing to a screenshot.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--lang=en-US",
    "--remote-debugging-port=0",
)
SHOT_FILES = ("integration.png", "device.png", "config-flow.png")
MIN_PNG_BYTES = 20_000
"""A captured page is 50-100 KB; a blank or nearly blank 1280×800 page compresses to a few KB."""
SETTLE_POLLS = 3
"""The page's text must be the same this many polls in a row before the capture."""
POLL_SECONDS = 0.25

# Runs in the page: its whole text (through every shadow root, where Home
# Assistant's frontend keeps nearly everything), visible spinners, images
# still loading, the error toast's text and whether this is the login page.
PAGE_STATE_JS = """
(() => {
  const parts = [];
  const spinners = [];
  let loadingImages = 0;
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0
      && r.top < innerHeight && r.left < innerWidth
      && getComputedStyle(el).visibility !== "hidden";
  };
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) { parts.push(node.nodeValue); return; }
    if (node.nodeName === "STYLE" || node.nodeName === "SCRIPT") return;
    if (node.nodeType === Node.ELEMENT_NODE) {
      const tag = node.localName;
      if ((tag === "ha-spinner" || tag === "ha-circular-progress" || tag === "md-circular-progress")
          && visible(node)) spinners.push(tag);
      if (tag === "img" && !node.complete) loadingImages++;
      if (node.shadowRoot) walk(node.shadowRoot);
    }
    for (const child of node.childNodes) walk(child);
  };
  walk(document);
  let toast = null;
  const manager = document.querySelector("home-assistant")?.shadowRoot
    ?.querySelector("notification-manager");
  const haToast = manager?.shadowRoot?.querySelector("ha-toast");
  if (haToast && haToast.open !== false && visible(haToast)) {
    toast = (haToast.labelText || haToast.textContent || "").trim() || "(a toast without text)";
  }
  return {
    path: location.pathname,
    text: parts.join(" ").replace(/\\s+/g, " "),
    spinners,
    loadingImages,
    toast,
    ready: document.readyState,
  };
})()
"""

# Accepts Home Assistant's confirmation dialog (dialog-box): its primary button.
CONFIRM_JS = """
(() => {
  const find = (root) => {
    for (const el of root.querySelectorAll("*")) {
      if (el.localName === "dialog-box") return el;
      if (el.shadowRoot) { const found = find(el.shadowRoot); if (found) return found; }
    }
    return null;
  };
  const button = find(document)?.shadowRoot?.querySelector('ha-button[slot="primaryAction"]');
  if (!button) return false;
  button.click();
  return true;
})()
"""


@dataclass(frozen=True, slots=True)
class Shot:
    """One screenshot: which page, which texts show it has rendered, where it goes."""

    file: str
    path: str
    expect: tuple[str, ...]
    what: str
    confirm: str | None = None
    """The text of a confirmation dialog the page asks first, accepted before the capture."""


class CaptureError(Exception):
    """A screenshot could not be taken as it should be; the message says why."""


class DevTools:
    """A minimal Chrome DevTools protocol client: commands over one page's WebSocket."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self._ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            data = json.loads(message.data)
            future = self._pending.pop(data.get("id", -1), None)
            if future is None or future.done():
                continue  # an event: nothing here waits for events
            if "error" in data:
                future.set_exception(CaptureError(f"DevTools: {data['error'].get('message')}"))
            else:
                future.set_result(data.get("result", {}))
        for future in self._pending.values():
            if not future.done():
                future.set_exception(CaptureError("Chromium closed the DevTools connection"))

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and return its result."""
        call_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[call_id] = future
        await self._ws.send_json({"id": call_id, "method": method, "params": params})
        return await asyncio.wait_for(future, 30)

    async def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript in the page and return its (JSON) value."""
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise CaptureError(f"page script failed: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    async def close(self) -> None:
        """Stop reading and close the connection."""
        await self._ws.close()
        await self._reader


async def login(session: aiohttp.ClientSession, url: str, username: str, password: str) -> dict[str, Any]:
    """Log in as the frontend does and return the tokens in the frontend's own format."""
    client_id = f"{url}/"
    async with session.post(
        f"{url}/auth/login_flow",
        json={
            "client_id": client_id,
            "handler": ["homeassistant", None],
            "redirect_uri": f"{url}/?auth_callback=1",
        },
    ) as resp:
        resp.raise_for_status()
        flow = await resp.json()
    async with session.post(
        f"{url}/auth/login_flow/{flow['flow_id']}",
        json={"client_id": client_id, "username": username, "password": password},
    ) as resp:
        resp.raise_for_status()
        step = await resp.json()
    if step.get("type") != "create_entry":
        raise CaptureError(f"Home Assistant refused the login of {username!r}: {step.get('errors')}")
    async with session.post(
        f"{url}/auth/token",
        data={"grant_type": "authorization_code", "code": step["result"], "client_id": client_id},
    ) as resp:
        resp.raise_for_status()
        tokens = await resp.json()
    # home-assistant-js-websocket's saveTokens format, which the frontend reads back.
    return {
        **tokens,
        "hassUrl": url,
        "clientId": client_id,
        "expires": int(time.time() * 1000) + tokens["expires_in"] * 1000,
    }


async def device_page(
    session: aiohttp.ClientSession, url: str, token: str, device: str, timeout: float
) -> str:
    """Return the frontend path of a NATS device's page, waiting for the device to be registered."""
    async with session.ws_connect(f"{url}/api/websocket") as ws:
        await ws.receive_json()  # auth_required
        await ws.send_json({"type": "auth", "access_token": token})
        if (reply := await ws.receive_json())["type"] != "auth_ok":
            raise CaptureError(f"websocket authentication failed: {reply}")
        deadline = time.monotonic() + timeout
        for call_id in itertools.count(1):
            await ws.send_json({"id": call_id, "type": "config/device_registry/list"})
            devices = (await ws.receive_json())["result"]
            for entry in devices:
                identifiers = entry["identifiers"]
                if any(domain == "nats" and value.endswith(f":{device}") for domain, value in identifiers):
                    return f"/config/devices/device/{entry['id']}"
            if time.monotonic() > deadline:
                raise CaptureError(f"no NATS device {device!r} appeared within {timeout:.0f} s")
            await asyncio.sleep(1)
    raise AssertionError("unreachable")


async def start_chromium(
    chromium: str, profile: Path, width: int, height: int
) -> tuple[asyncio.subprocess.Process, str]:
    """Start headless Chromium and return it with its DevTools address (host:port)."""
    proc = await asyncio.create_subprocess_exec(
        chromium,
        *CHROMIUM_FLAGS,
        f"--window-size={width},{height}",
        f"--user-data-dir={profile}",
        "about:blank",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stderr is not None
    seen: list[str] = []
    try:
        async with asyncio.timeout(60):
            while line := (await proc.stderr.readline()).decode(errors="replace"):
                seen.append(line.rstrip())
                if match := re.search(r"DevTools listening on ws://([^/]+)/", line):
                    # Keep reading its stderr so Chromium never blocks on a full pipe.
                    asyncio.get_running_loop().create_task(_drain(proc.stderr))
                    return proc, match.group(1)
    except TimeoutError:
        pass
    proc.kill()
    await proc.wait()
    raise CaptureError("Chromium did not open its DevTools port:\n" + "\n".join(seen[-20:]))


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass


async def wait_rendered(page: DevTools, shot: Shot, timeout: float) -> None:
    """Wait until the page shows what it should and has stopped changing."""
    deadline = time.monotonic() + timeout
    last_text, same, state = None, 0, {}
    while time.monotonic() < deadline:
        state = await page.evaluate(PAGE_STATE_JS) or {}
        if state.get("path", "").startswith("/auth/"):
            raise CaptureError(f"{shot.file}: Home Assistant shows its login page; the tokens were not taken")
        if state.get("toast"):
            raise CaptureError(f"{shot.file}: the page shows an error: {state['toast']}")
        text = state.get("text", "")
        ready = (
            state.get("ready") == "complete"
            and all(expected in text for expected in shot.expect)
            and not state.get("spinners")
            and not state.get("loadingImages")
        )
        same = same + 1 if ready and text == last_text else 0
        last_text = text
        if same >= SETTLE_POLLS:
            await page.evaluate("document.fonts.ready.then(() => true)")
            return
        await asyncio.sleep(POLL_SECONDS)
    missing = [expected for expected in shot.expect if expected not in state.get("text", "")]
    raise CaptureError(
        f"{shot.file}: {shot.path} did not settle within {timeout:.0f} s "
        f"(missing texts: {missing}, spinners: {state.get('spinners')}, "
        f"images loading: {state.get('loadingImages')})"
    )


async def capture(args: argparse.Namespace) -> list[Path]:
    """Log in, then open every page in Chromium and save its screenshot."""
    url = args.url.rstrip("/")
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    async with aiohttp.ClientSession() as session:
        tokens = await login(session, url, args.username, args.password)
        device_path = await device_page(session, url, tokens["access_token"], args.device, args.timeout)
        shots = (
            Shot(
                SHOT_FILES[0],
                "/config/integrations/integration/nats",
                ("NATS", "devices"),
                "Settings → Devices & services → NATS",
            ),
            Shot(
                SHOT_FILES[1], device_path, tuple(args.device_expect), f"the page of device {args.device!r}"
            ),
            Shot(
                SHOT_FILES[2],
                "/config/integrations/dashboard/add?domain=nats",
                ("Connect to NATS", "Server URLs", "Subject prefix"),
                'the "add NATS" dialog (config flow, first step)',
                # The frontend asks first, as for a my.home-assistant.io "add integration" link.
                confirm="Do you want to set up NATS?",
            ),
        )
        # Chromium's helper processes may still write to the profile as it exits: a leftover
        # file there must not fail a capture that succeeded.
        with tempfile.TemporaryDirectory(prefix="nats-home-chromium-", ignore_cleanup_errors=True) as profile:
            proc, devtools = await start_chromium(args.chromium, Path(profile), args.width, args.height)
            try:
                return await _capture_pages(session, devtools, url, tokens, shots, out, args)
            finally:
                if proc.returncode is None:
                    proc.terminate()
                    try:
                        await asyncio.wait_for(proc.wait(), 10)
                    except TimeoutError:
                        proc.kill()
                        await proc.wait()


async def _capture_pages(
    session: aiohttp.ClientSession,
    devtools: str,
    url: str,
    tokens: dict[str, Any],
    shots: tuple[Shot, ...],
    out: Path,
    args: argparse.Namespace,
) -> list[Path]:
    async with session.put(f"http://{devtools}/json/new?about:blank") as resp:
        resp.raise_for_status()
        target = await resp.json()
    page = DevTools(await session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0))
    try:
        await page.call(
            "Emulation.setDeviceMetricsOverride",
            width=args.width,
            height=args.height,
            deviceScaleFactor=1,
            mobile=False,
        )
        light = [{"name": "prefers-color-scheme", "value": "light"}]
        await page.call("Emulation.setEmulatedMedia", features=light)
        await page.call("Page.enable")
        # Before any of the frontend's own scripts: its tokens, as if it had logged in itself.
        await page.call(
            "Page.addScriptToEvaluateOnNewDocument",
            source=f"if (location.origin === {json.dumps(url)}) "
            f"localStorage.setItem('hassTokens', {json.dumps(json.dumps(tokens))});",
        )
        saved = []
        for shot in shots:
            started = time.monotonic()
            await page.call("Page.navigate", url=f"{url}{shot.path}")
            path = out / shot.file
            try:
                if shot.confirm:
                    await wait_rendered(page, replace(shot, expect=(shot.confirm,)), args.timeout)
                    if not await page.evaluate(CONFIRM_JS):
                        raise CaptureError(f"{shot.file}: no confirm button in the dialog {shot.confirm!r}")
                await wait_rendered(page, shot, args.timeout)
            except CaptureError as err:
                failed = path.with_name(f"failed-{shot.file}")
                failed.write_bytes(await _screenshot(page))
                raise CaptureError(f"{err} (what the page showed: {failed})") from None
            png = await _screenshot(page)
            path.write_bytes(png)
            check_png(path, args.width, args.height)
            saved.append(path)
            took = time.monotonic() - started
            print(f"{path}: {shot.what}, {len(png) // 1024} KB, rendered in {took:.1f} s")
        return saved
    finally:
        await page.close()


def check_png(path: Path, width: int, height: int) -> None:
    """Raise CaptureError unless path is a PNG of width x height that is not (nearly) blank."""
    if not path.is_file():
        raise CaptureError(f"{path} is missing")
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise CaptureError(f"{path} is not a PNG")
    found = (int.from_bytes(data[16:20]), int.from_bytes(data[20:24]))
    if found != (width, height):
        raise CaptureError(f"{path} is {found[0]}×{found[1]}, not {width}×{height}")
    if len(data) < MIN_PNG_BYTES:
        raise CaptureError(f"{path} has only {len(data)} bytes: a blank page?")


async def _screenshot(page: DevTools) -> bytes:
    return base64.b64decode((await page.call("Page.captureScreenshot", format="png"))["data"])


def build_parser() -> argparse.ArgumentParser:
    """Return the command line: every default fits scripts/demo."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8123", help="Home Assistant's URL")
    parser.add_argument("--username", default="demo")
    parser.add_argument("--password", default="demo1234")
    parser.add_argument("--out", type=Path, default=Path("docs/images"), help="where the PNGs go")
    parser.add_argument("--device", default="kitchen", help="the NATS device id whose page is captured")
    parser.add_argument(
        "--device-expect",
        nargs="+",
        default=["Wall panel", "Coffee machine", "Counter light"],
        help="texts the device page shows once rendered",
    )
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    parser.add_argument("--timeout", type=float, default=60, help="seconds each page may take to render")
    parser.add_argument(
        "--check",
        action="store_true",
        help="capture nothing: check the PNGs in --out are there and not blank",
    )
    return parser


def main() -> None:
    """Parse the arguments and capture."""
    args = build_parser().parse_args()
    try:
        if args.check:
            for name in SHOT_FILES:
                check_png(args.out / name, args.width, args.height)
            print(f"{args.out}: {', '.join(SHOT_FILES)} present, {args.width}×{args.height}, not blank")
        else:
            asyncio.run(capture(args))
    except (CaptureError, aiohttp.ClientError) as err:
        sys.exit(f"screenshots: {err}")


if __name__ == "__main__":
    main()
