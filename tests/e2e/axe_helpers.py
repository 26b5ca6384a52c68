"""axe-core for any browser driver: the JavaScript to evaluate in a page, and
its answer sorted into what fails a test and what is only reported.

axe-core comes from npm (devDependencies, pinned; never copied into dist/).
It goes into the page through the driver's evaluate, never as a <script>: the
pages' CSP (`script-src 'self' blob: 'wasm-unsafe-eval'`) blocks inline
scripts, so Playwright's add_script_tag(content=...) fails, while code the
driver evaluates is not the page's own and is not held to its CSP.

    script = axe_script(axe_source())
    Playwright (Chromium):       page.evaluate(script)
    puppeteer-core (Firefox):    await page.evaluate(script)
    Selenium (WebKitGTK):        driver.execute_script("return " + script)
                                 (WebDriver waits for the promise it returns)

Each gives a dict {"version": ..., "violations": [...]}; `findings` turns it
into Finding values, `blocking` keeps the serious and critical ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# The rules people audit a site with: WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
BLOCKING = frozenset({"serious", "critical"})

# Runs in the page: the violations only (axe's passes and "incomplete" lists
# are large and say nothing a test acts on), each node as its CSS path, a
# short piece of its markup and axe's reason.
_RUN = """window.axe.run(document, {
  runOnly: { type: "tag", values: %s },
  resultTypes: ["violations"],
}).then((r) => ({
  version: window.axe.version,
  violations: r.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => ({
      target: [].concat(...n.target).join(" "),
      html: n.html.slice(0, 160),
      why: n.failureSummary || "",
    })),
  })),
}))"""


def axe_source(path: Path = AXE_JS) -> str:
    """axe-core's source text, with a clear error when npm ci has not run."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `npm ci` (axe-core is a devDependency)")
    return path.read_text(encoding="utf-8")


def axe_script(source: str, tags: Sequence[str] = WCAG_TAGS) -> str:
    """One JavaScript expression that defines axe in the page (once per
    document) and evaluates to a promise of its violations for `tags`."""
    run = _RUN % json.dumps(list(tags))
    return f"(function () {{\nif (!window.axe) {{\n{source}\n}}\nreturn {run};\n}})()"


@dataclass(frozen=True)
class Finding:
    """One axe rule broken in one view of a page, with the nodes that break it."""

    rule: str
    impact: str
    help: str
    where: str
    nodes: tuple[str, ...]

    def __repr__(self) -> str:
        return f"Finding({self.rule!r}, {self.impact!r}, {self.where!r}, {len(self.nodes)} nodes)"

    def __str__(self) -> str:
        lines = [f"{self.impact} {self.rule} ({self.help}) in {self.where}:"]
        lines += [f"    {node}" for node in self.nodes]
        return "\n".join(lines)


def findings(answer: Mapping[str, Any], where: str) -> list[Finding]:
    """axe's answer (from the script above) as Finding values; `where` names
    the view, e.g. "index.html draw mode, 390 px"."""
    return [
        Finding(
            rule=v["id"],
            impact=v["impact"] or "unknown",
            help=v["help"],
            where=where,
            nodes=tuple(_node(n) for n in v["nodes"]),
        )
        for v in answer["violations"]
    ]


def _node(node: Mapping[str, str]) -> str:
    """A node as one line: where it is, its markup, and axe's reason."""
    why = " ".join(line.strip() for line in node["why"].splitlines()[1:] if line.strip())
    return f"{node['target']}: {node['html']}" + (f" -- {why}" if why else "")


def blocking(found: Iterable[Finding]) -> list[Finding]:
    """The findings a test fails on: serious or critical."""
    return [f for f in found if f.impact in BLOCKING]


def reported(found: Iterable[Finding]) -> list[Finding]:
    """The findings that are listed but do not fail: moderate and minor."""
    return [f for f in found if f.impact not in BLOCKING]


def summary(found: Iterable[Finding]) -> list[str]:
    """Lines for a report: each rule once, each node once under it, with the
    views it was seen in (the same node shows up at every width and mode)."""
    views: dict[tuple[str, str, str], dict[str, list[str]]] = {}
    for f in found:
        by_node = views.setdefault((f.impact, f.rule, f.help), {})
        for node in f.nodes:
            by_node.setdefault(node, []).append(f.where)
    lines = []
    for (impact, rule, help_), nodes in sorted(views.items()):
        lines.append(f"{impact} {rule} ({help_})")
        for node, seen in nodes.items():
            lines += [f"    {node}", f"        in {', '.join(dict.fromkeys(seen))}"]
    return lines
