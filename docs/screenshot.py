"""Regenerate docs/screenshot.svg: the demo 112.5 h into the late-January cascade (the second wave), 160x45, dark theme.

    python docs/screenshot.py
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from cockpit.app import CockpitApp
from cockpit.config import load_config
from cockpit.sources.simulator import SimulatorSource


async def main() -> None:
    """Run the app headless on a frozen simulator clock and export what it shows."""
    config = load_config()
    app = CockpitApp(config, source_factory=lambda: SimulatorSource(start_offset=timedelta(hours=112, minutes=30),
                                                                     monotonic=lambda: 0.0),
                     interval_s=3600.0)
    async with app.run_test(size=(160, 45)) as pilot:
        while app.cockpit.snapshot is None:
            await app.workers.wait_for_complete()
            await pilot.pause()
        await pilot.pause()
        app.clear_notifications()
        await pilot.pause()
        svg = app.export_screenshot(title="cockpit --demo")
    out = Path(__file__).with_name("screenshot.svg")
    out.write_text(svg, encoding="utf-8")
    print(f"wrote {out} ({len(svg) // 1024} KiB)")


if __name__ == "__main__":
    asyncio.run(main())
