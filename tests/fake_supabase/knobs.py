"""The knobs of a running server: limits, windows and a late-committing writer, and the list of
everything the control endpoint (:mod:`.control`) can call.

Mixed into :class:`.server.FakeSupabase`, which owns the services these settings belong to
(``rest.settings``, ``auth.limits``, ``faults``). Each setter checks its arguments and raises
``ValueError`` with a sentence a person can act on (the control endpoint answers it as a 400).
Settings are plain attribute writes that the request handlers only read, so a test on another
thread can call them directly; :meth:`ServerKnobs.reset` puts everything back to the values the
server was created with.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from typing import TYPE_CHECKING, Any

import psycopg

from .db import HeldTransaction

if TYPE_CHECKING:
    from .auth import AuthLimits, AuthService
    from .control import FaultRegistry
    from .faults import Faults
    from .rest import RestService, RestSettings


class ServerKnobs:
    # Provided by the server this is mixed into.
    dsn: str
    faults: "Faults"
    rest: "RestService"
    auth: "AuthService"
    control: "FaultRegistry"
    _initial_rest: "RestSettings"
    _initial_auth_limits: "AuthLimits"
    _held: set[asyncio.Task]
    _loop: asyncio.AbstractEventLoop | None

    def reset(self) -> None:
        """Clear every fault, roll back pending slow transactions, and put limits, timeouts and the
        Auth clock back to their start values. Safe to call from any thread."""
        self.faults.clear()
        if self._loop is not None:
            for task in list(self._held):
                with contextlib.suppress(RuntimeError):  # the loop is closing
                    self._loop.call_soon_threadsafe(task.cancel)
        self.rest.settings = copy.deepcopy(self._initial_rest)
        self.auth.limits = copy.deepcopy(self._initial_auth_limits)
        self.auth.reset_clock()
        self.control.run_resets()

    def set_max_rows(self, n: int | None = 1000) -> None:
        """Cap every read at `n` rows (PostgREST's db-max-rows; None: no cap)."""
        if n is not None and n < 1:
            raise ValueError("max_rows must be 1 or more, or null for no cap")
        self.rest.settings.max_rows = n

    def set_statement_timeouts(self, anon: float | None = None, authenticated: float | None = None,
                               authenticator: float | None = None, service_role: float | None = None) -> dict:
        """Seconds before PostgreSQL cancels a request's statement, per role (only those given change).

        service_role has no timeout of its own on Supabase, so it runs under authenticator's
        unless one is set here. 0 means no timeout.
        """
        given = {"anon": anon, "authenticated": authenticated, "authenticator": authenticator,
                 "service_role": service_role}
        for role, seconds in given.items():
            if seconds is None:
                continue
            if seconds < 0:
                raise ValueError(f"{role}: a timeout is 0 (none) or more seconds")
            self.rest.settings.statement_timeouts[role] = float(seconds)
        return dict(self.rest.settings.statement_timeouts)

    def set_auth_limits(self, token_per_5min: float | None | str = "keep", token_burst: int | None = None,
                        otp_cooldown: float | None = None, refresh_reuse_interval: float | None = None,
                        retry_after: bool | None = None) -> dict:
        """Change GoTrue's limits: /token rate (`token_per_5min`, null = off) and burst, the one-time
        code resend cooldown, the refresh-token reuse interval (seconds) and the 429's Retry-After."""
        limits = self.auth.limits
        if token_per_5min != "keep":
            if token_per_5min is not None and (isinstance(token_per_5min, str) or token_per_5min <= 0):
                raise ValueError("token_per_5min must be more than 0, or null for no limit")
            limits.token_per_5min = token_per_5min  # type: ignore[assignment]
        for name, value in (("token_burst", token_burst), ("otp_cooldown", otp_cooldown),
                            ("refresh_reuse_interval", refresh_reuse_interval)):
            if value is not None:
                if value < 0 or (name == "token_burst" and value < 1):
                    raise ValueError(f"{name} must be {'1' if name == 'token_burst' else '0'} or more")
                setattr(limits, name, value)
        if retry_after is not None:
            limits.retry_after = retry_after
        return self.auth.describe_limits()

    def held_transaction(self, *, user_id: str | None = None) -> HeldTransaction:
        """A writer's transaction to hold open across a pull (``async with ... as tx``), on the caller's loop."""
        return HeldTransaction(self.dsn, user_id=user_id)

    async def slow_transaction(self, sql: str, params: list | dict | None = None, seconds: float = 5.0,
                               user_id: str | None = None) -> dict:
        """Run `sql` in a transaction and commit it only after `seconds`: a late commit.

        The rows it writes carry the time of the write, so they land behind any keyset cursor
        that moves past that time before the commit. With `user_id` it runs as that user (RLS
        applies); otherwise as the database owner. Answers once the statement has run.
        """
        if seconds < 0:
            raise ValueError("seconds must be 0 or more")
        held = HeldTransaction(self.dsn, user_id=user_id)
        await held.begin()
        try:
            rows = await held.execute(sql, params)
        except psycopg.Error as exc:
            await held.rollback()
            raise ValueError(f"the statement failed: {exc}") from None

        async def commit_later() -> None:
            try:
                await asyncio.sleep(seconds)
                await held.commit()
            except BaseException:
                await held.rollback()
                raise

        task = asyncio.get_running_loop().create_task(commit_later())
        self._held.add(task)
        task.add_done_callback(self._held.discard)
        return {"rows": [list(map(_jsonish, r)) for r in rows[:100]], "commits_in": seconds}

    def _register_controls(self) -> None:
        f, c = self.faults, self.control
        c.register("fail_next", f.fail_next)
        c.register("fail_after_commit_next", f.fail_after_commit_next)
        c.register("timeout_next", f.timeout_next)
        c.register("latency", f.set_latency)
        c.register("realtime_latency", f.set_realtime_latency)
        c.register("drop_websockets", self.drop_websockets)
        c.register("refuse_connections", self.refuse_connections)
        c.register("stop", self.stop_for, after_response=True,
                   doc="Stop like a crash (listener closed, every connection cut, pending faults forgotten) and "
                       "come back on the same port after `seconds`. (A stopped server has no endpoint to ask it "
                       "to start.)")
        c.register("restart", self.restart, after_response=True,
                   doc="Stop like a crash and start again at once on the same port.")
        c.register("reset", self.reset)
        c.register("max_rows", self.set_max_rows)
        c.register("statement_timeouts", self.set_statement_timeouts)
        c.register("auth_limits", self.set_auth_limits)
        c.register("slow_transaction", self.slow_transaction)
        c.add_state("http", f.describe)
        c.add_state("rest", lambda: {"max_rows": self.rest.settings.max_rows,
                                     "statement_timeouts": dict(self.rest.settings.statement_timeouts)})
        c.add_state("auth", self.auth.describe_limits)
        c.add_state("slow_transactions", lambda: len(self._held))



def _jsonish(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
