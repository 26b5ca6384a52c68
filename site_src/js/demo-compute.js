// Asking Python: one demo_run request for the settings (the latest wins: a
// request for settings changed meanwhile is answered but dropped), unless
// the state was already computed (ahead of the change, or shown before: see
// demo-ahead.js), which is then shown in the task of its event; and
// demo_windows for the arithmetic of every window of the last result, in
// blocks, once it is on screen and the page has been still. Owns the request
// loops, the key of the settings last requested and of the result shown, and
// whether the slide plays once the first result is in. May call
// demo-state.js, demo-input.js (source values, digits), demo-ahead.js (known
// results, the next states), demo-result.js (applyResult, applyFailure,
// renderWindow), demo-slide.js (play) and demo-status.js (busy, Computing…).
(function () {
  "use strict";

  const D = window.ConvDemo;
  const { state: S, input: I, live } = D;
  const engine = window.convcoreEngine;

  let computeWanted = 0;
  let computeRunning = false;
  let computeToken = null;
  let nextToken = 1;
  let requestedKey = "";
  let shownKey = ""; // the state whose result is on screen ("" = none of Python's)
  let autoplayPending = false;

  function sourceOf(s) {
    const uploaded = live.uploaded;
    if (s.input === "upload" && uploaded) {
      return { kind: "rgba", height: uploaded.height, width: uploaded.width, values: uploaded.rgba };
    }
    if (s.input === "draw") return { kind: "gray", height: I.SIDE, width: I.SIDE, values: I.levelValues(s.pixels) };
    return { kind: "gray", height: I.SIDE, width: I.SIDE, values: I.digitValues(s.digit) };
  }

  // The request for `state`: its arguments (with a token of its own, under
  // which Python keeps the run's trace) and the source pixels.
  function argsOf(state) {
    const src = sourceOf(state);
    const weights = [];
    for (let f = 0; f < state.filters; f++) weights.push(S.weightsOf(state, f));
    return {
      args: {
        kind: src.kind,
        height: src.height,
        width: src.width,
        channels: state.channels === "rgb" ? 3 : 1,
        background: state.background,
        kernel: state.kernel,
        stride: state.stride,
        padding: state.padding,
        dilation: state.dilation,
        padding_mode: state.paddingMode,
        weights,
        bias: state.bias.slice(0, state.filters),
        step: state.step,
        token: nextToken++,
      },
      source: src.values,
    };
  }

  // What a computation depends on, exactly (the step only picks a window of
  // it): the settings, the digit, the drawing's pixels, the weights and
  // biases, and which upload; of state `s`, or of the current one.
  function stateKey(s) {
    return `${S.toHash(Object.assign({}, s || live.state, { step: null, speed: S.DEFAULTS.speed }))}|${live.uploads}`;
  }

  function requestCompute(key) {
    requestedKey = key || stateKey();
    if (showKnown(requestedKey)) return;
    computeWanted++;
    if (!computeToken) computeToken = D.status.begin("compute");
    // "Computing…" says the view is out of date; for the state it already
    // shows (the first call once Python is up) it would only move the page:
    // at 390 px it wrapped the shape line while a slow first answer came.
    D.status.showComputing(requestedKey !== D.result.shownKey());
    if (!computeRunning) runCompute();
  }

  // A control's "change" event after its "input" events changes nothing that
  // matters: no second request then.
  function requestIfChanged() {
    const key = stateKey();
    if (key !== requestedKey) requestCompute(key);
  }

  // The wanted state is on screen already, or was computed (ahead, or shown
  // before): shown now, in this task, busy and ready again before the next
  // frame. A request still running is answered but dropped.
  function showKnown(key) {
    const result = key === shownKey ? null : D.ahead.take(key);
    if (key !== shownKey && !result) return false;
    computeWanted++;
    const token = computeToken || D.status.begin("compute");
    computeToken = null;
    if (result) show(result, key);
    else D.controls.syncControlsIfWaiting();
    D.status.showComputing(false);
    D.status.end(token);
    settled();
    return true;
  }

  function show(result, key) {
    shownKey = key;
    D.result.applyResult(result);
  }

  // One request at a time; changes made meanwhile are sent as one, the
  // latest state, when it comes back, unless they came to a state known by
  // then (showKnown). A state Python is computing ahead is not asked for
  // again: its answer is awaited.
  async function runCompute() {
    computeRunning = true;
    let sent = "";
    let result = null;
    let error = null;
    while (computeToken) {
      const wanted = computeWanted;
      if (live.state.input === "digit" && !I.hasDigit(live.state.digit)) {
        try {
          await I.loadDigits();
        } catch (err) {
          // digitValues falls back to zeros; Python still answers
        }
        if (wanted !== computeWanted) continue;
      }
      const key = stateKey();
      if (key !== sent) {
        sent = key;
        result = null;
        error = null;
        try {
          result = await (D.ahead.computing(key) || ask(key));
        } catch (err) {
          error = err;
        }
        if (wanted !== computeWanted) continue;
      }
      if (result) show(result, key);
      else {
        shownKey = "";
        D.result.applyFailure(error);
      }
      D.status.showComputing(false);
      D.status.end(computeToken);
      computeToken = null;
    }
    computeRunning = false;
    settled();
  }

  async function ask(key) {
    const { args, source } = argsOf(live.state);
    const result = await engine.call("demo_run", args, { source });
    D.ahead.remember(key, result);
    return result;
  }

  // A result is on screen and nothing is being asked for: the windows'
  // arithmetic once the page is still, the next states ahead, the slide if
  // it was to play.
  function settled() {
    if (computeRunning) return;
    fetchWindowsSoon();
    D.ahead.plan();
    if (autoplayPending && live.scene && live.scene.outSize) {
      autoplayPending = false;
      D.slide.play();
    }
  }

  function running() {
    return computeRunning;
  }

  // Python no longer keeps the trace of the result shown (see demo_api's
  // _traces), so its windows cannot be had: the state is computed again.
  function recompute() {
    D.ahead.forget(shownKey);
    shownKey = "";
    requestCompute();
  }

  function shown() {
    return shownKey;
  }

  // Whether the result of `state` (or the current state) is at hand (shown,
  // or kept).
  function known(state) {
    const key = stateKey(state);
    return key === shownKey || Boolean(D.ahead.take(key));
  }

  // Python is ready: prime the worker with this state (it holds the trace that
  // steps read), and play the slide once the result is in if `autoplay`.
  function prime(autoplay) {
    autoplayPending = autoplay;
    requestCompute();
  }

  // The arithmetic of every window comes from Python in blocks
  // (demo_windows), asked for once a result is on screen and the page has
  // been still for a moment, so that a step, the slide or the animation shows
  // its window in the frame of the event, not a round trip later. A window
  // whose block is not here yet is asked for then (the page is busy meanwhile).
  const WINDOWS_AFTER_MS = 120;
  let windowsTimer = 0;
  let windowWanted = -1;
  let windowRunning = false;
  let windowToken = null;

  function blockOf(s, step) {
    return s.blocks.find((b) => step >= b.first && step < b.first + b.count) || null;
  }

  function part(values, from, to) {
    return values.subarray ? values.subarray(from, to) : values.slice(from, to);
  }

  function windowAt(step) {
    const scene = live.scene;
    const block = scene && scene.blocks && blockOf(scene, step);
    if (!block) return null;
    const k = step - block.first;
    const n = block.taps;
    const c = block.channel_sums.length ? scene.channels : 0;
    return {
      step,
      position: D.slide.positionOf(step),
      weights: block.weights,
      values: part(block.values, k * n, (k + 1) * n),
      products: part(block.products, k * n, (k + 1) * n),
      padding: part(block.padding, k * n, (k + 1) * n),
      channel_sums: part(block.channel_sums, k * c, (k + 1) * c),
      sum: block.sums[k],
      bias: block.bias,
      output: block.outputs[k],
    };
  }

  // The block holding `step` of scene `s`, or {stale: true} when Python no
  // longer keeps the trace of that result (blocks come from it).
  function fetchBlock(s, step) {
    const found = blockOf(s, step);
    if (found) return Promise.resolve(found);
    if (!s.fetching.has(step)) {
      const asked = engine.call("demo_windows", { token: s.token, first: step }).then((block) => {
        if (block.stale) return block;
        if (!blockOf(s, block.first)) s.blocks.push(block);
        return block;
      });
      asked.finally(() => s.fetching.delete(step)).catch(() => {});
      s.fetching.set(step, asked);
    }
    return s.fetching.get(step);
  }

  function fetchWindowsSoon() {
    clearTimeout(windowsTimer);
    windowsTimer = setTimeout(fetchWindowsNow, WINDOWS_AFTER_MS);
  }

  // The block of the step shown, asked for now if it is not here: also before
  // the states computed ahead (demo-ahead.js), which the worker would
  // otherwise answer first (it answers in order).
  function fetchWindowsNow() {
    const scene = live.scene;
    if (computeRunning || !scene || !scene.outSize || blockOf(scene, live.view.step)) return;
    fetchBlock(scene, live.view.step).catch(() => {});
  }

  function requestWindow() {
    const scene = live.scene;
    if (!scene || !scene.outSize) return;
    const step = live.view.step;
    windowWanted = step;
    const win = windowAt(step);
    if (win) {
      scene.window = win;
      D.result.renderWindow(win);
      const block = blockOf(scene, step);
      const next = block.first + block.count;
      // while playing through a big output, the next block before it is needed
      if (next < scene.steps && step - block.first > block.count / 2) fetchBlock(scene, next).catch(() => {});
      return;
    }
    if (scene.window && scene.window.step === step) {
      D.result.renderWindow(scene.window);
      return;
    }
    if (engine.state !== "python" || computeRunning) {
      requestCompute();
      return;
    }
    fetchWindow(step);
  }

  // Window `step` of the scene shown, from Python (busy until it is shown):
  // for a step whose block is not here yet, or a result computed ahead for
  // another step than the one shown now.
  function fetchWindow(step) {
    windowWanted = step;
    if (!windowToken) windowToken = D.status.begin("window");
    if (windowRunning) return;
    windowRunning = true;
    (async () => {
      for (;;) {
        const wanted = windowWanted;
        const s = live.scene;
        let block = null;
        try {
          block = await fetchBlock(s, wanted);
        } catch (err) {
          block = null;
        }
        const now = live.scene;
        if (!now.outSize || (now.window && now.window.step === windowWanted)) break; // shown meanwhile
        if (now !== s || wanted !== windowWanted) continue;
        if (block && block.stale) {
          recompute();
          break;
        }
        const found = windowAt(wanted);
        if (found) {
          s.window = found;
          D.result.renderWindow(found);
        }
        break;
      }
      windowRunning = false;
      const t = windowToken;
      windowToken = null;
      D.status.end(t);
    })();
  }

  D.compute = {
    requestCompute,
    requestIfChanged,
    requestWindow,
    windowAt,
    fetchWindow,
    fetchWindowsNow,
    running,
    shown,
    known,
    prime,
    stateKey,
    argsOf,
  };
})();
