"""The opt-in run of the sync contract tests against a real Supabase project.

Every contract test that takes the ``backend`` fixture runs twice when the environment names a
real project (parameter id ``real``; see ``conftest.py``): ``TRACK_TEST_SUPABASE_URL``,
``TRACK_TEST_SUPABASE_ANON_KEY`` and ``TRACK_TEST_SUPABASE_SERVICE_ROLE_KEY`` (used only to create
and afterwards delete throwaway users and workspaces). Tests that need the local server's extras
(fault controls, reading one-time codes, plain SQL) skip themselves on the real project.

Without those variables this single test is skipped, so the reason is reported once.
"""

import pytest

from .conftest import real_supabase_missing, real_supabase_skip_reason

pytestmark = pytest.mark.sync


@pytest.mark.skipif(bool(real_supabase_missing()), reason=real_supabase_skip_reason())
async def test_real_project_answers(_backend_real_probe):
    assert _backend_real_probe.status_code == 200
