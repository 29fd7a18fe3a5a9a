"""A steady screen: once the night is under way its answers change what is drawn, not where."""

from pathlib import Path

import pytest

from feeds.recording import Recording
from feeds.synthetic import with_referendum
from tests.tui_helpers import feed_recording, make_test_app

HOUR = 3_600_000


@pytest.mark.parametrize("referendum", [False, True], ids=["bundled", "with-national-referendum"])
async def test_the_nights_answers_do_not_lay_out_the_overview(
    tmp_path: Path, bundled_recording: Recording, referendum: bool
) -> None:
    """The first declarations filling the ticker, the scoreboard's note growing a line,
    parties winning their first seats, wider figures, a referendum's outcome becoming
    certain, the overview growing past the screen by a line: each laid out the whole screen
    (20-40 ms at 160x50) on the night's biggest answers. From the opening state to the last
    result, an answer an hour, none may."""
    night = with_referendum(bundled_recording) if referendum else bundled_recording
    app = make_test_app(tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        feed_recording(app, night, 0)
        await pilot.pause()
        await pilot.pause()  # the hidden tabs' tables, mounted after the first frame, sized
        screen = app.screen
        layouts: list[float] = []
        laid_out = screen._refresh_layout

        def spy(*args: object, **kwargs: object) -> None:
            layouts.append(moment)
            laid_out(*args, **kwargs)  # type: ignore[arg-type]

        screen._refresh_layout = spy  # type: ignore[method-assign]
        moment = 0
        while moment < night.duration_ms:
            feed_recording(app, night, moment + HOUR, after_ms=moment, every_ms=HOUR)
            moment += HOUR
            await pilot.pause()
        assert app.night.store.seq == night.events[-1].seq
        assert not layouts
