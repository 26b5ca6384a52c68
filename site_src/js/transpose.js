// The transposed-convolution widget (learn_transpose): each input pixel
// stamps the kernel, scaled by its value, onto a larger output; and the
// round trip conv2d -> conv_transpose2d, which does not give the input back.
(function () {
  "use strict";

  const L = window.Learn;
  const LIMITS = { x: 6, weight: 5 };
  const NAMES = { x: "The input map", weight: "The kernel" };

  // "1 2; 3 4" (or "1,2;3,4") -> [[1, 2], [3, 4]], or a sentence saying what is wrong.
  function parseGrid(text, what) {
    const rows = String(text)
      .split(/[;\n]/)
      .map((row) => row.trim())
      .filter(Boolean)
      .map((row) => row.split(/[\s,]+/).map(Number));
    const limit = LIMITS[what];
    if (!rows.length) return `${NAMES[what]} is empty: write rows of numbers separated by ;, e.g. 1 2; 3 4.`;
    if (rows.some((row) => row.some((v) => !Number.isFinite(v)))) return `${NAMES[what]} must hold numbers only, e.g. 1 2; 3 4.`;
    if (rows.some((row) => row.length !== rows[0].length)) return `${NAMES[what]}'s rows must all have the same length.`;
    if (rows.length > limit || rows[0].length > limit) return `${NAMES[what]} may be at most ${limit}×${limit} here.`;
    return rows;
  }

  function gridText(grid, sep) {
    return grid.map((row) => row.map((v) => String(v)).join(sep)).join(sep === "," ? ";" : "; ");
  }

  function runs(list) {
    const sorted = Array.from(new Set(list)).sort((a, b) => a - b);
    if (!sorted.length) return "none";
    return sorted.length === 1 ? `${sorted[0]}` : `${sorted[0]} to ${sorted[sorted.length - 1]}`;
  }

  function inputTable(w) {
    const d = w.data;
    const table = w.el.querySelector("[data-testid=transpose-input]");
    L.grid.fillTable(table, d.x, () => "", (td, r, c, value) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "cell-pick";
      button.textContent = L.fmt(value);
      const on = r === d.at[0] && c === d.at[1];
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.setAttribute("aria-label", `Input pixel row ${r}, column ${c}, value ${L.fmt(value)}`);
      button.dataset.at = `${r},${c}`;
      td.appendChild(button);
      if (on) td.className = "picked";
    });
  }

  function roundtrip(w) {
    const t = w.data.roundtrip;
    const note = w.el.querySelector("[data-testid=roundtrip-note]");
    const tables = ["x", "down", "up"].map((k) => w.el.querySelector(`[data-testid=roundtrip-${k}]`));
    L.grid.fillTable(tables[0], t.x_reprs || t.x.map((row) => row.map(String)));
    if (t.error) {
      L.grid.fillTable(tables[1], []);
      L.grid.fillTable(tables[2], []);
      note.textContent = `With this kernel, stride and padding the 6×6 map x has no convolution: ${L.errorText(t.error)}`;
      return;
    }
    L.grid.fillTable(tables[1], t.down_reprs);
    L.grid.fillTable(tables[2], t.up_reprs, null, (td, r, c) => {
      if (t.same_shape && t.x[r][c] !== t.up[r][c]) td.className = "differs";
    });
    const s = w.state;
    const m = t.down.length;
    const up = `${t.up.length}×${t.up[0].length}`;
    note.textContent =
      `conv2d with this kernel, stride ${s.stride} and padding ${s.padding} takes the 6×6 map x down to ${m}×${m}. ` +
      `conv_transpose2d with the same kernel, stride and padding` +
      (t.output_padding ? ` (and output_padding=${t.output_padding}, which picks the size)` : "") +
      ` brings it back to ${up}` +
      (t.same_shape
        ? t.equal
          ? ": here the values came back too."
          : `: the shape of x, but not its values (the cells that differ from x are marked). It undoes the change of shape, not the arithmetic: it is the transpose of the convolution's matrix, not its inverse.`
        : `: not even the shape of x.`);
  }

  L.define("transpose", {
    request: (s) => ({
      name: "learn_transpose",
      args: { x: s.xGrid, weight: s.weightGrid, stride: s.stride, padding: s.padding, output_padding: s.output_padding, at: s.at },
    }),
    read(w) {
      const problems = [];
      for (const key of ["x", "weight"]) {
        const field = w.el.querySelector(`[name=${key}]`);
        const grid = parseGrid(field.value, key);
        field.setAttribute("aria-invalid", typeof grid === "string" ? "true" : "false");
        if (typeof grid === "string") problems.push(grid);
        else w.state[`${key}Grid`] = grid;
      }
      return problems;
    },
    toParams: (s) => [
      ["x", gridText(s.xGrid || parseGrid(s.x, "x"), ",")],
      ["w", gridText(s.weightGrid || parseGrid(s.weight, "weight"), ",")],
      ["stride", s.stride],
      ["padding", s.padding],
      ["output_padding", s.output_padding],
      ["at", (s.at || [0, 0]).join(",")],
    ],
    fromParams(params, state) {
      const next = Object.assign({}, state);
      if (params.has("x")) next.x = params.get("x").split(";").map((row) => row.split(",").join(" ")).join("; ");
      if (params.has("w")) next.weight = params.get("w").split(";").map((row) => row.split(",").join(" ")).join("; ");
      for (const key of ["stride", "padding", "output_padding"]) if (params.has(key)) next[key] = Number(params.get(key));
      if (params.has("at")) next.at = params.get("at").split(",").map(Number).slice(0, 2);
      return next;
    },
    mount(w) {
      w.el.querySelector("[data-testid=transpose-input]").addEventListener("click", (event) => {
        const button = event.target.closest("button[data-at]");
        if (!button) return;
        w.state.at = button.dataset.at.split(",").map(Number);
        w.update().then(() => {
          const again = w.el.querySelector(`button[data-at="${w.state.at.join(",")}"]`);
          if (again) again.focus();
        });
      });
      for (const button of w.el.querySelectorAll("[data-set-x]")) {
        button.addEventListener("click", () => {
          w.state.x = button.dataset.setX;
          w.state.weight = button.dataset.setWeight;
          w.state.stride = Number(button.dataset.setStride);
          w.state.padding = 0;
          w.state.output_padding = 0;
          w.state.at = [0, 0];
          for (const key of ["x", "weight", "stride", "padding", "output_padding"]) {
            w.el.querySelector(`[name=${key}]`).value = String(w.state[key]);
          }
          for (const out of w.el.querySelectorAll("output[data-shows]")) {
            out.textContent = w.el.querySelector(`[name="${out.dataset.shows}"]`).value;
          }
          w.update();
        });
      }
    },
    draw(w) {
      const d = w.data;
      w.state.at = d.at;
      inputTable(w);
      L.grid.fillTable(w.el.querySelector("[data-testid=transpose-kernel]"), d.weight, (v) => L.fmt(v));
      const hits = new Map();
      for (const t of d.spread.targets) if (t.inside) hits.set(`${t.output[0]},${t.output[1]}`, t);
      L.grid.fillTable(w.el.querySelector("[data-testid=transpose-output]"), d.reprs, null, (td, r, c) => {
        const t = hits.get(`${r},${c}`);
        if (t) {
          td.className = "hit";
          td.title = `gets ${L.fmt(d.spread.value)} × ${L.fmt(t.weight)} = ${L.fmt(t.product)} from the selected input pixel`;
        }
      });
      w.el.querySelector("[data-testid=transpose-out-size]").textContent = `${d.out_size[0]}×${d.out_size[1]}`;
      const inside = d.spread.targets.filter((t) => t.inside);
      const cut = d.spread.targets.length - inside.length;
      const products = inside.map((t) => `${L.fmt(d.spread.value)}×${L.fmt(t.weight)} → (${t.output[0]}, ${t.output[1]})`).join(", ");
      w.el.querySelector("[data-testid=transpose-arith]").textContent =
        `Input pixel (${d.at[0]}, ${d.at[1]}) holds ${L.fmt(d.spread.value)}: it adds ${L.fmt(d.spread.value)} × the kernel ` +
        `to output rows ${runs(inside.map((t) => t.output[0]))}, columns ${runs(inside.map((t) => t.output[1]))} ` +
        `(marked): ${products || "nothing"}.` +
        (cut ? ` ${cut} of its ${d.spread.targets.length} products land outside the output: padding cuts them away.` : "") +
        ` Where stamps overlap, the products add up. Stride ${w.state.stride} moves the stamp ${w.state.stride} output cell${w.state.stride > 1 ? "s" : ""} per input pixel.`;
      roundtrip(w);
    },
  });
})();
