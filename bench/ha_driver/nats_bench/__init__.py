"""Benchmark driver: runs inside a real Home Assistant process (`hass -c <dir>`).

configuration.yaml: `nats_bench: {job: /path/job.json}`. Once Home Assistant has
started, the job in that file runs (see jobs.py), its result is written to
job["result"] and Home Assistant stops. Only the benchmarks in bench/ use it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
import traceback
from typing import Any

from homeassistant.const import EVENT_HOMEASSISTANT_STARTED
from homeassistant.core import Event, HomeAssistant

DOMAIN = "nats_bench"
_LOGGER = logging.getLogger(__name__)


async def async_setup(hass: HomeAssistant, config: dict[str, Any]) -> bool:
    """Run the job once Home Assistant has started."""
    job_path = Path(config[DOMAIN]["job"])
    job = json.loads(await hass.async_add_executor_job(job_path.read_text))

    async def _run(_event: Event) -> None:
        from . import jobs  # noqa: PLC0415

        try:
            result = await jobs.JOBS[job["kind"]](hass, job)
        except Exception as err:
            _LOGGER.exception("benchmark job failed")
            result = {"error": f"{err!r}", "traceback": traceback.format_exc()}
        text = json.dumps(result, indent=1)
        await hass.async_add_executor_job(Path(job["result"]).write_text, text)
        hass.async_create_task(hass.async_stop())

    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STARTED, _run)
    return True
