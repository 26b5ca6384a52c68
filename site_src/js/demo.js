// The demo page: settings <-> state <-> URL hash, one Python call per change,
// the slide (play, step, scrub), pointing at cells, drawing and uploads.
//
// <html data-state> is "busy" from the moment anything changes until the
// canvases, tables and messages for the new state are complete, then "ready".
(function () {
  "use strict";

  const D = window.ConvDemo;
  const S = D.state;
  const R = D.render;
  const T = D.tables;
  const I = D.input;
  const engine = window.convcoreEngine;
  const root = document.documentElement;
  const $ = (id) => document.getElementById(id);
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  const PAIRS = ["kernel", "stride", "padding", "dilation"];

  let state = S.cloneState(S.DEFAULTS);
  let scene = null; // the last result from Python (or the pre-rendered one)
  let lastHash = null; // the hash this page last wrote or applied
  let gesture = null; // the control whose changes currently replace one history entry
  let uploaded = null; // {file, height, width, rgba, name}
  let transparencyNoted = "";
  let pythonSeen = false;
  let autoplayPending = false;
  const view = { step: 0, playing: false, probeOut: null, probeIn: null, cursorOut: null, cursorIn: null, filter: 0 };

  // ------------------------------------------------------------ busy / ready

  const busy = new Set();
  let busyCount = 0;
  let computingTimer = 0;
  function begin(label) {
    const token = `${label}#${++busyCount}`;
    busy.add(token);
    root.dataset.state = "busy";
    return token;
  }
  function end(token) {
    busy.delete(token);
    if (!busy.size) root.dataset.state = "ready";
  }
  function showComputing(on) {
    clearTimeout(computingTimer);
    const box = $("computing");
    if (!on) {
      box.hidden = true;
      $("demo").classList.remove("is-computing");
      return;
    }
    const reveal = () => {
      box.hidden = false;
      box.textContent = engine.state === "python" ? "Computing…" : "Computing… (waiting for Python to start)";
      $("demo").classList.add("is-computing");
    };
    if (engine.state !== "python") reveal();
    else computingTimer = setTimeout(reveal, 150);
  }

  // ------------------------------------------------------------------ notices

  function showNotices(list, append) {
    const box = document.querySelector("[data-testid=notice]");
    const text = $("notice-text");
    if (!append && text.firstChild) text.replaceChildren();
    for (const message of list) text.appendChild(T.el("p", message));
    box.hidden = text.childElementCount === 0;
  }

  function announce(message) {
    $("step-status").textContent = message;
  }

  // ------------------------------------------------------------------ history

  function baseUrl() {
    return location.href.split("#")[0];
  }

  // mode "push": a new history entry (the first change of a gesture);
  // "replace": overwrite the current one (later changes of the same gesture).
  function writeHash(mode) {
    const hash = S.toHash(state);
    if (hash === lastHash) return;
    lastHash = hash;
    const url = hash ? `#${hash}` : baseUrl();
    if (mode === "push") history.pushState(null, "", url);
    else history.replaceState(null, "", url);
  }

  function commit(control, final) {
    if (control && gesture === control) writeHash("replace");
    else writeHash("push");
    gesture = final ? null : control;
  }

  function onHashChange() {
    const hash = location.hash.replace(/^#/, "");
    if (hash === lastHash) return;
    applyHash(hash, false);
  }

  function applyHash(hash, first) {
    const { state: next, notices } = S.parseHash(hash);
    stop(false);
    if (next.input === "upload" && !uploaded) {
      notices.push("The uploaded image is not part of the link (it never leaves your computer), so the digit is shown instead.");
      next.input = "digit";
    }
    state = next;
    lastHash = S.toHash(state);
    // The request goes to the worker before anything else. The pre-rendered
    // view is this very state: nothing to compute yet.
    if (!(first && scene && lastHash === scene.hash)) requestCompute();
    showNotices(notices);
    if (lastHash !== hash) history.replaceState(null, "", lastHash ? `#${lastHash}` : baseUrl());
    if (first) syncControls();
    else syncControlsWithResult();
  }

  // After a hash change the controls are updated together with its result,
  // so the browser renders one frame for both instead of rendering the
  // controls first while the result waits; if no result comes soon (Python
  // still starting, or slow), they are updated on their own.
  let controlsTimer = 0;
  function syncControlsWithResult() {
    clearTimeout(controlsTimer);
    controlsTimer = setTimeout(syncControlsNow, 100);
  }
  function syncControlsNow() {
    clearTimeout(controlsTimer);
    controlsTimer = 0;
    syncControls();
  }

  // ------------------------------------------------------------------ compute

  let computeWanted = 0;
  let computeRunning = false;
  let computeToken = null;
  let nextToken = 1;

  function sourceOf(s) {
    if (s.input === "upload" && uploaded) {
      return { kind: "rgba", height: uploaded.height, width: uploaded.width, values: uploaded.rgba };
    }
    if (s.input === "draw") return { kind: "gray", height: I.SIDE, width: I.SIDE, values: I.levelValues(s.pixels) };
    return { kind: "gray", height: I.SIDE, width: I.SIDE, values: I.digitValues(s.digit) };
  }

  function requestArgs() {
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
  let uploadCount = 0;
  let requestedKey = "";
  function stateKey() {
    return `${S.toHash(Object.assign({}, state, { step: null, speed: S.DEFAULTS.speed }))}|${uploadCount}`;
  }

  function requestCompute() {
    requestedKey = stateKey();
    computeWanted++;
    if (!computeToken) computeToken = begin("compute");
    showComputing(true);
    if (!computeRunning) runCompute();
  }

  async function runCompute() {
    computeRunning = true;
    for (;;) {
      const wanted = computeWanted;
      if (state.input === "digit" && !I.digitsLoaded()) {
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
      if (result) applyResult(result, false);
      else applyFailure(error);
      break;
    }
    computeRunning = false;
    showComputing(false);
    const token = computeToken;
    computeToken = null;
    end(token);
    if (autoplayPending && scene && scene.outSize) {
      autoplayPending = false;
      play();
    }
  }

  function applyFailure(error) {
    if (controlsTimer) syncControlsNow();
    const message = error && error.message ? error.message : String(error);
    if (engine.state === "error") {
      showNotices([
        `Python could not start here, so these settings cannot be computed; the numbers shown are the ones computed when the site was built (${message.split("\n")[0]}).`,
      ]);
    } else {
      const lines = message.trim().split("\n");
      showNotices([`Python reported a problem: ${lines[lines.length - 1]}`]);
    }
  }

  function toScene(result) {
    const s = Object.assign({}, result);
    s.input = result.input instanceof Float64Array ? result.input : Float64Array.from(result.input);
    if (result.output) s.output = result.output instanceof Float64Array ? result.output : Float64Array.from(result.output);
    s.inSize = result.in_size;
    s.outSize = result.out_size;
    s.padded = [
      result.in_size[0] + result.pads[0][0] + result.pads[0][1],
      result.in_size[1] + result.pads[1][0] + result.pads[1][1],
    ];
    s.rowMap = result.row_map;
    s.colMap = result.col_map;
    s.rowTaps = result.row_taps;
    s.colTaps = result.col_taps;
    s.rowUsers = result.row_users;
    s.colUsers = result.col_users;
    s.kernel = state.kernel.slice();
    return s;
  }

  // The pre-rendered result: the build already wrote its messages, arithmetic,
  // player and tables into the HTML, so only the scene is set up here and the
  // canvases are drawn once the layout is known (see start).
  function applyStatic(result) {
    scene = toScene(result);
    view.step = currentStep();
    document.querySelectorAll("#fixes [data-testid=fix]").forEach((button, i) => {
      const fix = scene.fixes[i];
      if (fix) button.addEventListener("click", () => applyFix(fix));
    });
    const [H, W] = scene.inSize;
    T.adoptValues($("input-values"), scene.input, 0, H, W);
    if (scene.outSize) T.adoptValues($("output-values"), scene.output, 0, scene.outSize[0], scene.outSize[1]);
  }

  // Show a result: canvases, messages, code, then the tables (maybe over frames).
  function applyResult(result, isStatic) {
    scene = toScene(result);
    if (!isStatic && state.step !== null && scene.steps && state.step > scene.steps - 1) {
      showNotices([`step=${state.step}: these settings have ${scene.steps} windows, so the last one is shown.`], true);
      state.step = null;
      writeHash("replace");
    }
    view.step = currentStep();
    view.probeOut = null;
    view.probeIn = null;
    view.cursorOut = null;
    renderMessages();
    layoutAndDraw();
    renderWindow(scene.window);
    updatePlayer();
    if (controlsTimer) syncControlsNow();
    else syncPadding();
    fillTables();
    if (!view.playing) announce(scene.outSize ? stepText() : "No output for these settings.");
    if (!isStatic && state.input === "upload" && scene.transparent) {
      const key = `${uploaded && uploaded.name}|${state.background}|${state.size}`;
      if (transparencyNoted !== key) {
        transparencyNoted = key;
        showNotices([
          `${uploaded ? uploaded.name : "The image"} has transparent parts; they were put on ${state.background} (${state.background === "black" ? 0 : 1}) before converting. Change it under “Transparent parts become”.`,
        ], true);
      }
    }
  }

  function currentStep() {
    if (!scene || !scene.steps) return 0;
    return state.step === null ? scene.steps - 1 : Math.min(state.step, scene.steps - 1);
  }

  function fillTables() {
    const token = begin("tables");
    const [H, W] = scene.inSize;
    const inputCaption = `Input values${scene.channels === 3 ? " (red channel)" : ""}, ${H} × ${W}`;
    const jobs = [T.fillValues($("input-values"), inputCaption, scene.input, 0, H, W)];
    if (scene.outSize) {
      const [Ho, Wo] = scene.outSize;
      jobs.push(T.fillValues($("output-values"), `Output values (filter 1), ${Ho} × ${Wo}`, scene.output, 0, Ho, Wo));
    } else {
      T.clearValues($("output-values"), "Output values: no output for these settings");
    }
    Promise.all(jobs).then(() => end(token));
  }

  function renderMessages() {
    const shape = $("output-shape");
    shape.textContent = scene.outSize ? `${scene.outSize[0]} × ${scene.outSize[1]}` : "no output";
    $("in-shape").textContent = `${scene.inSize[0]} × ${scene.inSize[1]}${scene.channels === 3 ? " × 3 channels" : ""}`;
    const formula = $("formula");
    formula.replaceChildren(...scene.formula.map((line) => T.el("span", line)));
    formula.hidden = scene.formula.length === 0;
    $("fit-text").textContent = scene.fit_text;
    $("fit").classList.toggle("fits", Boolean(scene.fits));
    const fixes = $("fixes");
    fixes.replaceChildren();
    for (const fix of scene.fixes) {
      const button = T.el("button", fix.text, { type: "button", "data-testid": "fix", "aria-label": `Apply: ${fix.text}` });
      button.addEventListener("click", () => applyFix(fix));
      fixes.appendChild(T.el("li")).appendChild(button);
    }
    const noOutput = $("no-output");
    if (scene.error) {
      showNotices([`PyTorch refuses these settings: ${scene.error}`], true);
      noOutput.textContent = `No output. ${scene.error}`;
    } else if (!scene.outSize) {
      noOutput.textContent = scene.fit_text;
    }
    noOutput.hidden = Boolean(scene.outSize);
    $("pytorch-code").textContent = scene.code;
    $("save-png").disabled = !scene.outSize;
  }

  // ------------------------------------------------------------------ drawing

  let cell = 12;
  let stageWidth = 0; // .canvases' width, kept by a ResizeObserver (no forced layout)
  function ensureOutputFigures() {
    const box = $("outputs");
    const figures = Array.from(box.querySelectorAll("figure.panel-output"));
    const want = scene.outSize ? scene.filters : 0;
    for (let f = figures.length; f < want; f++) {
      const fig = figures[0].cloneNode(true);
      fig.dataset.filter = String(f);
      fig.querySelector("figcaption .dim").textContent = `filter ${f + 1}`;
      const canvas = fig.querySelector("canvas");
      canvas.id = `output-canvas-${f}`;
      canvas.dataset.testid = `output-canvas-f${f}`;
      fig.querySelector("[data-testid=legend]").dataset.testid = `legend-f${f}`;
      bindOutputCanvas(canvas, f);
      box.insertBefore(fig, $("no-output"));
      figures.push(fig);
    }
    figures.forEach((fig, f) => {
      fig.hidden = f >= want;
    });
    return figures.slice(0, want);
  }

  function layoutAndDraw() {
    if (!scene) return;
    if (!stageWidth) stageWidth = document.querySelector(".canvases").clientWidth;
    const stage = { clientWidth: stageWidth };
    const [Hp, Wp] = scene.padded;
    const outputs = scene.outSize ? scene.filters * scene.outSize[1] : 0;
    const gap = 28 * (scene.outSize ? scene.filters : 0) + 8;
    // Side by side when the cells stay readable, otherwise one above the other.
    const across = Math.floor((stage.clientWidth - gap) / (Wp + outputs));
    if (across >= 10) cell = R.cellSize(Math.min(stage.clientWidth - gap, 24 * (Wp + outputs)), Wp + outputs);
    else cell = R.cellSize(Math.min(stage.clientWidth, 460), Math.max(Hp, Wp));
    draw();
  }

  // The build's pictures stand in for the canvases until the first drawing
  // (and the stage is a size container for them only until then).
  let prerendered = true;
  function revealCanvases() {
    if (!prerendered) return;
    prerendered = false;
    for (const picture of document.querySelectorAll("img.prerendered")) {
      picture.nextElementSibling.hidden = false;
      picture.remove();
    }
    document.querySelector(".canvases").classList.remove("prerendered-stage");
  }

  function draw() {
    if (!scene) return;
    revealCanvases();
    const position = scene.outSize ? positionOf(view.step) : null;
    const common = { cell, position, probeOut: view.probeOut, probeIn: view.probeIn, drawCursor: view.cursorIn };
    R.drawInput($("input-canvas"), scene, common);
    const strip = $("channel-strip");
    strip.hidden = scene.channels !== 3;
    if (scene.channels === 3) {
      const small = Math.max(1, Math.floor(cell / 2.5));
      for (let ch = 0; ch < 3; ch++) {
        R.drawInput(document.querySelector(`[data-testid=channel-canvas-${ch}]`), scene, { ...common, cell: small }, ch);
      }
    }
    const figures = ensureOutputFigures();
    figures.forEach((fig, f) => {
      R.drawOutput(fig.querySelector("canvas"), scene, f, {
        cell,
        step: view.step,
        position,
        probeOut: view.filter === f || view.probeOut ? view.probeOut : null,
        probeIn: view.probeIn,
      });
      const scale = R.scaleOf(scene, f);
      fig.querySelector(".legend-min").textContent = R.shortNumber(-scale);
      fig.querySelector(".legend-max").textContent = R.shortNumber(scale);
    });
    describeCanvases(position);
  }

  function positionOf(step) {
    const Wo = scene.outSize[1];
    return [Math.floor(step / Wo), step % Wo];
  }

  function sourceText() {
    if (state.input === "draw") return "your drawing";
    if (state.input === "upload" && uploaded) return `${uploaded.name}, scaled from ${uploaded.original[1]} × ${uploaded.original[0]}`;
    return `MNIST digit ${state.digit}, a handwritten ${state.digit % 10}`;
  }

  function describeCanvases(position) {
    const [H, W] = scene.inSize;
    const [[t, b], [l, r]] = scene.pads;
    const padded = t || b || l || r ? `padded with ${state.paddingMode} (top ${t}, bottom ${b}, left ${l}, right ${r})` : "no padding";
    $("input-caption").textContent = `${sourceText()}, ${padded}`;
    let text = `Input: ${sourceText()}, ${H} × ${W} pixels, ${padded}.`;
    if (position) {
      const rows = scene.rowTaps[position[0]];
      const cols = scene.colTaps[position[1]];
      text += ` The current window reads padded rows ${rows[0]} to ${rows[rows.length - 1]} and columns ${cols[0]} to ${cols[cols.length - 1]}.`;
    }
    if (scene.dropped[0].length || scene.dropped[1].length) text += " Hatched red: input rows or columns that no window reads.";
    $("input-canvas").setAttribute("aria-label", `${text} The values are in the table “Input values”.`);
    document.querySelectorAll("#outputs figure.panel-output canvas").forEach((canvas, f) => {
      if (!scene.outSize || f >= scene.filters) return;
      const [lo, hi] = scene.ranges[f];
      canvas.setAttribute(
        "aria-label",
        `Output of filter ${f + 1}: ${scene.outSize[0]} × ${scene.outSize[1]} values from ${R.shortNumber(lo)} to ${R.shortNumber(hi)}, ` +
          `${view.step + 1} of ${scene.steps} filled in. Blue is negative, red positive. ` +
          (f === 0 ? "The values are in the table “Output values”." : ""),
      );
    });
  }

  // ------------------------------------------------------------ the window

  let windowWanted = -1;
  let windowRunning = false;
  let windowToken = null;

  function renderWindow(win) {
    const table = $("arithmetic");
    if (!win || !scene.outSize) {
      T.clearArithmetic(table, "No window: these settings give no output.");
      return;
    }
    T.fillArithmetic(table, win, scene, scene.kernel);
  }

  function requestWindow() {
    if (!scene || !scene.outSize) return;
    if (scene.window && scene.window.step === view.step) {
      renderWindow(scene.window);
      return;
    }
    if (engine.state !== "python" || computeRunning) {
      requestCompute();
      return;
    }
    windowWanted = view.step;
    if (!windowToken) windowToken = begin("window");
    if (windowRunning) return;
    windowRunning = true;
    (async () => {
      for (;;) {
        const wanted = windowWanted;
        const token = scene.token;
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
        if (wanted !== windowWanted || token !== scene.token) continue;
        if (win) {
          scene.window = win;
          renderWindow(win);
        }
        break;
      }
      windowRunning = false;
      const t = windowToken;
      windowToken = null;
      end(t);
    })();
  }

  // --------------------------------------------------------------- the slide

  function setStep(step, how) {
    if (!scene || !scene.outSize) return;
    const last = scene.steps - 1;
    view.step = Math.max(0, Math.min(last, step));
    state.step = view.step === last ? null : view.step;
    draw();
    updatePlayer();
    requestWindow();
    if (how !== "play") {
      writeHash("replace");
      announce(stepText());
    }
  }

  function stepText() {
    const [r, q] = positionOf(view.step);
    const value = scene.output[view.step];
    return `Step ${view.step + 1} of ${scene.steps}: output row ${r}, column ${q} = ${String(value)}`;
  }

  let lastFrame = 0;
  let pending = 0;
  function play() {
    if (!scene || !scene.outSize) return;
    if (view.step >= scene.steps - 1) setStep(0, "play");
    view.playing = true;
    lastFrame = performance.now();
    pending = 0;
    announce(`Playing from step ${view.step + 1} of ${scene.steps}, ${S.SPEEDS[state.speed - 1]} steps a second.`);
    updatePlayer();
    requestAnimationFrame(tick);
  }

  function tick(now) {
    if (!view.playing || !scene || !scene.outSize) return;
    pending += ((now - lastFrame) * S.SPEEDS[state.speed - 1]) / 1000;
    lastFrame = now;
    const n = Math.floor(pending);
    if (n > 0) {
      pending -= n;
      setStep(view.step + n, "play");
    }
    if (view.step >= scene.steps - 1) {
      stop(true);
      announce(`Done: all ${scene.steps} windows computed. ${stepText()}`);
    } else requestAnimationFrame(tick);
  }

  function stop(write) {
    if (!view.playing) return;
    view.playing = false;
    updatePlayer();
    if (write) writeHash("replace");
  }

  function updatePlayer() {
    const ok = Boolean(scene && scene.outSize);
    const last = ok ? scene.steps - 1 : 0;
    const scrub = $("scrub");
    scrub.max = String(last);
    scrub.value = String(ok ? view.step : 0);
    scrub.disabled = !ok;
    scrub.setAttribute("aria-valuetext", ok ? `step ${view.step + 1} of ${scene.steps}` : "no output");
    const playButton = $("play");
    playButton.textContent = view.playing ? "❚❚ Pause" : "▶ Play";
    playButton.setAttribute("aria-pressed", String(view.playing));
    for (const id of ["play", "step-first", "step-back", "step-forward", "step-last"]) $(id).disabled = !ok;
    $("speed").value = String(state.speed);
    $("speed-text").textContent = `${S.SPEEDS[state.speed - 1]} steps/s`;
  }

  // ----------------------------------------------------------------- controls

  function setValue(input, value) {
    if (document.activeElement === input && S.toNumber(input.value) === Number(value)) return;
    if (input.value !== String(value)) input.value = String(value);
  }

  function syncControls() {
    for (const radio of document.querySelectorAll("input[name=input]")) radio.checked = radio.value === panel();
    for (const name of ["digit", "draw", "upload"]) $(`source-${name}`).hidden = panel() !== name;
    $("digit-class").value = String(state.digit % 10);
    $("digit-sample").value = String(Math.floor(state.digit / 10) + 1);
    setValue($("upload-size"), state.size);
    $("background").value = state.background;
    $("channels").value = state.channels;
    $("separate").checked = state.separate;
    $("axis-hint").hidden = !state.separate;
    for (const name of PAIRS) {
      const [h, w] = pairShown(name);
      setValue($(name), h);
      setValue($(`${name}-w`), w);
      for (const el of [$(`${name}-w`), document.querySelector(`label[for=${name}-w]`)]) el.hidden = !state.separate;
    }
    $("padding-rule").value = typeof state.padding === "string" ? state.padding : "numbers";
    $("padding-mode").value = state.paddingMode;
    $("filters").value = String(state.filters);
    syncEditors();
    updatePlayer();
  }

  // A pair's boxes; padding given as "same" or "valid" shows the padding the
  // last result worked out.
  function pairShown(name) {
    const pair = state[name];
    if (typeof pair !== "string") return pair;
    return scene && !scene.error ? [scene.pads[0][0], scene.pads[1][0]] : [0, 0];
  }

  // What a new result changes among the controls: only the padding boxes
  // (the rest already follows the state, set when it changed).
  function syncPadding() {
    if (typeof state.padding !== "string") return;
    const [h, w] = pairShown("padding");
    setValue($("padding"), h);
    setValue($("padding-w"), w);
  }

  let uiPanel = null; // the source panel shown (upload can be open before a file is chosen)
  function panel() {
    return uiPanel || state.input;
  }

  // A control changed the state: record it in the history and recompute,
  // unless nothing that matters changed (a "change" event after "input").
  // The request goes to the worker first: writing the history costs the main
  // thread several milliseconds, which then overlap with Python's work.
  function changed(control, final) {
    stop(false);
    if (stateKey() !== requestedKey) requestCompute();
    commit(control, final);
  }

  function pairFromInputs(name) {
    const [lo, hi] = S.LIMITS[name];
    const read = (input, fallback) => {
      const n = S.toNumber(input.value);
      if (!Number.isFinite(n)) return null;
      const v = Math.min(hi, Math.max(lo, Math.round(n)));
      return Number.isFinite(v) ? v : fallback;
    };
    const h = read($(name), null);
    if (h === null) return null;
    const w = state.separate ? read($(`${name}-w`), h) : h;
    return w === null ? null : [h, w];
  }

  function onPairInput(name, control, final) {
    const pair = pairFromInputs(name);
    if (!pair) return; // mid-typing ("" or "-"): wait for a number
    if (name === "padding" && typeof state.padding === "string") {
      // typing a number leaves "same"/"valid"
    }
    const old = state.kernel.slice();
    state[name] = pair;
    if (name === "kernel") state.weights = S.resizeWeights(state, old);
    if (final) {
      // show the clamped value (typing 99 becomes 20)
      setValue($(name), pair[0]);
      if (state.separate) setValue($(`${name}-w`), pair[1]);
    }
    syncEditors();
    changed(control, final);
  }

  function bindControls() {
    $("controls").addEventListener("submit", (e) => e.preventDefault());
    for (const name of PAIRS) {
      for (const id of [name, `${name}-w`]) {
        const input = $(id);
        input.addEventListener("input", () => onPairInput(name, id, false));
        input.addEventListener("change", () => {
          onPairInput(name, id, true);
          gesture = null;
        });
      }
    }
    $("separate").addEventListener("change", () => {
      state.separate = $("separate").checked;
      if (!state.separate) {
        const old = state.kernel.slice();
        for (const name of PAIRS) if (typeof state[name] !== "string") state[name] = [state[name][0], state[name][0]];
        state.weights = S.resizeWeights(state, old);
      }
      syncControls();
      changed("separate", true);
    });
    $("padding-rule").addEventListener("change", () => {
      const rule = $("padding-rule").value;
      state.padding = rule === "numbers" ? pairFromInputs("padding") || [0, 0] : rule;
      changed("padding-rule", true);
    });
    $("padding-mode").addEventListener("change", () => {
      state.paddingMode = $("padding-mode").value;
      changed("padding-mode", true);
    });
    $("channels").addEventListener("change", () => {
      state.channels = $("channels").value === "rgb" ? "rgb" : "gray";
      changed("channels", true);
    });
    $("filters").addEventListener("change", () => {
      state.filters = Math.min(3, Math.max(1, Number($("filters").value) || 1));
      syncEditors();
      changed("filters", true);
    });
    for (const radio of document.querySelectorAll("input[name=input]")) {
      radio.addEventListener("change", () => {
        if (!radio.checked) return;
        selectSource(radio.value);
      });
    }
    const pickDigit = () => {
      state.digit = (Number($("digit-sample").value) - 1) * 10 + Number($("digit-class").value);
      changed("digit", true);
    };
    $("digit-class").addEventListener("change", pickDigit);
    $("digit-sample").addEventListener("change", pickDigit);
    $("random-digit").addEventListener("click", () => {
      let next = state.digit;
      while (next === state.digit) next = Math.floor(Math.random() * 120);
      state.digit = next;
      state.input = "digit";
      uiPanel = null;
      syncControls();
      changed("digit", true);
    });
    $("draw-clear").addEventListener("click", () => {
      state.pixels = new Array(I.SIDE * I.SIDE).fill(0);
      drawingChanged(true);
    });
    $("draw-from-digit").addEventListener("click", async () => {
      const token = begin("digits");
      try {
        await I.loadDigits();
      } catch (err) {
        // levelsFromDigit gives a blank drawing without them
      }
      state.pixels = I.levelsFromDigit(state.digit);
      drawingChanged(true);
      end(token);
    });
    $("upload").addEventListener("change", () => {
      const file = $("upload").files[0];
      if (file) loadUpload(file, "upload");
    });
    $("upload-size").addEventListener("change", () => {
      const n = S.toNumber($("upload-size").value);
      const [lo, hi] = S.LIMITS.size;
      const size = Number.isFinite(n) ? Math.min(hi, Math.max(lo, Math.round(n))) : state.size;
      $("upload-size").value = String(size);
      if (size === state.size) return;
      state.size = size;
      if (uploaded) loadUpload(uploaded.file, "upload-size");
    });
    $("background").addEventListener("change", () => {
      state.background = $("background").value === "white" ? "white" : "black";
      changed("background", true);
    });
    $("speed").addEventListener("input", () => {
      state.speed = Number($("speed").value);
      updatePlayer();
      writeHash("replace");
    });
    $("scrub").addEventListener("input", () => {
      stop(false);
      setStep(Number($("scrub").value), "scrub");
    });
    $("play").addEventListener("click", () => (view.playing ? pause() : play()));
    $("step-first").addEventListener("click", () => jump(0));
    $("step-back").addEventListener("click", () => jump(view.step - 1));
    $("step-forward").addEventListener("click", () => jump(view.step + 1));
    $("step-last").addEventListener("click", () => jump(Infinity));
    $("notice-close").addEventListener("click", () => showNotices([]));
    $("copy-code").addEventListener("click", () => copyText($("pytorch-code").textContent, "Code copied."));
    $("copy-link").addEventListener("click", () => copyText(location.href, "Link copied."));
    $("save-png").addEventListener("click", savePng);
  }

  function pause() {
    stop(true);
    announce(`Paused. ${stepText()}`);
  }

  function jump(step) {
    stop(false);
    if (scene && scene.outSize) setStep(step === Infinity ? scene.steps - 1 : step, "step");
  }

  function selectSource(name) {
    uiPanel = name;
    if (name === "upload") {
      syncControls();
      if (uploaded) {
        uiPanel = null;
        state.input = "upload";
        changed("input", true);
      }
      return;
    }
    uiPanel = null;
    state.input = name;
    if (name === "draw" && !state.pixels) state.pixels = new Array(I.SIDE * I.SIDE).fill(0);
    syncControls();
    changed("input", true);
  }

  // -------------------------------------------------------------- weights UI

  let editorShape = "";
  let editorValues = ""; // the weights and biases the editors show ("" = unknown)
  function syncEditors() {
    const box = $("filter-editors");
    const [kh, kw] = state.kernel;
    const shape = `${state.filters}:${kh}x${kw}`;
    if (shape !== editorShape) {
      editorShape = shape;
      editorValues = "";
      box.replaceChildren();
      for (let f = 0; f < state.filters; f++) box.appendChild(buildEditor(f, kh, kw));
    }
    // Most changes (stride, padding, digit, a result arriving) leave the
    // weights alone: then the editors already show them.
    const weights = [];
    for (let f = 0; f < state.filters; f++) weights.push(S.weightsOf(state, f));
    const values = JSON.stringify([weights, state.bias.slice(0, state.filters)]);
    if (values === editorValues) return;
    editorValues = values;
    for (let f = 0; f < state.filters; f++) {
      const values = S.weightsOf(state, f);
      const suffix = f === 0 ? "" : `-f${f}`;
      box.querySelectorAll(`[data-filter="${f}"] input.weight`).forEach((input, i) => setValue(input, values[i]));
      setValue(box.querySelector(`[data-testid=bias${suffix}]`), state.bias[f]);
      box.querySelector(`[data-testid=preset${suffix}]`).value = presetName(values, kh, kw);
    }
  }

  function presetName(values, kh, kw) {
    for (const name of Object.keys(S.PRESETS)) {
      const p = S.presetKernel(name, kh, kw);
      if (p.kernel[0] === kh && p.kernel[1] === kw && p.weights.every((v, i) => v === values[i])) return name;
    }
    return "custom";
  }

  function buildEditor(f, kh, kw) {
    const suffix = f === 0 ? "" : `-f${f}`;
    const fs = T.el("fieldset", null, { class: "filter", "data-filter": String(f) });
    fs.appendChild(T.el("legend", `Filter ${f + 1}`));
    const presetRow = T.el("div", null, { class: "field" });
    presetRow.appendChild(T.el("label", "Preset", { for: `preset-${f}` }));
    const select = T.el("select", null, { id: `preset-${f}`, "data-testid": `preset${suffix}` });
    select.appendChild(T.el("option", "custom", { value: "custom" }));
    for (const [name, [label, values]] of Object.entries(S.PRESETS)) {
      const fixed = typeof values !== "function" && (kh !== 3 || kw !== 3);
      select.appendChild(T.el("option", fixed ? `${label} (3 × 3)` : label, { value: name }));
    }
    select.addEventListener("change", () => {
      editorValues = "";
      applyPreset(f, select.value);
    });
    presetRow.appendChild(select);
    fs.appendChild(presetRow);
    const grid = T.el("div", null, { class: "weight-grid", role: "group", "aria-label": `Filter ${f + 1} weights, ${kh} rows of ${kw}` });
    grid.style.gridTemplateColumns = `repeat(${kw}, minmax(2.6em, 1fr))`;
    for (let r = 0; r < kh; r++) {
      for (let c = 0; c < kw; c++) {
        const input = T.el("input", null, {
          type: "text",
          inputmode: "decimal",
          class: "weight",
          "data-testid": f === 0 ? `weight-${r}-${c}` : `weight-f${f}-${r}-${c}`,
          "aria-label": `Filter ${f + 1} weight, row ${r}, column ${c}`,
          autocomplete: "off",
          spellcheck: "false",
        });
        input.addEventListener("input", () => onWeight(f, r * kw + c, input, false));
        input.addEventListener("change", () => onWeight(f, r * kw + c, input, true));
        input.addEventListener("keydown", (e) => weightKeys(e, f, r, c, kh, kw));
        grid.appendChild(input);
      }
    }
    fs.appendChild(grid);
    const biasRow = T.el("div", null, { class: "field" });
    biasRow.appendChild(T.el("label", "Bias", { for: `bias-${f}` }));
    const bias = T.el("input", null, { id: `bias-${f}`, type: "text", inputmode: "decimal", "data-testid": `bias${suffix}`, class: "bias", autocomplete: "off" });
    bias.addEventListener("input", () => onBias(f, bias, false));
    bias.addEventListener("change", () => onBias(f, bias, true));
    biasRow.appendChild(bias);
    fs.appendChild(biasRow);
    return fs;
  }

  // Arrow keys move between weights; up/down with Alt change the value by 1.
  function weightKeys(event, f, r, c, kh, kw) {
    const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    const move = moves[event.key];
    if (!move || event.altKey || event.shiftKey || event.ctrlKey || event.metaKey) return;
    const input = event.target;
    if ((event.key === "ArrowLeft" && input.selectionStart > 0) || (event.key === "ArrowRight" && input.selectionEnd < input.value.length)) return;
    const nr = r + move[0];
    const nc = c + move[1];
    if (nr < 0 || nc < 0 || nr >= kh || nc >= kw) return;
    event.preventDefault();
    const id = f === 0 ? `weight-${nr}-${nc}` : `weight-f${f}-${nr}-${nc}`;
    const next = document.querySelector(`[data-testid="${id}"]`);
    next.focus();
    next.select();
  }

  function readNumber(input, final) {
    const n = S.toNumber(input.value);
    const ok = Number.isFinite(n);
    input.setAttribute("aria-invalid", String(!ok && final));
    if (!ok) return null;
    const v = Math.max(-S.WEIGHT_LIMIT, Math.min(S.WEIGHT_LIMIT, n));
    if (final && v !== n) input.value = String(v);
    return v === 0 ? 0 : v;
  }

  function onWeight(f, index, input, final) {
    editorValues = ""; // the input may now hold text the state does not
    const v = readNumber(input, final);
    if (v === null) return;
    const [kh, kw] = state.kernel;
    const all = [];
    for (let g = 0; g < 3; g++) all.push(S.weightsOf(state, g).slice());
    all[f][index] = v;
    state.weights = S.normaliseWeights(all, kh, kw);
    const suffix = f === 0 ? "" : `-f${f}`;
    $("filter-editors").querySelector(`[data-testid=preset${suffix}]`).value = presetName(all[f], kh, kw);
    changed(`weight-${f}-${index}`, final);
    if (final) gesture = null;
  }

  function onBias(f, input, final) {
    editorValues = "";
    const v = readNumber(input, final);
    if (v === null) return;
    state.bias[f] = v;
    changed(`bias-${f}`, final);
    if (final) gesture = null;
  }

  function applyPreset(f, name) {
    if (name === "custom") return;
    const [kh, kw] = state.kernel;
    const preset = S.presetKernel(name, kh, kw);
    const old = state.kernel.slice();
    if (preset.kernel[0] !== kh || preset.kernel[1] !== kw) {
      state.kernel = preset.kernel.slice();
      state.weights = S.resizeWeights(state, old);
    }
    const all = [];
    for (let g = 0; g < 3; g++) all.push(S.weightsOf(state, g).slice());
    all[f] = preset.weights;
    state.weights = S.normaliseWeights(all, state.kernel[0], state.kernel[1]);
    syncControls();
    changed(`preset-${f}`, true);
  }

  function applyFix(fix) {
    const value = fix.value;
    if (fix.parameter === "padding_mode") state.paddingMode = value;
    else {
      const old = state.kernel.slice();
      state[fix.parameter] = value.slice();
      if (value[0] !== value[1]) state.separate = true;
      if (fix.parameter === "kernel") state.weights = S.resizeWeights(state, old);
    }
    syncControls();
    changed("fix", true);
  }

  // ----------------------------------------------------------------- drawing

  let stroke = null;
  function drawingChanged(final) {
    state.input = "draw";
    uiPanel = null;
    if (scene && !scene.error && state.channels) {
      // show the new pixels at once; Python's values replace them in a moment
      const values = I.levelValues(state.pixels);
      const plane = values.length;
      if (scene.input.length === plane * scene.channels && scene.inSize[0] === I.SIDE && scene.inSize[1] === I.SIDE) {
        for (let ch = 0; ch < scene.channels; ch++) scene.input.set(values, ch * plane);
        scene.base = scene.base0 = scene.base1 = scene.base2 = null;
        draw();
      }
    }
    if (final) changed("draw", true);
    else {
      stop(false);
      requestCompute();
    }
  }

  function inputPixelAt(event) {
    if (!scene) return null;
    const [Hp, Wp] = scene.padded;
    const at = R.cellAt($("input-canvas"), event, Wp, Hp);
    if (!at) return null;
    return { padded: at, pixel: [at[0] - scene.pads[0][0], at[1] - scene.pads[1][0]] };
  }

  function brush() {
    const checked = document.querySelector("input[name=brush]:checked");
    return checked ? checked.value : "pen";
  }

  function bindInputCanvas() {
    const canvas = $("input-canvas");
    canvas.addEventListener("pointerdown", (event) => {
      if (state.input !== "draw" || !scene) return;
      const at = inputPixelAt(event);
      if (!at) return;
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      stroke = at.pixel;
      const levels = state.pixels.slice();
      if (I.paint(levels, at.pixel[0], at.pixel[1], brush())) {
        state.pixels = levels;
        drawingChanged(false);
      }
    });
    canvas.addEventListener("pointermove", (event) => {
      const at = inputPixelAt(event);
      if (stroke && at) {
        const levels = state.pixels.slice();
        let any = false;
        for (const [i, j] of I.line(stroke, at.pixel)) any = I.paint(levels, i, j, brush()) || any;
        stroke = at.pixel;
        if (any) {
          state.pixels = levels;
          drawingChanged(false);
        }
        return;
      }
      probeInput(at ? sourcePixel(at.padded) : null);
    });
    const endStroke = () => {
      if (!stroke) return;
      stroke = null;
      commit("draw", true);
    };
    canvas.addEventListener("pointerup", endStroke);
    canvas.addEventListener("pointercancel", endStroke);
    canvas.addEventListener("pointerleave", () => {
      if (!stroke) probeInput(null);
    });
    canvas.addEventListener("keydown", (event) => {
      if (!scene) return;
      const [H, W] = scene.inSize;
      const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
      const cur = view.cursorIn || [0, 0];
      if (moves[event.key]) {
        event.preventDefault();
        const next = [Math.max(0, Math.min(H - 1, cur[0] + moves[event.key][0])), Math.max(0, Math.min(W - 1, cur[1] + moves[event.key][1]))];
        view.cursorIn = next;
        probeInput(next);
      } else if (state.input === "draw" && (event.key === " " || event.key === "Enter" || event.key === "Delete" || event.key === "Backspace")) {
        event.preventDefault();
        view.cursorIn = cur;
        const levels = state.pixels.slice();
        const tool = event.key === "Delete" || event.key === "Backspace" ? "eraser" : brush();
        if (I.paint(levels, cur[0], cur[1], tool)) {
          state.pixels = levels;
          drawingChanged(true);
        }
      } else if (event.key === "Escape") {
        view.cursorIn = null;
        probeInput(null);
      }
    });
    canvas.addEventListener("focus", () => {
      if (!view.cursorIn && scene) view.cursorIn = [0, 0];
      probeInput(view.cursorIn);
    });
    canvas.addEventListener("blur", () => {
      view.cursorIn = null;
      probeInput(null);
    });
  }

  // The input pixel a padded cell shows (reflect/replicate/circular copy real pixels).
  function sourcePixel(padded) {
    const i = scene.rowMap[padded[0]];
    const j = scene.colMap[padded[1]];
    return i >= 0 && j >= 0 ? [i, j] : null;
  }

  function probeInput(pixel) {
    view.probeIn = pixel;
    view.probeOut = null;
    draw();
    if (!pixel) {
      probeText("");
      return;
    }
    const [i, j] = pixel;
    const [H, W] = scene.inSize;
    const value = scene.input[i * W + j];
    const rows = scene.rowUsers[i] || [];
    const cols = scene.colUsers[j] || [];
    const count = scene.outSize ? rows.length * cols.length : 0;
    probeText(
      `Input row ${i}, column ${j} = ${String(value)}` +
        (scene.channels === 3 ? " (red channel)" : "") +
        (count ? `: read by ${count} output value${count > 1 ? "s" : ""} (highlighted).` : ": no window reads this pixel."),
    );
    if (H === 0) return;
  }

  function probeText(text) {
    $("probe").textContent =
      text ||
      "Point at (or focus and use the arrow keys on) an output cell to see the window it came from, or an input pixel to see every output that read it.";
  }

  function bindOutputCanvas(canvas, filter) {
    const at = (event) => (scene && scene.outSize ? R.cellAt(canvas, event, scene.outSize[1], scene.outSize[0]) : null);
    canvas.addEventListener("pointermove", (event) => probeOutput(at(event), filter));
    canvas.addEventListener("pointerleave", () => probeOutput(null, filter));
    canvas.addEventListener("click", (event) => {
      const cellAt = at(event);
      if (cellAt) jump(cellAt[0] * scene.outSize[1] + cellAt[1]);
    });
    canvas.addEventListener("keydown", (event) => {
      if (!scene || !scene.outSize) return;
      const [Ho, Wo] = scene.outSize;
      const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
      const cur = view.cursorOut || positionOf(view.step);
      if (moves[event.key]) {
        event.preventDefault();
        view.cursorOut = [Math.max(0, Math.min(Ho - 1, cur[0] + moves[event.key][0])), Math.max(0, Math.min(Wo - 1, cur[1] + moves[event.key][1]))];
        probeOutput(view.cursorOut, filter);
      } else if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        jump(cur[0] * Wo + cur[1]);
      } else if (event.key === "Escape") {
        view.cursorOut = null;
        probeOutput(null, filter);
      }
    });
    canvas.addEventListener("focus", () => {
      if (!scene || !scene.outSize) return;
      view.cursorOut = view.cursorOut || positionOf(view.step);
      probeOutput(view.cursorOut, filter);
    });
    canvas.addEventListener("blur", () => {
      view.cursorOut = null;
      probeOutput(null, filter);
    });
  }

  function probeOutput(position, filter) {
    view.probeOut = position;
    view.probeIn = null;
    view.filter = filter;
    draw();
    if (!position) {
      probeText("");
      return;
    }
    const [r, q] = position;
    const [Ho, Wo] = scene.outSize;
    const value = scene.output[filter * Ho * Wo + r * Wo + q];
    const rows = scene.rowTaps[r];
    const cols = scene.colTaps[q];
    probeText(
      `Output row ${r}, column ${q}${scene.filters > 1 ? ` of filter ${filter + 1}` : ""} = ${String(value)}: ` +
        `its window reads padded rows ${rows[0]}–${rows[rows.length - 1]}, columns ${cols[0]}–${cols[cols.length - 1]} (highlighted). Press Enter to step there.`,
    );
  }

  // ------------------------------------------------------------------ uploads

  async function loadUpload(file, control) {
    const token = begin("upload");
    showComputing(true);
    try {
      const image = await I.decode(file, state.size);
      uploaded = Object.assign({ file }, image);
      uploadCount++;
      transparencyNoted = "";
      state.input = "upload";
      uiPanel = null;
      showNotices([
        image.original[0] > state.size || image.original[1] > state.size
          ? `${image.name} (${image.original[1]} × ${image.original[0]}) was scaled down to ${image.width} × ${image.height}.`
          : `${image.name} was scaled to ${image.width} × ${image.height}.`,
      ]);
      syncControls();
      changed(control, true);
    } catch (err) {
      showNotices([`${err.message} The previous input is kept.`]);
      if (uploaded) state.size = uploaded.height === state.size || uploaded.width === state.size ? state.size : Math.max(uploaded.height, uploaded.width);
      syncControls();
    } finally {
      $("upload").value = "";
      showComputing(computeRunning);
      end(token);
    }
  }

  // ---------------------------------------------------------- take it away

  async function copyText(text, done) {
    const status = $("copy-status");
    try {
      await navigator.clipboard.writeText(text);
      status.textContent = done;
    } catch (err) {
      const area = T.el("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      const ok = document.execCommand && document.execCommand("copy");
      area.remove();
      status.textContent = ok ? done : "Copying is blocked here: select the text and copy it yourself.";
    }
  }

  async function savePng() {
    if (!scene || !scene.outSize) return;
    const blob = await R.outputPng(scene, 0);
    const url = URL.createObjectURL(blob);
    const link = T.el("a", null, { href: url, download: `convcore-output-${scene.outSize[0]}x${scene.outSize[1]}.png` });
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    $("copy-status").textContent = "Output saved as PNG.";
  }

  // -------------------------------------------------------------------- start

  function start() {
    const prerender = JSON.parse($("demo-prerender").textContent);
    const token = begin("start");
    bindControls();
    bindInputCanvas();
    bindOutputCanvas($("output-canvas-0"), 0);
    applyStatic(prerender);
    applyHash(location.hash.replace(/^#/, ""), true);
    window.addEventListener("hashchange", onHashChange);
    window.addEventListener("popstate", onHashChange);
    // The observer hands over the stage's width, so drawing never forces a
    // layout. Its first call comes in the first frame, after layout: the first
    // drawing then runs as a task of its own right after that frame (inside
    // it, on a busy machine, frame and drawing made one 60-90 ms task), and
    // shows in the next frame. Later width changes are drawn in the next frame.
    let resizeFrame = 0;
    let firstDraw = token;
    new ResizeObserver((entries) => {
      const width = Math.round(entries[entries.length - 1].contentRect.width);
      // The layout depends on the width alone: a new result that only makes
      // the stage taller (bigger canvases) is already drawn.
      if (width === stageWidth && !firstDraw) return;
      stageWidth = width;
      cancelAnimationFrame(resizeFrame);
      if (firstDraw) {
        const drawn = firstDraw;
        firstDraw = null;
        T.nextTask(() => {
          layoutAndDraw();
          end(drawn);
        });
        return;
      }
      resizeFrame = requestAnimationFrame(layoutAndDraw);
    }).observe(document.querySelector(".canvases"));
    const autoplayWanted = !/(^|[#&])step=/.test(location.hash) && !reducedMotion.matches;
    engine.subscribe((e) => {
      if (e.state === "python" && !pythonSeen) {
        pythonSeen = true;
        autoplayPending = autoplayWanted;
        // Prime the worker with this state (it holds the trace that steps read).
        requestCompute();
        // The digits (230 KB of script) are only needed for another digit:
        // read while the worker computes, not while it starts Python.
        setTimeout(() => I.loadDigits().catch(() => {}), 0);
      }
    });
  }

  // A task of its own: the parser's last task also runs the DOMContentLoaded
  // work (the browser's own form scan lays the page out), and both together
  // came near the 50 ms of a long task on a busy machine.
  T.nextTask(start);
})();
