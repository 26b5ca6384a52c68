// Showing what Python answered: a result becomes live.scene (its arrays as
// Float64Array, camelCase names), then the messages (output shape, formula,
// whether the window fits, fixes, the PyTorch code), the canvases, the
// arithmetic of the current window, the player and the value tables; a failure
// becomes a notice. Owns live.scene and the settings it was computed for: when
// Python cannot start, "ready" means settled, the view stays as it was,
// [data-testid=shown-settings] says which settings it shows and the notice
// says why the new ones could not be computed. May call demo-tables.js,
// demo-stage.js (layoutAndDraw), demo-slide.js (player, step text),
// demo-controls.js (sync, applyFix), demo-history.js (writeHash),
// demo-source.js (transparency note) and demo-status.js.
(function () {
  "use strict";

  const D = window.ConvDemo;
  const { tables: T, live } = D;
  const { setText } = T;
  const engine = window.convcoreEngine;
  const $ = (id) => document.getElementById(id);
  const CHANNEL_NAMES = ["red", "green", "blue"];

  // The scene of a result, which stays as it came: it may be shown again
  // (demo-ahead.js keeps it), and a drawing paints on the scene's input.
  function toScene(result) {
    const s = Object.assign({}, result);
    s.input = Float64Array.from(result.input);
    if (result.output && !(result.output instanceof Float64Array)) s.output = Float64Array.from(result.output);
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
    s.kernel = live.state.kernel.slice();
    // the windows' arithmetic, in blocks (demo-compute.js), kept with the
    // result for the next time it is shown
    if (!result.blocks) result.blocks = [];
    s.blocks = result.blocks;
    s.fetching = new Map();
    return s;
  }

  // The settings the pictures and tables were computed for. Whenever they
  // differ from the controls' (a computation failed), the page says so.
  let shown = { key: "", state: null, built: true };
  function markShown(state, built) {
    shown = { key: D.compute.stateKey(state), state: D.state.cloneState(state), built };
    showShownSettings();
  }

  function shownKey() {
    return shown.key;
  }

  function pairText(pair) {
    return pair[0] === pair[1] ? String(pair[0]) : `${pair[0]} × ${pair[1]}`;
  }

  function describe(s) {
    const input = s.input === "draw" ? "your drawing" : s.input === "upload" ? "your image" : `MNIST digit ${s.digit}`;
    const padding = typeof s.padding === "string" ? `"${s.padding}"` : pairText(s.padding);
    const channels = s.channels === "rgb" ? "3 channels" : "1 channel";
    return `${input} (${channels}), ${s.filters} filter${s.filters > 1 ? "s" : ""} of ${s.kernel[0]} × ${s.kernel[1]}, stride ${pairText(s.stride)}, padding ${padding} (${s.paddingMode}), dilation ${pairText(s.dilation)}`;
  }

  function showShownSettings() {
    const box = $("shown-settings");
    const differs = shown.state !== null && shown.key !== D.compute.stateKey();
    T.setHidden(box, !differs);
    setText(box, differs
      ? `The pictures and tables show ${describe(shown.state)}${shown.built ? ", computed when the site was built" : ""}; not the settings above.`
      : "",
    );
  }

  function currentStep() {
    const { scene, state } = live;
    if (!scene || !scene.steps) return 0;
    return state.step === null ? scene.steps - 1 : Math.min(state.step, scene.steps - 1);
  }

  // The pre-rendered result: the build already wrote its messages, arithmetic,
  // player and tables into the HTML, so only the scene is set up here and the
  // canvases are drawn once the layout is known (see demo-stage.js observe).
  function applyStatic(result) {
    const scene = (live.scene = toScene(result));
    const built = D.state.parseHash(result.hash).state;
    shown = { key: D.compute.stateKey(built), state: built, built: true };
    live.view.step = currentStep();
    shownFormula = scene.formula.join("\n");
    shownFixes = JSON.stringify(scene.fixes);
    document.querySelectorAll("#fixes [data-testid=fix]").forEach((button, i) => {
      const fix = scene.fixes[i];
      if (fix) button.addEventListener("click", () => D.controls.applyFix(fix));
    });
    const [H, W] = scene.inSize;
    D.input.knowDigit(D.state.DEFAULTS.digit, scene.input); // the build shows the default state
    T.adoptValues($("input-values"), scene.input, 0, H, W);
    if (scene.outSize) T.adoptValues($("output-values"), scene.output, 0, scene.outSize[0], scene.outSize[1]);
  }

  // Show a result: canvases, messages, code, then the tables (maybe over frames).
  function applyResult(result) {
    const state = live.state;
    const view = live.view;
    const scene = (live.scene = toScene(result));
    markShown(state, false);
    if (state.step !== null && scene.steps && state.step > scene.steps - 1) {
      D.status.showNotices([`step=${state.step}: these settings have ${scene.steps} windows, so the last one is shown.`], true);
      state.step = null;
      D.history.writeHash("replace");
    }
    view.step = currentStep();
    view.probeOut = null;
    view.probeIn = null;
    view.cursorOut = null;
    // a result computed ahead, or shown before, for another step
    if (scene.window && scene.window.step !== view.step) scene.window = D.compute.windowAt(view.step);
    renderMessages(scene);
    D.stage.layoutAndDraw();
    if (scene.window || !scene.outSize) renderWindow(scene.window);
    else D.compute.fetchWindow(view.step);
    D.slide.updatePlayer();
    fillTables(scene);
    if (!view.playing) D.status.announce(scene.outSize ? D.slide.stepText() : "No output for these settings.");
    D.source.noteTransparency(scene);
    // Last, the controls that waited for this result: a value written into
    // the focused box lays the page out at once (its caret moves), so after
    // everything else that is the frame's one layout (see stepPair).
    if (!D.controls.syncControlsIfWaiting()) D.controls.syncPadding();
  }

  function applyFailure(error) {
    D.controls.syncControlsIfWaiting();
    showShownSettings();
    // Back at the settings on show: nothing is missing.
    if (shown.key === D.compute.stateKey()) return;
    const message = error && error.message ? error.message : String(error);
    if (engine.state === "error") {
      D.status.showNotices([`These settings could not be computed: ${message.split("\n")[0]}`]);
    } else {
      const lines = message.trim().split("\n");
      D.status.showNotices([`Python reported a problem: ${lines[lines.length - 1]}`]);
    }
  }

  function fillTables(scene) {
    const token = D.status.begin("tables");
    const [H, W] = scene.inSize;
    const inputCaption = `Input values${scene.channels === 3 ? " (red channel)" : ""}, ${H} × ${W}`;
    const jobs = [T.fillValues($("input-values"), inputCaption, scene.input, 0, H, W)];
    if (scene.outSize) {
      const [Ho, Wo] = scene.outSize;
      jobs.push(T.fillValues($("output-values"), `Output values (filter 1), ${Ho} × ${Wo}`, scene.output, 0, Ho, Wo));
    } else {
      T.clearValues($("output-values"), "Output values: no output for these settings");
    }
    Promise.all(jobs).then(() => D.status.end(token));
  }

  let shownFormula = "";
  let shownFixes = "";
  function renderMessages(scene) {
    setText($("output-shape"), scene.outSize ? `${scene.outSize[0]} × ${scene.outSize[1]}` : "no output");
    setText($("in-shape"), `${scene.inSize[0]} × ${scene.inSize[1]}${scene.channels === 3 ? " × 3 channels" : ""}`);
    const formula = $("formula");
    if (scene.formula.join("\n") !== shownFormula) {
      shownFormula = scene.formula.join("\n");
      formula.replaceChildren(...scene.formula.map((line) => T.el("span", line)));
    }
    T.setHidden(formula, scene.formula.length === 0);
    setText($("fit-text"), scene.fit_text);
    $("fit").classList.toggle("fits", Boolean(scene.fits));
    const fixes = $("fixes");
    if (JSON.stringify(scene.fixes) !== shownFixes) {
      shownFixes = JSON.stringify(scene.fixes);
      fixes.replaceChildren();
      for (const fix of scene.fixes) {
        const button = T.el("button", fix.text, { type: "button", "data-testid": "fix", "aria-label": `Apply: ${fix.text}` });
        button.addEventListener("click", () => D.controls.applyFix(fix));
        fixes.appendChild(T.el("li")).appendChild(button);
      }
    }
    const noOutput = $("no-output");
    if (scene.error) {
      D.status.showNotices([`PyTorch refuses these settings: ${scene.error}`], true);
      setText(noOutput, `No output. ${scene.error}`);
    } else if (!scene.outSize) {
      setText(noOutput, scene.fit_text);
    }
    T.setHidden(noOutput, Boolean(scene.outSize));
    setText($("pytorch-code"), scene.code);
    $("save-png").disabled = !scene.outSize;
  }

  function renderWindow(win) {
    const table = $("arithmetic");
    if (!win || !live.scene.outSize) {
      T.clearArithmetic(table, "No window: these settings give no output.");
      return;
    }
    const channels = live.scene.channels;
    T.fillArithmetic(table, win, { blocks: channels, kernel: live.scene.kernel, blockName: (ch) => `${CHANNEL_NAMES[ch]} channel` });
  }

  D.result = { applyStatic, applyResult, applyFailure, renderWindow, shownKey };
})();
