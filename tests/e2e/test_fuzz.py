"""Fuzz the demo through its untrusted inputs: a few hundred random URL hashes
(valid, out of range, malformed, markup) and keyboard changes of the labelled
controls, seeded and bounded in time. After each step the page must have no
error, never a blank output area, no injected markup, and show exactly what
convcore computes on the host for the state the page settled on (the page
writes its corrected state back into the hash)."""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote

from playwright.sync_api import Page

import convcore
from tests.e2e.conftest import Site

SEED = 20261125
CASES_PER_MODE = 150
SECONDS_PER_MODE = 150.0
TOL = 1e-9
CONTROLS = ("Kernel size", "Stride", "Padding", "Dilation")
MODES = ("zeros", "reflect", "replicate", "circular")
HOSTILE = (
    "",
    "-1",
    "0",
    "NaN",
    "Infinity",
    "1e309",
    "99999999999999999999999",
    "3.5",
    "0x10",
    "3,",
    ",",
    "3,4,5",
    " 2 ",
    "%00",
    "<script>window.__pwned=1</script>",
    '"><img src=x onerror="window.__pwned=1">',
    "javascript:window.__pwned=1",
    "\u202e9",
    "\uff53\uff41\uff4d\uff45",  # "same" in full-width letters
    "same,same",
    "x" * 5000,
)

SNAPSHOT = """() => {
  const cells = (id) => Array.from(
    document.querySelectorAll(`table[data-testid=${id}] tbody tr`),
    (tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent));
  const canvas = document.querySelector("[data-testid=output-canvas]");
  const fit = document.querySelector("[data-testid=fit]");
  const box = canvas ? canvas.getBoundingClientRect() : null;
  return {
    state: document.documentElement.dataset.state,
    hash: location.hash.slice(1),
    shape: document.querySelector("[data-testid=output-shape]").textContent.trim(),
    input: cells("input-values"),
    output: cells("output-values"),
    canvas: box ? [box.width, box.height] : null,
    fit: fit ? fit.innerText.trim() : "",
    injected: document.querySelectorAll(
      'script:not([src]):not([type="application/json"]), [onerror], [onload]').length,
    pwned: window.__pwned === 1,
  };
}"""


@dataclass
class Settings:
    digit: int
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: Any
    dilation: tuple[int, int]
    padding_mode: str


def pair(text: str) -> tuple[int, int]:
    parts = [int(p) for p in text.split(",")]
    return (parts[0], parts[-1])


def settings_of(hash_: str) -> Settings:
    """The page's canonical hash, read back (defaults where a key is omitted)."""
    values = dict(parse_qsl(hash_, keep_blank_values=True))
    unknown = set(values) - {"kernel", "stride", "padding", "dilation", "padding_mode", "digit"}
    # the fuzz never sets weights, inputs or filters, so none may appear
    assert unknown <= {"step", "speed"}, f"unexpected keys in the corrected hash: {unknown}"
    padding_text = values.get("padding", "0")
    padding: Any = padding_text if padding_text in ("same", "valid") else pair(padding_text)
    return Settings(
        digit=int(values.get("digit", "0")),
        kernel=pair(values.get("kernel", "3")),
        stride=pair(values.get("stride", "1")),
        padding=padding,
        dilation=pair(values.get("dilation", "1")),
        padding_mode=values.get("padding_mode", "zeros"),
    )


def expected(digits: list[list[list[float]]], s: Settings) -> list[list[float]] | None:
    kh, kw = s.kernel
    try:
        out = convcore.conv2d(
            [digits[s.digit]],
            [[[[1.0] * kw for _ in range(kh)]]],
            stride=s.stride,
            padding=s.padding,
            dilation=s.dilation,
            padding_mode=s.padding_mode,
        )
    except ValueError:
        return None
    return out[0]


def random_value(rng: random.Random, key: str) -> str:
    if rng.random() < 0.3:
        return rng.choice(HOSTILE)
    if key == "padding_mode":
        return rng.choice((*MODES, "ZEROS", "mirror"))
    if key == "digit":
        return str(rng.randint(-5, 130))
    if key == "padding" and rng.random() < 0.3:
        return rng.choice(("same", "valid"))
    high = {"kernel": 22, "stride": 11, "padding": 11, "dilation": 6}[key]
    one = str(rng.randint(0, high))
    return one if rng.random() < 0.6 else f"{one},{rng.randint(0, high)}"


def random_hash(rng: random.Random) -> str:
    keys = ["kernel", "stride", "padding", "dilation", "padding_mode", "digit"]
    chosen = rng.sample(keys, rng.randint(1, len(keys)))
    parts = [f"{k}={quote(random_value(rng, k), safe=',')}" for k in chosen]
    if rng.random() < 0.15:
        parts.append(f"{rng.choice(('bogus', '<b>', 'kernel'))}={quote(rng.choice(HOSTILE))}")
    return "&".join(parts)


def settle(page: Page) -> dict[str, Any]:
    """Wait until the page is ready for the state it settled on."""
    deadline = time.monotonic() + 20
    while True:
        page.wait_for_selector("html[data-state=ready]", state="attached", timeout=20_000)
        snap: dict[str, Any] = page.evaluate(SNAPSHOT)
        if snap["state"] == "ready":
            return snap
        assert time.monotonic() < deadline, "the page did not settle"


def change_hash(page: Page, hash_: str) -> None:
    page.evaluate(
        """h => new Promise(resolve => {
          addEventListener("hashchange", () => setTimeout(resolve), { once: true });
          location.hash = h;
        })""",
        hash_,
    )


def press_control(page: Page, rng: random.Random) -> None:
    control = page.get_by_label(rng.choice(CONTROLS), exact=True)
    control.focus()
    for _ in range(rng.randint(1, 3)):
        page.keyboard.press(rng.choice(("ArrowUp", "ArrowDown")))
    # a settings change is applied after the page's debounce, if it has one
    page.wait_for_timeout(30)


def check(snap: dict[str, Any], digits: list[list[list[float]]], note: str) -> None:
    assert snap["injected"] == 0 and not snap["pwned"], f"markup was injected: {note}"
    want = expected(digits, settings_of(snap["hash"]))
    if want is None:
        assert snap["shape"] == "no output", note
        assert snap["output"] == [] or all(row == [] for row in snap["output"]), note
        assert snap["fit"], f"no message for settings without output: {note}"
        return
    assert snap["shape"] == f"{len(want)} \u00d7 {len(want[0])}", note
    assert snap["canvas"] and snap["canvas"][0] > 0 and snap["canvas"][1] > 0, note
    got = [[float(v) for v in row] for row in snap["output"]]
    assert len(got) == len(want), note
    for r, (a, b) in enumerate(zip(got, want, strict=True)):
        assert len(a) == len(b), note
        for x, y in zip(a, b, strict=True):
            assert abs(x - y) <= TOL * max(1.0, abs(y)), f"row {r}: {x} != {y} ({note})"


def test_fuzz_hashes_and_controls(site: Site) -> None:
    text = (site.server.root / "data" / "digits.js").read_text()
    digits: list[list[list[float]]] = json.loads(text[text.index("[") : text.rindex("]") + 1])
    site.page.emulate_media(reduced_motion="reduce")
    page = site.open("index.html")
    rng = random.Random(f"{SEED}-{site.mode}")
    started = time.monotonic()
    cases = 0
    while cases < CASES_PER_MODE and time.monotonic() - started < SECONDS_PER_MODE:
        if rng.random() < 0.75:
            hash_ = random_hash(rng)
            note = f"case {cases}: #{hash_[:200]}"
            change_hash(page, hash_)
        else:
            note = f"case {cases}: keyboard after #{page.evaluate('location.hash')[:200]}"
            press_control(page, rng)
        check(settle(page), digits, note)
        cases += 1
    print(f"\nfuzz ({site.mode}): {cases} cases in {time.monotonic() - started:.0f} s")
    assert cases >= 50, f"only {cases} fuzz cases ran in the time allowed"
