// The receptive-field explorer (learn_receptive): a stack of 1-5 layers, an
// output pixel of the last one, and the input pixels it depends on.
(function () {
  "use strict";

  const L = window.Learn;
  const G = L.grid;
  const MAX_LAYERS = 5;
  const FIELDS = [
    ["kernel", "Kernel", 1, 9],
    ["stride", "Stride", 1, 4],
    ["padding", "Padding", 0, 4],
    ["dilation", "Dilation", 1, 4],
  ];
  const FIELD_COLOUR = "rgba(214, 51, 108, 0.45)";

  function layerRow(index, layer) {
    const set = document.createElement("fieldset");
    set.className = "rf-layer";
    set.dataset.layer = String(index);
    const legend = document.createElement("legend");
    legend.textContent = `Layer ${index + 1}`;
    set.appendChild(legend);
    FIELDS.forEach(([field, label, lo, hi], i) => {
      const id = `rf-l${index + 1}-${field}`;
      const wrap = document.createElement("label");
      wrap.className = "control";
      wrap.htmlFor = id;
      const span = document.createElement("span");
      span.textContent = label;
      const input = document.createElement("input");
      Object.assign(input, { type: "number", id, min: String(lo), max: String(hi), step: "1", value: String(layer[i]) });
      input.inputMode = "numeric";
      input.dataset.field = field;
      input.setAttribute("aria-label", `Layer ${index + 1} ${field}`);
      wrap.append(span, input);
      set.appendChild(wrap);
    });
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "remove-layer";
    remove.dataset.remove = String(index);
    remove.textContent = "Remove";
    remove.setAttribute("aria-label", `Remove layer ${index + 1}`);
    set.appendChild(remove);
    return set;
  }

  function showLayers(w) {
    const box = w.el.querySelector(".rf-layers");
    box.replaceChildren(...w.state.layers.map((layer, i) => layerRow(i, layer)));
    syncButtons(w);
  }

  function syncButtons(w) {
    const n = w.state.layers.length;
    w.el.querySelector("[data-add]").disabled = n >= MAX_LAYERS;
    for (const button of w.el.querySelectorAll("[data-remove]")) button.disabled = n <= 1;
  }

  function readLayers(w) {
    const problems = [];
    const layers = [];
    for (const set of w.el.querySelectorAll(".rf-layer")) {
      const layer = [];
      for (const [field, , lo, hi] of FIELDS) {
        const input = set.querySelector(`[data-field=${field}]`);
        const n = Number(input.value);
        const ok = input.value.trim() !== "" && Number.isInteger(n) && n >= lo && n <= hi;
        input.setAttribute("aria-invalid", ok ? "false" : "true");
        if (!ok) problems.push(`Layer ${layers.length + 1} ${field} must be a whole number from ${lo} to ${hi}.`);
        layer.push(n);
      }
      layers.push(layer);
    }
    if (!problems.length) w.state.layers = layers;
    return problems;
  }

  function parseLayers(text) {
    const layers = text
      .split(",")
      .filter(Boolean)
      .map((part) => {
        const n = part.split(":").map(Number);
        return [n[0], n.length > 1 ? n[1] : 1, n.length > 2 ? n[2] : 0, n.length > 3 ? n[3] : 1];
      });
    return layers.slice(0, MAX_LAYERS);
  }

  function runs(list) {
    if (!list.length) return "none";
    return list.length === 1 ? `${list[0]}` : `${list[0]}–${list[list.length - 1]}${list.length !== list[list.length - 1] - list[0] + 1 ? ` (${list.length} of them, with gaps)` : ""}`;
  }

  function fillTable(w) {
    const body = w.el.querySelector("[data-testid=rf-table] tbody");
    body.replaceChildren();
    w.data.layers.forEach((row, i) => {
      const tr = document.createElement("tr");
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = String(i + 1);
      tr.appendChild(th);
      for (const key of ["kernel", "stride", "padding", "dilation", "out_size", "size", "jump", "start"]) {
        const td = document.createElement("td");
        td.textContent = String(row[key]);
        if (["out_size", "size", "jump", "start"].includes(key)) td.dataset.col = key;
        tr.appendChild(td);
      }
      body.appendChild(tr);
    });
  }

  L.define("receptive", {
    request: (s) => ({ name: "learn_receptive", args: { layers: s.layers, at: s.at } }),
    read: readLayers,
    showState: showLayers,
    toParams: (s) => {
      const pairs = [["layers", s.layers.map((l) => l.join(":")).join(",")]];
      if (s.at) pairs.push(["at", s.at.join(",")]);
      pairs.push(["digit", s.digit]);
      return pairs;
    },
    fromParams(params, state) {
      const next = Object.assign({}, state);
      if (params.has("layers")) {
        const layers = parseLayers(params.get("layers"));
        if (layers.length) next.layers = layers;
        next.at = null;
      }
      if (params.has("at")) next.at = params.get("at").split(",").map(Number).slice(0, 2);
      if (params.has("digit")) next.digit = Number(params.get("digit"));
      return next;
    },
    mount(w) {
      const box = w.el.querySelector(".rf-layers");
      box.addEventListener("input", () => {
        w.state.at = null;
        w.update();
      });
      box.addEventListener("click", (event) => {
        const button = event.target.closest("[data-remove]");
        if (!button || w.state.layers.length <= 1) return;
        readLayers(w);
        w.state.layers.splice(Number(button.dataset.remove), 1);
        w.state.at = null;
        showLayers(w);
        w.update();
        w.el.querySelector("[data-add]").focus();
      });
      w.el.querySelector("[data-add]").addEventListener("click", () => {
        if (w.state.layers.length >= MAX_LAYERS) return;
        readLayers(w);
        w.state.layers.push([3, 1, 0, 1]);
        w.state.at = null;
        showLayers(w);
        w.update();
      });
      for (const button of w.el.querySelectorAll("[data-preset]")) {
        button.addEventListener("click", () => {
          w.state.layers = parseLayers(button.dataset.preset);
          w.state.at = null;
          showLayers(w);
          w.update();
        });
      }
      for (const input of w.el.querySelectorAll("input[data-at]")) {
        input.addEventListener("input", () => {
          const [row, col] = Array.from(w.el.querySelectorAll("input[data-at]"), (i) => Number(i.value));
          const ok = [row, col].every((v, i) => Number.isInteger(v) && v >= 0 && v < w.data.out_size[i]);
          input.setAttribute("aria-invalid", ok ? "false" : "true");
          if (!ok) return;
          w.state.at = [row, col];
          w.update();
        });
      }
      G.pickable(w.el.querySelector("canvas[data-role=output]"), () => w.state.at, (at) => {
        w.state.at = at;
        w.update();
      });
      syncButtons(w);
    },
    draw(w) {
      const d = w.data;
      w.state.at = d.at;
      const [r0, r1, c0, c1] = d.box;
      const n = d.input_size;
      const margin = Math.min(6, Math.max(0, -r0, -c0, r1 - (n - 1), c1 - (n - 1)));
      const cells = [];
      for (const r of d.rows) for (const c of d.cols) cells.push([r, c]);
      const input = w.el.querySelector("canvas[data-role=input]");
      G.draw(input, L.digit(w.state.digit), {
        max: 1,
        margin,
        fills: [{ cells, colour: FIELD_COLOUR }],
        boxes: [{ r0: Math.max(r0, -margin), r1: Math.min(r1, n - 1 + margin), c0: Math.max(c0, -margin), c1: Math.min(c1, n - 1 + margin), colour: "#d6336c", dash: true }],
      });
      const output = w.el.querySelector("canvas[data-role=output]");
      G.draw(output, G.blank(d.out_size[0], d.out_size[1]), { selected: d.at, scaleTo: n + 2 * margin });
      const last = d.layers[d.layers.length - 1];
      const summary =
        `Output pixel (${d.at[0]}, ${d.at[1]}) of layer ${d.layers.length} depends on input rows ${runs(d.rows)} ` +
        `and columns ${runs(d.cols)}: ${d.count} pixels. Its field is ${last.size}×${last.size} input pixels ` +
        `(rows ${r0} to ${r1}, columns ${c0} to ${c1}${r0 < 0 || c0 < 0 || r1 >= n || c1 >= n ? ", partly in the padding" : ""}), ` +
        `and neighbouring output pixels are ${last.jump} input pixel${last.jump > 1 ? "s" : ""} apart.`;
      w.el.querySelector("[data-testid=rf-summary]").textContent = summary;
      w.el.querySelector("[data-testid=rf-out-size]").textContent = `${d.out_size[0]}×${d.out_size[1]}`;
      input.setAttribute("aria-label", `Input digit, 20 by 20, with the receptive field marked. ${summary}`);
      output.setAttribute(
        "aria-label",
        `Output of layer ${d.layers.length}, ${d.out_size[0]} by ${d.out_size[1]}; selected pixel row ${d.at[0]}, column ${d.at[1]}. Arrow keys move it.`,
      );
      for (const input of w.el.querySelectorAll("input[data-at]")) {
        const axis = Number(input.dataset.at);
        input.max = String(d.out_size[axis] - 1);
        if (document.activeElement !== input) input.value = String(d.at[axis]);
        input.setAttribute("aria-invalid", "false");
      }
      fillTable(w);
      syncButtons(w);
    },
  });
})();
