// The filters' editors: a preset menu, a grid of weights and a bias for each
// filter, swapped when the number of filters or the kernel's shape changes and
// otherwise only refilled; arrow keys move between weights. Owns what the
// editors show, so that a result arriving (most changes) leaves them alone.
// May call demo-state.js (presets, weights), demo-tables.js (el) and
// demo-controls.js (setValue, syncControls, changed).
(function () {
  "use strict";

  const D = window.ConvDemo;
  const { state: S, tables: T, live } = D;
  const $ = (id) => document.getElementById(id);

  let editorShape = "";
  let editorValues = ""; // the weights and biases the editors show ("" = unknown)

  // The data-testid suffix of filter f's controls (filter 1 has none).
  function suffixOf(f) {
    return f === 0 ? "" : `-f${f}`;
  }

  // A filter's editor (its preset menu, weights and bias) stays; its grid of
  // weights is swapped when the kernel's shape changes. Grids built, by
  // filter and kernel shape: one comes back when its shape does (ArrowUp then
  // ArrowDown in "Kernel size"), or was prepared while the page was idle;
  // building one took a millisecond of a press, and swapping the whole
  // editor (menu and bias too) was laid out again each time.
  const filters = []; // fieldset of filter f
  const grids = new Map(); // "f:khxkw" -> grid, least recently used first
  const GRIDS_KEPT = 12;
  function gridFor(f, kh, kw) {
    const key = `${f}:${kh}x${kw}`;
    return T.keepRecent(grids, key, grids.get(key) || buildGrid(f, kh, kw), GRIDS_KEPT);
  }

  function filterFor(f) {
    if (!filters[f]) filters[f] = buildFilter(f);
    return filters[f];
  }

  // The grids `state` needs, built now (while the page is idle) if new.
  function prepare(state) {
    for (let f = 0; f < state.filters; f++) gridFor(f, state.kernel[0], state.kernel[1]);
  }

  function syncEditors() {
    const state = live.state;
    const box = $("filter-editors");
    const [kh, kw] = state.kernel;
    const shape = `${state.filters}:${kh}x${kw}`;
    if (shape !== editorShape) {
      editorShape = shape;
      editorValues = "";
      const editors = [];
      for (let f = 0; f < state.filters; f++) {
        const fs = filterFor(f);
        const grid = gridFor(f, kh, kw);
        const old = fs.querySelector(".weight-grid");
        if (old !== grid) fs.replaceChild(grid, old);
        labelPresets(fs, kh, kw);
        editors.push(fs);
      }
      if (box.children.length !== editors.length || editors.some((fs, f) => box.children[f] !== fs)) box.replaceChildren(...editors);
      for (const input of box.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
    }
    // Most changes (stride, padding, digit, a result arriving) leave the
    // weights alone: then the editors already show them.
    const weights = [];
    for (let f = 0; f < state.filters; f++) weights.push(S.weightsOf(state, f));
    const values = JSON.stringify([weights, state.bias.slice(0, state.filters)]);
    if (values === editorValues) return;
    editorValues = values;
    for (let f = 0; f < state.filters; f++) {
      const suffix = suffixOf(f);
      box.querySelectorAll(`[data-filter="${f}"] input.weight`).forEach((input, i) => D.controls.setValue(input, weights[f][i]));
      D.controls.setValue(box.querySelector(`[data-testid=bias${suffix}]`), state.bias[f]);
      const preset = presetName(weights[f], kh, kw);
      const select = box.querySelector(`[data-testid=preset${suffix}]`);
      if (select.value !== preset) select.value = preset;
    }
  }

  // A preset of fixed size is named with its size when the kernel has another.
  function presetLabel(label, values, kh, kw) {
    return typeof values !== "function" && (kh !== 3 || kw !== 3) ? `${label} (3 × 3)` : label;
  }

  function labelPresets(fs, kh, kw) {
    const options = fs.querySelector("select").options;
    Object.values(S.PRESETS).forEach(([label, values], i) => T.setText(options[i + 1], presetLabel(label, values, kh, kw)));
  }

  function presetName(values, kh, kw) {
    for (const name of Object.keys(S.PRESETS)) {
      const p = S.presetKernel(name, kh, kw);
      if (p.kernel[0] === kh && p.kernel[1] === kw && p.weights.every((v, i) => v === values[i])) return name;
    }
    return "custom";
  }

  function buildFilter(f) {
    const suffix = suffixOf(f);
    const fs = T.el("fieldset", null, { class: "filter", "data-filter": String(f) });
    fs.appendChild(T.el("legend", `Filter ${f + 1}`));
    const presetRow = T.el("div", null, { class: "field" });
    presetRow.appendChild(T.el("label", "Preset", { for: `preset-${f}` }));
    const select = T.el("select", null, { id: `preset-${f}`, "data-testid": `preset${suffix}` });
    select.appendChild(T.el("option", "custom", { value: "custom" }));
    for (const [name, [label, values]] of Object.entries(S.PRESETS)) {
      select.appendChild(T.el("option", presetLabel(label, values, 3, 3), { value: name }));
    }
    select.addEventListener("change", () => {
      editorValues = "";
      applyPreset(f, select.value);
    });
    presetRow.appendChild(select);
    fs.appendChild(presetRow);
    fs.appendChild(T.el("div", null, { class: "weight-grid" })); // the kernel's grid takes its place
    const biasRow = T.el("div", null, { class: "field" });
    biasRow.appendChild(T.el("label", "Bias", { for: `bias-${f}` }));
    const bias = T.el("input", null, { id: `bias-${f}`, type: "text", inputmode: "decimal", "data-testid": `bias${suffix}`, class: "bias", autocomplete: "off" });
    bias.addEventListener("input", () => onBias(f, bias, false));
    bias.addEventListener("change", () => onBias(f, bias, true));
    biasRow.appendChild(bias);
    fs.appendChild(biasRow);
    return fs;
  }

  function buildGrid(f, kh, kw) {
    const grid = T.el("div", null, { class: "weight-grid", role: "group", "aria-label": `Filter ${f + 1} weights, ${kh} rows of ${kw}` });
    grid.style.gridTemplateColumns = `repeat(${kw}, minmax(2.6em, 1fr))`;
    for (let r = 0; r < kh; r++) {
      for (let c = 0; c < kw; c++) {
        const input = T.el("input", null, {
          type: "text",
          inputmode: "decimal",
          class: "weight",
          "data-testid": weightTestId(f, r, c),
          "data-index": String(r * kw + c),
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
    return grid;
  }

  function weightTestId(f, r, c) {
    return f === 0 ? `weight-${r}-${c}` : `weight-f${f}-${r}-${c}`;
  }

  // Arrow keys move between weights (left and right once the caret is at the
  // value's edge); with a modifier key they are left to the text box.
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
    const next = document.querySelector(`[data-testid="${weightTestId(f, nr, nc)}"]`);
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

  // Copies of all three filters' weights (the state keeps the unused ones, so
  // that going from 1 filter to 3 and back loses nothing).
  function allWeights(state) {
    const all = [];
    for (let g = 0; g < 3; g++) all.push(S.weightsOf(state, g).slice());
    return all;
  }

  function setWeight(state, f, index, v) {
    const [kh, kw] = state.kernel;
    const all = allWeights(state);
    all[f][index] = v;
    state.weights = S.normaliseWeights(all, kh, kw);
    return all[f];
  }

  function onWeight(f, index, input, final) {
    editorValues = ""; // the input may now hold text the state does not
    const v = readNumber(input, final);
    if (v === null) return;
    const [kh, kw] = live.state.kernel;
    const values = setWeight(live.state, f, index, v);
    $("filter-editors").querySelector(`[data-testid=preset${suffixOf(f)}]`).value = presetName(values, kh, kw);
    D.controls.changed(`weight-${f}-${index}`, final);
  }

  function onBias(f, input, final) {
    editorValues = "";
    const v = readNumber(input, final);
    if (v === null) return;
    live.state.bias[f] = v;
    D.controls.changed(`bias-${f}`, final);
  }

  // The likely next values of the focused weight or bias (see
  // demo-ahead.js): a digit typed over its text, or one more or one less.
  const TYPED = [1, 2, 3, 4, 5, 6, 7, 8, 9, 0];
  function nextStates(state, focused) {
    const box = focused && focused.closest && focused.closest("#filter-editors fieldset.filter");
    if (!box || !focused.matches("input.weight, input.bias")) return [];
    const f = Number(box.dataset.filter);
    if (f >= state.filters) return [];
    const index = focused.classList.contains("weight") ? Number(focused.dataset.index) : -1;
    const now = index < 0 ? state.bias[f] : S.weightsOf(state, f)[index];
    const values = new Set([now + 1, now - 1, ...TYPED].filter((v) => v !== now && Math.abs(v) <= S.WEIGHT_LIMIT));
    return Array.from(values, (v) => {
      const next = S.cloneState(state);
      if (index < 0) next.bias[f] = v;
      else setWeight(next, f, index, v);
      return next;
    });
  }

  function applyPreset(f, name) {
    if (name === "custom") return;
    const state = live.state;
    const [kh, kw] = state.kernel;
    const preset = S.presetKernel(name, kh, kw);
    const old = state.kernel.slice();
    if (preset.kernel[0] !== kh || preset.kernel[1] !== kw) {
      state.kernel = preset.kernel.slice();
      state.weights = S.resizeWeights(state, old);
    }
    const all = allWeights(state);
    all[f] = preset.weights;
    state.weights = S.normaliseWeights(all, state.kernel[0], state.kernel[1]);
    D.controls.syncControls();
    D.controls.changed(`preset-${f}`, true);
  }

  D.weights = { syncEditors, prepare, nextStates };
})();
