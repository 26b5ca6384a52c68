"""Core-suite fixtures and the case counts printed at the end of the run."""

from __future__ import annotations

import pytest

from tests.core.helpers import CASES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if CASES:
        terminalreporter.section("convcore case counts")
        for name, count in sorted(CASES.items()):
            terminalreporter.write_line(f"{name}: {count}")
