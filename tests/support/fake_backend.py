"""The contract suite's Backend on the local Supabase double only, for the suites that switch
its faults on (sign-in, the live feed), which a real project cannot do. A conftest imports both
fixtures; after each test every fault and limit goes back to its default (``fake.reset()``)
and a stopped server is started again on its port."""

from __future__ import annotations

import pytest

from tests.sync_contract.conftest import Backend


@pytest.fixture(scope="session")
def _backend(fake_supabase):
    yield Backend("fake", fake_supabase.url, fake_supabase.anon_key, fake_supabase.service_role_key,
                  fake_supabase, fake_supabase.dsn)


@pytest.fixture
async def backend(_backend):
    yield _backend
    await _backend.close_clients()
    fake = _backend.fake
    fake.reset()
    await fake.start()
