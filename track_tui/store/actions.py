"""`@write_action`: what makes a store method one of the person's actions.

Every public mutation is decorated. The decorator hands the call to `Store._run_write`, which

- converts whatever a bad value provokes below the API into :class:`InvalidInput` (the store's
  one input-error type; `NotFound` and `CacheBusy` pass through);
- on the UI thread, when another process holds the cache, queues the same call for the
  background writer instead of blocking (see :mod:`.background`) and returns what the call
  would have returned — `deferred(store, args, kwargs)` says what that is (and may pin values,
  such as a new row's id, so the replay writes exactly what the caller was told). Without a
  hook the deferred call returns None;
- runs nested actions (an action that calls another) as part of the outer one.

Every method so decorated must do its reading and writing inside ONE `self.transaction()` and
nothing irreversible before it, so that running it again later is the same action.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Callable, TypeVar

if TYPE_CHECKING:
    from .store import Store

F = TypeVar("F", bound=Callable[..., Any])
Deferral = Callable[["Store", tuple, dict], tuple[Any, tuple, dict]]


def write_action(label: str, *, deferred: Deferral | None = None) -> Callable[[F], F]:
    """Mark a store method as one action; `label` names it for "waiting"/"not saved" messages."""

    def wrap(method: F) -> F:
        @functools.wraps(method)
        def run(self: "Store", *args: Any, **kwargs: Any) -> Any:
            return self._run_write(label, method, args, kwargs, deferred)

        return run  # type: ignore[return-value]

    return wrap


def returns_arg(index: int, name: str) -> Deferral:
    """A deferral hook for actions that return one of their arguments (a model they write)."""
    return lambda store, args, kwargs: (args[index] if len(args) > index else kwargs.get(name), args, kwargs)


def returns(value: Any) -> Deferral:
    return lambda store, args, kwargs: (value, args, kwargs)
