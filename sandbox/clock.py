"""The virtual clock: the only source of time inside the sandbox."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

IST = timezone(timedelta(hours=5, minutes=30), "IST")
# The clock stops short of datetime's last year so that every instant derived from it (an
# expiry a day ahead, a token's hour) can still be rendered as a date.
LATEST_MS = 253_370_764_800_000  # 9999-01-01T00:00:00Z


def wall_ms() -> int:
    """Real time in epoch milliseconds; used only to let an unfrozen clock tick."""
    return int(time.time() * 1000)


@dataclass(frozen=True)
class ClockState:
    """What must persist for the clock to resume after a restart or be shared by workers."""

    start_ms: int  # the instant the seeded history is anchored to
    offset_ms: int  # virtual minus real time, while running
    frozen_at_ms: int | None  # set when the clock is frozen


class Clock:
    """Sandbox time. Runs with real time (shifted) unless frozen; only ever moves forward
    through `advance`, except on `reset`, which returns to the start instant."""

    def __init__(self, start_ms: int | None = None, frozen: bool = False) -> None:
        now = wall_ms()
        start = now if start_ms is None else start_ms
        if not 0 <= start <= LATEST_MS:
            raise ValueError(f"the clock must start between 1970 and {iso_z(LATEST_MS)}")
        self._lock = threading.Lock()
        self._state = ClockState(
            start_ms=start,
            offset_ms=start - now,
            frozen_at_ms=start if frozen else None,
        )

    @property
    def state(self) -> ClockState:
        """The persistable state of the clock."""
        return self._state

    def restore(self, state: ClockState) -> None:
        """Adopt a previously persisted state (restart, or another worker moved time)."""
        with self._lock:
            self._state = state

    @property
    def frozen(self) -> bool:
        """True when time stands still until advanced."""
        return self._state.frozen_at_ms is not None

    @property
    def start_ms(self) -> int:
        """The instant the seeded start state is anchored to."""
        return self._state.start_ms

    def now_ms(self) -> int:
        """Current sandbox time in epoch milliseconds."""
        state = self._state
        if state.frozen_at_ms is not None:
            return state.frozen_at_ms
        return wall_ms() + state.offset_ms

    def now(self) -> datetime:
        """Current sandbox time as an aware UTC datetime."""
        return from_ms(self.now_ms())

    def advance(self, seconds: float) -> int:
        """Move time forward by `seconds` (never backward); returns the new now in ms."""
        if not seconds >= 0:  # NaN included
            raise ValueError("the sandbox clock only moves forward")
        delta = round(seconds * 1000) if seconds * 1000 < LATEST_MS else LATEST_MS
        with self._lock:
            if self.now_ms() + delta > LATEST_MS:
                raise ValueError(
                    f"the sandbox clock cannot move past {iso_z(LATEST_MS)}; "
                    f"it is {iso_z(self.now_ms())} now (reset to go back)"
                )
            state = self._state
            if state.frozen_at_ms is not None:
                state = ClockState(state.start_ms, state.offset_ms, state.frozen_at_ms + delta)
            else:
                state = ClockState(state.start_ms, state.offset_ms + delta, None)
            self._state = state
        return self.now_ms()

    def freeze(self, frozen: bool) -> None:
        """Stop time at its current value, or let it run on from there."""
        with self._lock:
            state = self._state
            now = self.now_ms()
            if frozen:
                self._state = ClockState(state.start_ms, state.offset_ms, now)
            else:
                self._state = ClockState(state.start_ms, now - wall_ms(), None)

    def reset(self) -> None:
        """Return to the start instant, keeping the frozen/running mode."""
        with self._lock:
            state = self._state
            if state.frozen_at_ms is not None:
                self._state = ClockState(state.start_ms, state.offset_ms, state.start_ms)
            else:
                self._state = ClockState(state.start_ms, state.start_ms - wall_ms(), None)


def from_ms(ms: int) -> datetime:
    """Epoch milliseconds to an aware UTC datetime."""
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


def to_ms(moment: datetime) -> int:
    """Aware datetime to epoch milliseconds."""
    return int(moment.timestamp() * 1000)


def iso_z(ms: int) -> str:
    """`2024-01-15T10:30:00Z`: UTC, whole seconds, the format most gateway docs show."""
    # time.strftime on a struct is several times cheaper than building a datetime, and
    # every listed payment renders two or three of these.
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms // 1000))


def parse_instant(text: str) -> int:
    """Parses an ISO-8601 instant (a trailing `Z` allowed; naive means UTC) to epoch ms."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return to_ms(moment)
