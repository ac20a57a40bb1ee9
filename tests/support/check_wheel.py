"""`make check-wheel`: build the wheel, install it into a fresh virtualenv, start it to the board.

An editable install reads everything from the source tree, so a file the app needs at run time
but the wheel leaves out (the stylesheets once were) passes every other test and fails only for
someone who runs `pip install`. This check builds the wheel from a clean copy of the tree (a
leftover `build/` folder could otherwise supply files the package no longer declares), installs
it with its dependencies into a new virtualenv outside the tree, runs `track --demo` there in a
pseudo-terminal until the board is drawn, and quits with `q`. Dependencies come through pip's
ordinary configuration and cache, so a second run needs no network.

    python -m tests.support.check_wheel [--keep]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support.terminal import BOARD_DRAWN, ROOT, Terminal, left_terminal_clean, quiet_environment

IGNORED = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", "*.pyc",
    "screenshots", "snapshot_report.html",
)


def run(argv: list[str], **kwargs) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise SystemExit(f"check-wheel: {' '.join(argv)} failed ({result.returncode}):\n"
                         f"{result.stdout[-3000:]}{result.stderr[-3000:]}")


def check(work: Path) -> float:
    started = time.perf_counter()
    source = work / "src"
    shutil.copytree(ROOT, source, ignore=IGNORED)
    dist = work / "dist"
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(dist), str(source)])
    wheels = sorted(dist.glob("track_tui-*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"check-wheel: expected one wheel in {dist}, found {[w.name for w in wheels]}")
    venv = work / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", str(wheels[0])])
    # The package must come from the virtualenv, not from a source tree on the path.
    where = subprocess.run([str(python), "-c", "import track_tui; print(track_tui.__file__)"],
                           capture_output=True, text=True, cwd=work, check=True).stdout.strip()
    if not where.startswith(str(venv)):
        raise SystemExit(f"check-wheel: track_tui was imported from {where}, not from the new virtualenv")
    home = work / "home"
    with Terminal([str(venv / "bin" / "track"), "--demo"], env=quiet_environment(home), cwd=work) as term:
        if not term.wait_for_text(BOARD_DRAWN, timeout=60):
            raise SystemExit(f"check-wheel: the installed app did not draw the board:\n{term.text()[-3000:]}")
        term.send(b"q")
        status = term.exit_status()
        if status != 0 or not left_terminal_clean(bytes(term.output)):
            raise SystemExit(f"check-wheel: the installed app exited with {status}:\n{term.text()[-3000:]}")
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (printed) for a look")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="track-check-wheel-"))
    try:
        elapsed = check(work)
    finally:
        if args.keep:
            print(f"check-wheel: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"check-wheel: the installed wheel starts to the board ({elapsed:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
