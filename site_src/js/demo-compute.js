// Asking Python: one demo_run request for the settings (the latest wins: a
// request for settings changed meanwhile is answered but dropped), and
// demo_window for the arithmetic of one step of the last result. Owns the
// request loops, the key of the settings last requested, and whether the slide
// plays once the first result is in. May call demo-state.js, demo-input.js
// (source values, digits), demo-result.js (applyResult, applyFailure,
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
  let autoplayPending = false;

  function sourceOf(s) {
    const uploaded = live.uploaded;
    if (s.input === "upload" && uploaded) {
      return { kind: "rgba", height: uploaded.height, width: uploaded.width, values: uploaded.rgba };
    }
    if (s.input === "draw") return { kind: "gray", height: I.SIDE, width: I.SIDE, values: I.levelValues(s.pixels) };
    return { kind: "gray", height: I.SIDE, width: I.SIDE, values: I.digitValues(s.digit) };
  }

  function requestArgs() {
    const state = live.state;
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

  // What a computation depends on (the step only picks a window of it).
  function stateKey() {
    return `${S.toHash(Object.assign({}, live.state, { step: null, speed: S.DEFAULTS.speed }))}|${live.uploads}`;
  }

  function requestCompute() {
    requestedKey = stateKey();
    computeWanted++;
    if (!computeToken) computeToken = D.status.begin("compute");
    D.status.showComputing(true);
    if (!computeRunning) runCompute();
  }

  // A control's "change" event after its "input" events changes nothing that
  // matters: no second request then.
  function requestIfChanged() {
    if (stateKey() !== requestedKey) requestCompute();
  }

  async function runCompute() {
    computeRunning = true;
    for (;;) {
      const wanted = computeWanted;
      if (live.state.input === "digit" && !I.digitsLoaded()) {
        try {
          await I.loadDigits();
        } catch (err) {
          // digitValues falls back to zeros; Python still answers
        }
        if (wanted !== computeWanted) continue;
      }
      const { args, source } = requestArgs();
      let result = null;
      let error = null;
      try {
        result = await engine.call("demo_run", args, { source });
      } catch (err) {
        error = err;
      }
      if (wanted !== computeWanted) continue;
      if (result) D.result.applyResult(result);
      else D.result.applyFailure(error);
      break;
    }
    computeRunning = false;
    D.status.showComputing(false);
    const token = computeToken;
    computeToken = null;
    D.status.end(token);
    if (autoplayPending && live.scene && live.scene.outSize) {
      autoplayPending = false;
      D.slide.play();
    }
  }

  function running() {
    return computeRunning;
  }

  // Python is ready: prime the worker with this state (it holds the trace that
  // steps read), and play the slide once the result is in if `autoplay`.
  function prime(autoplay) {
    autoplayPending = autoplay;
    requestCompute();
  }

  let windowWanted = -1;
  let windowRunning = false;
  let windowToken = null;

  function requestWindow() {
    const scene = live.scene;
    if (!scene || !scene.outSize) return;
    if (scene.window && scene.window.step === live.view.step) {
      D.result.renderWindow(scene.window);
      return;
    }
    if (engine.state !== "python" || computeRunning) {
      requestCompute();
      return;
    }
    windowWanted = live.view.step;
    if (!windowToken) windowToken = D.status.begin("window");
    if (windowRunning) return;
    windowRunning = true;
    (async () => {
      for (;;) {
        const wanted = windowWanted;
        const token = live.scene.token;
        let win = null;
        try {
          win = await engine.call("demo_window", { token, step: wanted });
        } catch (err) {
          win = null;
        }
        if (win && win.stale) {
          requestCompute();
          break;
        }
        if (wanted !== windowWanted || token !== live.scene.token) continue;
        if (win) {
          live.scene.window = win;
          D.result.renderWindow(win);
        }
        break;
      }
      windowRunning = false;
      const t = windowToken;
      windowToken = null;
      D.status.end(t);
    })();
  }

  D.compute = { requestCompute, requestIfChanged, requestWindow, running, prime };
})();
