// The filters' editors: a preset menu, a grid of weights and a bias for each
// filter, shown or hidden with the number of filters, the grid reshaped in
// place with the kernel, otherwise only refilled; arrow keys move between
// weights. Owns what the editors show, so that a result arriving (most
// changes) leaves them alone.
// May call demo-state.js (presets, weights), demo-tables.js (el, setAttr,
// setText) and demo-controls.js (setValue, syncControls, changed).
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

  // A filter's editor (its preset menu, weights and bias) stays, and so does
  // its grid of weights: a new kernel shape reshapes the grid in place, its
  // boxes relabelled by row and column, boxes added or taken off at the end.
  // A box kept keeps its style and layout: a grid built anew for each shape
  // (even built ahead, while the page was idle) had all of its boxes styled
  // and laid out again, 15 ms at 14 x 14 on a slow day, a long task in a drag
  // of the kernel slider with the arithmetic's new rows.
  const filters = []; // fieldset of filter f
  const spare = []; // boxes taken off a grid, for the next one that grows

  function filterFor(f) {
    if (!filters[f]) filters[f] = buildFilter(f);
    return filters[f];
  }

  // The boxes `state`'s grids need beyond those they have, made now (while
  // the page is idle).
  function prepare(state) {
    let need = -spare.length;
    for (let f = 0; f < state.filters; f++) {
      const grid = filterFor(f).querySelector(".weight-grid");
      need += Math.max(0, state.kernel[0] * state.kernel[1] - grid.children.length);
    }
    for (let i = 0; i < need; i++) spare.push(makeBox());
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
        shapeGrid(fs.querySelector(".weight-grid"), f, kh, kw);
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
    fs.appendChild(T.el("div", null, { class: "weight-grid", role: "group" })); // shaped by shapeGrid
    const biasRow = T.el("div", null, { class: "field" });
    biasRow.appendChild(T.el("label", "Bias", { for: `bias-${f}` }));
    const bias = T.el("input", null, { id: `bias-${f}`, type: "text", inputmode: "decimal", "data-testid": `bias${suffix}`, class: "bias", autocomplete: "off" });
    bias.addEventListener("input", () => onBias(f, bias, false));
    bias.addEventListener("change", () => onBias(f, bias, true));
    biasRow.appendChild(bias);
    fs.appendChild(biasRow);
    return fs;
  }

  // Filter f's grid as kh rows of kw boxes: boxes added or taken off at its
  // end, each named for its row and column (only what changed is written).
  function shapeGrid(grid, f, kh, kw) {
    T.setAttr(grid, "aria-label", `Filter ${f + 1} weights, ${kh} rows of ${kw}`);
    grid.style.gridTemplateColumns = `repeat(${kw}, minmax(2.6em, 1fr))`;
    grid.dataset.columns = String(kw);
    const count = kh * kw;
    while (grid.children.length > count) spare.push(grid.removeChild(grid.lastElementChild));
    const added = [];
    for (let i = grid.children.length; i < count; i++) added.push(spare.pop() || makeBox());
    grid.append(...added);
    const boxes = grid.children;
    for (let i = 0; i < count; i++) {
      const r = Math.floor(i / kw);
      const c = i % kw;
      const box = boxes[i];
      T.setAttr(box, "data-testid", weightTestId(f, r, c));
      T.setAttr(box, "data-index", String(i));
      T.setAttr(box, "aria-label", `Filter ${f + 1} weight, row ${r}, column ${c}`);
    }
  }

  // A weight's box; which one it is (filter, index) is read from its grid
  // when it is used, as the grid is reshaped.
  function makeBox() {
    const input = T.el("input", null, {
      type: "text",
      inputmode: "decimal",
      class: "weight",
      autocomplete: "off",
      spellcheck: "false",
    });
    input.addEventListener("input", () => onWeightBox(input, false));
    input.addEventListener("change", () => onWeightBox(input, true));
    input.addEventListener("keydown", (e) => weightKeys(e, input));
    return input;
  }

  function boxPlace(input) {
    const fs = input.closest("fieldset.filter");
    return fs ? { f: Number(fs.dataset.filter), index: Number(input.dataset.index), kw: Number(input.parentNode.dataset.columns) } : null;
  }

  function onWeightBox(input, final) {
    const place = boxPlace(input);
    if (place) onWeight(place.f, place.index, input, final);
  }

  function weightTestId(f, r, c) {
    return f === 0 ? `weight-${r}-${c}` : `weight-f${f}-${r}-${c}`;
  }

  // Arrow keys move between weights (left and right once the caret is at the
  // value's edge); with a modifier key they are left to the text box.
  function weightKeys(event, input) {
    const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    const move = moves[event.key];
    if (!move || event.altKey || event.shiftKey || event.ctrlKey || event.metaKey) return;
    if ((event.key === "ArrowLeft" && input.selectionStart > 0) || (event.key === "ArrowRight" && input.selectionEnd < input.value.length)) return;
    const place = boxPlace(input);
    if (!place) return;
    const { index, kw } = place;
    const kh = input.parentNode.children.length / kw;
    const nr = Math.floor(index / kw) + move[0];
    const nc = (index % kw) + move[1];
    if (nr < 0 || nc < 0 || nr >= kh || nc >= kw) return;
    event.preventDefault();
    const next = input.parentNode.children[nr * kw + nc];
    next.focus();
    next.select();
  }

  function readNumber(input, final) {
    const n = S.toNumber(input.value);
    const ok = Number.isFinite(n);
    T.setAttr(input, "aria-invalid", String(!ok && final));
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
