"""The control endpoint: switch faults on and off from another terminal while the server runs.

``GET /__faults`` lists every registered fault (name, parameters, docstring) and what is active
now; ``POST /__faults`` with ``{"fault": "<name>", "args": {...}}`` calls one and answers
``{"ok": true, "fault": ..., "result": ...}``. Only loopback peers are served (anyone else: 403),
and a POST must be ``application/json`` (so a web page cannot fire one as a "simple" cross-site
request). Errors are JSON too: 400 for a malformed request or arguments that do not fit the
fault's parameters (checked by pydantic against its annotations), 404 for an unknown name.

Faults come from a :class:`FaultRegistry`: name -> callable taking JSON-friendly keyword
arguments, sync or async, documented by its docstring. Another module adds its own with one
line, ``server.control.register("drop_next", realtime.drop_next)``, can add what it wants
shown as active with ``server.control.add_state("realtime", realtime.describe_faults)`` and what
the ``reset`` fault (and every test's teardown) must also undo with
``server.control.on_reset(realtime.clear_faults)``.
A fault registered with ``after_response=True`` runs once the answer has been sent (``stop``
would otherwise cut the very connection that asked for it).
"""

from __future__ import annotations

import inspect
import ipaddress
import json
import logging
import typing
from dataclasses import dataclass
from typing import Any, Callable

import pydantic
from aiohttp import web

log = logging.getLogger(__name__)
PATH = "/__faults"


class ArgumentError(ValueError):
    """Arguments that do not fit a fault's parameters; ``details`` says which and why."""

    def __init__(self, message: str, details: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.details = details or []


@dataclass(frozen=True)
class RegisteredFault:
    name: str
    fn: Callable[..., Any]
    doc: str
    params: dict[str, Any]
    after_response: bool

    def validate(self, args: dict[str, Any]) -> dict[str, Any]:
        """`args` bound to the parameters and converted to their annotated types."""
        try:
            bound = inspect.signature(self.fn).bind(**args)
        except TypeError as exc:
            raise ArgumentError(f"{self.name}: {exc}") from None
        try:
            hints = typing.get_type_hints(self.fn)
        except Exception:  # annotations that do not resolve: take the values as they came
            hints = {}
        out: dict[str, Any] = {}
        problems: list[dict[str, str]] = []
        for name, value in bound.arguments.items():
            hint = hints.get(name)
            if hint is None:
                out[name] = value
                continue
            try:
                out[name] = pydantic.TypeAdapter(hint).validate_python(value, strict=False)
            except pydantic.ValidationError as exc:
                problems += [{"param": name, "problem": e["msg"]} for e in exc.errors()]
        if problems:
            raise ArgumentError(f"{self.name}: invalid arguments", problems)
        return out


def _params(fn: Callable[..., Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, p in inspect.signature(fn).parameters.items():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        annotation = "" if p.annotation is p.empty else (
            p.annotation if isinstance(p.annotation, str) else getattr(p.annotation, "__name__", str(p.annotation)))
        default = "required" if p.default is p.empty else p.default
        out[name] = {"type": annotation, "default": default if _jsonable(default) else repr(default)}
    return out


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
        return True
    except (TypeError, ValueError):
        return False


class FaultRegistry:
    """Named fault controls the endpoint can call."""

    def __init__(self) -> None:
        self._faults: dict[str, RegisteredFault] = {}
        self._state: dict[str, Callable[[], Any]] = {}
        self._resets: list[Callable[[], Any]] = []

    def register(self, name: str, fn: Callable[..., Any], *, doc: str | None = None,
                 after_response: bool = False) -> None:
        """Make `fn` callable as fault `name`; its docstring (or `doc`) is what GET shows."""
        if not name or not name.replace("_", "").isalnum():
            raise ValueError(f"fault names are words with underscores, not {name!r}")
        text = inspect.cleandoc(doc or fn.__doc__ or "").strip()
        self._faults[name] = RegisteredFault(name, fn, text, _params(fn), after_response)

    def add_state(self, name: str, describe: Callable[[], Any]) -> None:
        """Show ``describe()`` under `name` in GET's ``active``."""
        self._state[name] = describe

    def on_reset(self, undo: Callable[[], Any]) -> None:
        """Call `undo()` (synchronous, any thread) whenever the server's faults are reset."""
        self._resets.append(undo)

    def run_resets(self) -> None:
        for undo in self._resets:
            undo()

    def names(self) -> list[str]:
        return sorted(self._faults)

    def get(self, name: str) -> RegisteredFault | None:
        return self._faults.get(name)

    def listing(self) -> dict[str, Any]:
        return {
            "faults": {f.name: {"doc": f.doc, "params": f.params} for f in sorted(self._faults.values(), key=lambda f: f.name)},
            "active": {name: describe() for name, describe in self._state.items()},
        }


def is_loopback(remote: str | None) -> bool:
    """True for 127.0.0.0/8 and ::1 peers (also IPv4 mapped into IPv6); False for anything else."""
    if not remote:
        return False
    try:
        address = ipaddress.ip_address(remote.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def _error(status: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({"ok": False, "error": message, **extra}, status=status)


class ControlEndpoint:
    """The aiohttp handlers of ``/__faults`` over one :class:`FaultRegistry`."""

    def __init__(self, registry: FaultRegistry) -> None:
        self.registry = registry

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(PATH, self.handle_get)
        app.router.add_post(PATH, self.handle_post)

    async def handle_get(self, request: web.Request) -> web.Response:
        if not is_loopback(request.remote):
            return _error(403, "the control endpoint answers loopback clients only")
        return web.json_response({"ok": True, **self.registry.listing()}, dumps=_dumps)

    async def handle_post(self, request: web.Request) -> web.StreamResponse:
        if not is_loopback(request.remote):
            return _error(403, "the control endpoint answers loopback clients only")
        if request.content_type != "application/json":
            return _error(415, "send the request as JSON (Content-Type: application/json)")
        try:
            body = json.loads(await request.read() or b"null")
        except ValueError as exc:
            return _error(400, f"the body is not JSON: {exc}")
        if not isinstance(body, dict) or not isinstance(body.get("fault"), str):
            return _error(400, 'expected {"fault": "<name>", "args": {...}}')
        unknown = set(body) - {"fault", "args"}
        if unknown:
            return _error(400, f"unexpected keys {sorted(unknown)}; expected fault and args")
        args = body.get("args") or {}
        if not isinstance(args, dict):
            return _error(400, "args must be a JSON object of keyword arguments")
        fault = self.registry.get(body["fault"])
        if fault is None:
            return _error(404, f"no fault named {body['fault']!r}", available=self.registry.names())
        try:
            kwargs = fault.validate(args)
        except ArgumentError as exc:
            return _error(400, str(exc), details=exc.details)
        if fault.after_response:
            response = web.json_response({"ok": True, "fault": fault.name, "result": None, "after_response": True})
            await response.prepare(request)
            await response.write_eof()
            try:
                await _run(fault.fn, kwargs)
            except Exception:  # the client already has its answer; say it where the operator looks
                log.exception("fault %s failed after its answer was sent", fault.name)
            return response
        try:
            result = await _run(fault.fn, kwargs)
        except (TypeError, ValueError) as exc:
            return _error(400, f"{fault.name}: {exc}")
        except Exception as exc:  # a bug or a broken database: answer it, keep serving
            log.exception("fault %s failed", fault.name)
            return _error(500, f"{fault.name} failed: {type(exc).__name__}: {exc}")
        return web.json_response({"ok": True, "fault": fault.name, "result": result}, dumps=_dumps)


async def _run(call: Callable[..., Any], args: dict[str, Any]) -> Any:
    result = call(**args)
    if inspect.isawaitable(result):
        result = await result  # type: ignore[misc]
    return result


def _dumps(value: Any) -> str:
    return json.dumps(value, default=repr)

