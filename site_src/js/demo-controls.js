// The settings form: the four pairs (kernel, stride, padding, dilation, one
// number or height and width, each a number box and a slider), the padding
// rule and mode, channels, filters, and the fixes the fit message offers. A
// control writes live.state and calls changed (recompute, then record in the
// history); syncControls makes every control show live.state, and after a
// hash change waits briefly to do it with the result. Owns that wait. May
// call demo-state.js, demo-slide.js (stop), demo-compute.js
// (requestIfChanged), demo-history.js (commit), demo-weights.js
// (syncEditors), demo-source.js (panel) and demo-ahead.js (plan, once a
// drag ends). Owns the slider being dragged, and the way it moves, and the
// arrow keys on every closed menu of the demo (stepMenu).
(function () {
  "use strict";

  const D = window.ConvDemo;
  const { state: S, tables: T, live } = D;
  const $ = (id) => document.getElementById(id);
  const PAIRS = ["kernel", "stride", "padding", "dilation"];

  // A box, slider or menu shows `value`; written only when it differs (a
  // menu's option chosen again is work for the browser all the same), and
  // never over a focused box that already holds that number as typed.
  function setValue(input, value) {
    if (document.activeElement === input && S.toNumber(input.value) === Number(value)) return;
    if (input.value !== String(value)) input.value = String(value);
  }

  // A pair's two boxes and their sliders show height h and width w (a slider
  // stops at its ends: "same" padding can be more than its maximum, which
  // the box then shows).
  function showPair(name, h, w) {
    setValue($(`${name}-slider`), h);
    setValue($(`${name}-w-slider`), w);
    setValue($(name), h);
    setValue($(`${name}-w`), w);
  }

  function syncControls() {
    const state = live.state;
    const panel = D.source.panel();
    for (const radio of document.querySelectorAll("input[name=input]")) radio.checked = radio.value === panel;
    for (const name of ["digit", "draw", "upload"]) T.setHidden($(`source-${name}`), panel !== name);
    setValue($("digit-class"), String(state.digit % 10));
    setValue($("digit-sample"), String(Math.floor(state.digit / 10) + 1));
    setValue($("upload-size"), state.size);
    setValue($("background"), state.background);
    setValue($("channels"), state.channels);
    $("separate").checked = state.separate;
    T.setHidden($("axis-hint"), !state.separate);
    for (const name of PAIRS) {
      const [h, w] = pairShown(name);
      showPair(name, h, w);
      for (const el of [$(`${name}-w`), $(`${name}-w-slider`), document.querySelector(`label[for=${name}-w]`)]) T.setHidden(el, !state.separate);
    }
    setValue($("padding-rule"), typeof state.padding === "string" ? state.padding : "numbers");
    setValue($("padding-mode"), state.paddingMode);
    setValue($("filters"), String(state.filters));
    D.weights.syncEditors();
    D.slide.updatePlayer();
  }

  // After a hash change the controls are updated together with its result,
  // so the browser renders one frame for both instead of rendering the
  // controls first while the result waits; if no result comes soon (Python
  // still starting, or slow), they are updated on their own.
  let controlsTimer = 0;
  let syncWithResult = null;
  function syncControlsWithResult(sync) {
    clearTimeout(controlsTimer);
    // a later change that needs every control wins over one that needs a box
    syncWithResult = syncWithResult === syncControls ? syncControls : sync || syncControls;
    controlsTimer = setTimeout(syncControlsNow, 100);
  }
  function syncControlsNow() {
    clearTimeout(controlsTimer);
    controlsTimer = 0;
    const sync = syncWithResult || syncControls;
    syncWithResult = null;
    sync();
  }
  // An answer came: the controls waiting for one follow now (true if any were).
  function syncControlsIfWaiting() {
    if (!controlsTimer) return false;
    syncControlsNow();
    return true;
  }

  // A pair's boxes; padding given as "same" or "valid" shows the padding the
  // last result worked out.
  function pairShown(name, state) {
    const pair = (state || live.state)[name];
    if (typeof pair !== "string") return pair;
    const scene = live.scene;
    return scene && !scene.error ? [scene.pads[0][0], scene.pads[1][0]] : [0, 0];
  }

  // What a new result changes among the controls: only the padding boxes
  // (the rest already follows the state, set when it changed).
  function syncPadding() {
    if (typeof live.state.padding !== "string") return;
    const [h, w] = pairShown("padding");
    showPair("padding", h, w);
  }

  // A control changed the state: record it in the history and recompute,
  // unless nothing that matters changed (a "change" event after "input").
  // The request goes to the worker first: writing the history costs the main
  // thread several milliseconds, which then overlap with Python's work.
  function changed(control, final) {
    D.slide.stop(false);
    D.compute.requestIfChanged();
    D.history.commit(control, final);
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
    const w = live.state.separate ? read($(`${name}-w`), h) : h;
    return w === null ? null : [h, w];
  }

  function onPairInput(name, control, final) {
    const pair = pairFromInputs(name);
    if (!pair) return; // mid-typing ("" or "-"): wait for a number
    setPair(live.state, name, pair);
    if (name === "padding") setValue($("padding-rule"), "numbers");
    if (final) {
      // show the clamped value (typing 99 becomes 20)
      setValue($(name), pair[0]);
      if (live.state.separate) setValue($(`${name}-w`), pair[1]);
    }
    // the sliders follow what was typed (the boxes follow a slider)
    if (!control.endsWith("-slider")) {
      setValue($(`${name}-slider`), pair[0]);
      setValue($(`${name}-w-slider`), pair[1]);
    }
    // the request first: the editors are rebuilt while Python computes
    changed(control, final);
    D.weights.syncEditors();
  }

  function setPair(state, name, pair) {
    const old = state.kernel.slice();
    state[name] = pair; // a number leaves padding "same"/"valid"
    if (name === "kernel") state.weights = S.resizeWeights(state, old);
  }

  // Which of a pair's values box `id` holds: 0 the height, 1 the width.
  function axisOf(state, id) {
    return state.separate && id.endsWith("-w") ? 1 : 0;
  }

  // The pair after ArrowUp (delta 1) or ArrowDown (-1) in box `id` of pair
  // `name`, or null when the key changes nothing (at a limit).
  function steppedPair(state, name, id, delta) {
    const shown = pairShown(name, state).slice();
    const axis = axisOf(state, id);
    const [lo, hi] = S.LIMITS[name];
    const value = Math.min(hi, Math.max(lo, shown[axis] + delta));
    if (value === shown[axis] && typeof state[name] !== "string") return null;
    shown[axis] = value;
    return state.separate ? shown : [value, value];
  }

  // ArrowUp/ArrowDown in a number box, or an arrow key on a slider: the
  // control shows its new value together with the result, in one frame, as
  // after a hash change. Stepped by the browser, the control changed at once
  // and the browser drew a frame for it then, so the result, a few ms later,
  // waited for the next frame. The controls wait for the result before the
  // request goes: a result Python computed ahead is shown at once, in this
  // task. `id` is the box the key steps (a slider steps its box's value),
  // `control` the element pressed.
  const STEP_KEYS = { ArrowUp: 1, ArrowDown: -1 };
  const SLIDER_KEYS = { ArrowUp: 1, ArrowRight: 1, ArrowDown: -1, ArrowLeft: -1 };
  function stepPair(event, name, id, control) {
    const delta = (control === id ? STEP_KEYS : SLIDER_KEYS)[event.key];
    if (!delta || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (!Number.isFinite(S.toNumber(event.target.value))) return; // the browser steps an empty box
    const pair = steppedPair(live.state, name, id, delta);
    if (pair && control !== id) {
      // A slider whose next result is at hand is left to the browser: its
      // "input" shows the result in this task, and the frame came sooner
      // than when stepped here (the same work, laid out after the frame's
      // callbacks: 5.2 against 7.4 ms to the frame, the frame's end alike).
      const next = S.cloneState(live.state);
      setPair(next, name, pair);
      if (D.compute.known(next)) return;
    }
    event.preventDefault();
    if (!pair) return;
    setPair(live.state, name, pair);
    if (D.compute.known()) {
      // The result first, then the focused box: a value written into it lays
      // the page out at once (its caret moves), and after the result that is
      // the frame's one layout; written first, it was a layout of its own
      // before the result's (0.3-0.8 ms more a press, same-run pairs). So
      // syncPair writes the boxes after the weight editors, too.
      changed(control, true);
      syncPair(name);
      return;
    }
    syncControlsWithResult(() => syncPair(name));
    changed(control, true);
  }

  // The states one ArrowUp or ArrowDown away in the focused number box or
  // slider (a slider's ArrowRight and ArrowLeft are the same steps), or
  // (`all`) in every number box (see demo-ahead.js).
  function nextStates(state, focused, all) {
    const boxes = [];
    for (const name of PAIRS) {
      for (const id of state.separate ? [name, `${name}-w`] : [name]) {
        if (all || (focused && (focused.id === id || focused.id === `${id}-slider`))) boxes.push([name, id]);
      }
    }
    const out = [];
    for (const [name, id] of boxes) {
      for (const delta of [1, -1]) {
        const pair = steppedPair(state, name, id, delta);
        if (!pair) continue;
        const next = S.cloneState(state);
        setPair(next, name, pair);
        out.push(next);
      }
    }
    return out;
  }

  // A slider being dragged: its pair, its box and the way it moved last (1
  // or -1), from its first "input" to its "change" or the pointer's release
  // (a drag back to where it began has no "change"). While it moves, the
  // states computed ahead are the next two that way (dragStates), and the
  // windows' arithmetic waits for the drag's end (demo-ahead.js).
  let drag = null;
  function followDrag(name, id, value) {
    const before = pairShown(name)[axisOf(live.state, id)];
    if (value !== before) drag = { name, id, delta: Math.sign(value - before) };
  }

  function endDrag() {
    if (!drag) return;
    drag = null;
    D.ahead.plan(); // the windows, and the states either side
  }

  function dragStates(state) {
    const out = [];
    let from = state;
    while (drag && out.length < 2) {
      const pair = steppedPair(from, drag.name, drag.id, drag.delta);
      if (!pair) break;
      from = S.cloneState(from);
      setPair(from, drag.name, pair);
      out.push(from);
    }
    return out;
  }

  // The two boxes of a pair (and the padding rule, left for numbers) and the
  // weight editors, which follow the kernel size.
  function syncPair(name) {
    const [h, w] = pairShown(name);
    setValue($("padding-rule"), typeof live.state.padding === "string" ? live.state.padding : "numbers");
    D.weights.syncEditors();
    showPair(name, h, w);
  }

  function applyFix(fix) {
    const state = live.state;
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

  // ArrowUp and ArrowDown on a closed menu of the demo choose the option
  // before or after, as the browser does (disabled ones skipped, no wrap at
  // the ends), but here, with the same "input" and "change" events sent from
  // script: Chromium's own step lays the page out twice inside the key's
  // task (once for the menu's new label, once after the "change" listeners),
  // before the frame; from here the frame's one layout comes after its
  // callbacks, as a slider's does. Left to the browser: any modifier (Alt
  // opens the list), a list already open, and macOS, where the arrows open
  // the list.
  const OPENS_ON_ARROWS = /Mac|iPhone|iPad|iPod/.test(navigator.platform || "");
  const isOpen = (menu) => {
    try {
      return menu.matches(":open"); // its list showing (where the browser knows ":open")
    } catch (err) {
      return false;
    }
  };
  function stepMenu(event) {
    const menu = event.target;
    if (!(menu instanceof HTMLSelectElement) || menu.multiple || menu.size > 1 || OPENS_ON_ARROWS || isOpen(menu)) return;
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const delta = { ArrowDown: 1, ArrowUp: -1 }[event.key];
    if (!delta) return;
    event.preventDefault();
    const options = menu.options;
    let i = menu.selectedIndex + delta;
    while (i >= 0 && i < options.length && (options[i].disabled || options[i].hidden)) i += delta;
    if (i < 0 || i >= options.length) return;
    menu.selectedIndex = i;
    menu.dispatchEvent(new Event("input", { bubbles: true }));
    menu.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function bind() {
    $("controls").addEventListener("submit", (e) => e.preventDefault());
    $("demo").addEventListener("keydown", stepMenu);
    for (const name of PAIRS) {
      for (const id of [name, `${name}-w`]) {
        const input = $(id);
        input.addEventListener("keydown", (event) => stepPair(event, name, id, id));
        input.addEventListener("input", () => onPairInput(name, id, false));
        input.addEventListener("change", () => {
          onPairInput(name, id, true);
          D.history.endGesture();
        });
        // A slider's arrow keys step as the box's do; dragged (or Home, End,
        // Page Up, Page Down) it writes its box, then changes the state as
        // typing in the box does: one history entry a drag or a key.
        const slider = $(`${id}-slider`);
        slider.addEventListener("keydown", (event) => stepPair(event, name, id, `${id}-slider`));
        const fromSlider = (final) => {
          setValue(input, slider.value);
          onPairInput(name, `${id}-slider`, final);
        };
        slider.addEventListener("input", () => {
          followDrag(name, id, Number(slider.value));
          fromSlider(false);
        });
        slider.addEventListener("change", () => {
          fromSlider(true);
          D.history.endGesture();
          endDrag();
        });
      }
    }
    window.addEventListener("pointerup", endDrag, true);
    window.addEventListener("pointercancel", endDrag, true);
    $("separate").addEventListener("change", () => {
      const state = live.state;
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
      live.state.padding = rule === "numbers" ? pairFromInputs("padding") || [0, 0] : rule;
      changed("padding-rule", true);
    });
    $("padding-mode").addEventListener("change", () => {
      live.state.paddingMode = $("padding-mode").value;
      changed("padding-mode", true);
    });
    $("channels").addEventListener("change", () => {
      live.state.channels = $("channels").value === "rgb" ? "rgb" : "gray";
      changed("channels", true);
    });
    $("filters").addEventListener("change", () => {
      live.state.filters = Math.min(3, Math.max(1, Number($("filters").value) || 1));
      D.weights.syncEditors();
      changed("filters", true);
    });
  }

  D.controls = {
    setValue,
    syncControls,
    syncControlsWithResult,
    syncControlsIfWaiting,
    syncPadding,
    changed,
    applyFix,
    nextStates,
    dragStates,
    bind,
  };
})();
