// The pooling widget (learn_pool): max or average pooling of a digit, and the
// window of one output pixel from convcore.trace_pool: the max's winner, or
// the average's sum and divisor.
(function () {
  "use strict";

  const L = window.Learn;
  const G = L.grid;
  const canvas = G.canvas;
  const STRIDES = ["kernel", "1", "2", "3", "4", "5", "6"];

  // A picked pixel from the link may be anything: Python gets two integers or
  // null (the middle pixel).
  function pickedAt(at) {
    return Array.isArray(at) && at.length === 2 && at.every(Number.isInteger) ? at : null;
  }

  function windowBox(win) {
    const rows = win.taps.map((t) => t.input[0]);
    const cols = win.taps.map((t) => t.input[1]);
    return { r0: Math.min(...rows), r1: Math.max(...rows), c0: Math.min(...cols), c1: Math.max(...cols) };
  }

  // What one cell of the window shows: its value, or why it has none.
  function tapText(tap, kind) {
    if (tap.beyond) return "–";
    if (tap.value === null) return "−∞";
    return kind === "max" || !tap.is_padding ? L.fmt(tap.value) : "0";
  }

  function fillWindow(w) {
    const d = w.data;
    const win = d.window;
    const k = w.state.kernel;
    const rows = [];
    for (let a = 0; a < k; a++) rows.push(win.taps.slice(a * k, (a + 1) * k));
    G.fillTable(w.el.querySelector("[data-testid=pool-window]"), rows, (tap) => tapText(tap, w.state.kind), (td, r, c, tap) => {
      td.dataset.value = tap.value === null ? "-Infinity" : String(tap.value);
      td.className = tap.winner ? "hit" : tap.beyond ? "beyond" : tap.is_padding ? "pad-cell" : "";
      td.title = `Input (${tap.input[0]}, ${tap.input[1]})`;
    });
    const box = windowBox(win);
    const beyond = win.taps.some((t) => t.beyond) ? "; – marks cells past the padded edge, which are not part of it" : "";
    w.el.querySelector("[data-testid=pool-window-title]").textContent =
      `The window of output (${win.position[0]}, ${win.position[1]}): input rows ${box.r0} to ${box.r1}, ` +
      `columns ${box.c0} to ${box.c1}${beyond}`;
  }

  function sizeText(w) {
    const d = w.data;
    const s = w.state;
    const n = d.input.length;
    const [rows, cols] = d.out_size;
    const every = s.stride === "kernel" ? `${d.stride} pixels (the stride defaults to the kernel size)` : `${d.stride} pixel${d.stride > 1 ? "s" : ""}`;
    let text = `${n}×${n} in, ${rows}×${cols} out: a ${s.kernel}×${s.kernel} window every ${every}.`;
    const { floor, ceil } = d.sizes;
    if (floor === ceil) return `${text} With or without ceil_mode, the output has this size.`;
    if (s.ceil_mode) {
      text += ` ceil_mode rounds the size up: ${ceil} instead of ${floor === null ? "no output at all" : floor}, so the last window hangs over the edge`;
      return `${text}, and only its cells inside the ${s.padding ? "padded " : ""}input are part of it.`;
    }
    const used = (floor - 1) * d.stride + s.kernel;
    const left = n + 2 * s.padding - used;
    return `${text} The size is rounded down, so the last ${left} row${left > 1 ? "s" : ""} and column${left > 1 ? "s" : ""} of the ${s.padding ? "padded " : ""}input are dropped; with ceil_mode the output would be ${ceil}×${ceil}.`;
  }

  function windowText(w) {
    const win = w.data.window;
    const at = `Output (${win.position[0]}, ${win.position[1]})`;
    if (w.state.kind === "max") {
      if (win.winner === null) return `${at} reads only padding.`;
      const ties = win.ties > 1 ? `, the first of ${win.ties} equal values in row-major order (PyTorch takes the first; the gradient goes there)` : "";
      return `${at} = ${L.fmt(win.output, 4)}, the largest value in its window, at input (${win.winner[0]}, ${win.winner[1]})${ties}.`;
    }
    const s = w.state;
    const where = !s.padding ? "inside the input" : s.count_include_pad ? "inside the padded input" : "inside the input (count_include_pad=False)";
    return `${at} = ${L.fmt(win.sum, 4)} / ${win.divisor} = ${L.fmt(win.output, 4)}: the sum of the window divided by the number of its cells ${where}.`;
  }

  L.define("pool", {
    request: (s) => ({
      name: "learn_pool",
      args: {
        digit: L.digit(s.digit),
        kind: s.kind,
        kernel: s.kernel,
        stride: s.stride === "kernel" ? null : Number(s.stride),
        padding: s.padding,
        ceil_mode: s.ceil_mode,
        count_include_pad: s.count_include_pad,
        at: pickedAt(s.at),
      },
    }),
    read(w) {
      w.el.querySelector("[name=count_include_pad]").disabled = w.state.kind !== "avg";
      const field = w.el.querySelector("[name=stride]");
      const ok = STRIDES.includes(String(w.state.stride));
      field.setAttribute("aria-invalid", ok ? "false" : "true");
      return ok ? [] : ["Stride must be the kernel size (the default) or a whole number from 1 to 6."];
    },
    mount(w) {
      G.pickable(canvas(w, "output"), () => w.state.at, (at) => {
        w.state.at = at;
        w.update();
      });
      w.el.querySelector("[name=count_include_pad]").disabled = w.state.kind !== "avg";
    },
    draw(w) {
      const d = w.data;
      const win = d.window;
      w.state.at = win.position;
      const margin = Math.max(d.margin[0], d.margin[1]);
      const box = Object.assign({ colour: "#d6336c" }, windowBox(win));
      G.draw(canvas(w, "input"), d.input, { max: 1, margin, boxes: [box], dots: win.winner ? [win.winner] : [] });
      G.draw(canvas(w, "output"), d.output, { max: 1, selected: win.position, scaleTo: d.input.length });
      const [rows, cols] = d.out_size;
      w.el.querySelector("[data-testid=pool-out-size]").textContent = `${rows}×${cols}`;
      fillWindow(w);
      const facts = `${sizeText(w)} ${windowText(w)}`;
      w.el.querySelector("[data-testid=pool-facts]").textContent = facts;
      canvas(w, "input").setAttribute(
        "aria-label",
        `Input digit, 20 by 20${margin ? `, drawn with ${margin} cells around it for the padding` : ""}, with the window of the selected output over rows ${box.r0} to ${box.r1} and columns ${box.c0} to ${box.c1}` +
          (win.winner ? `; its maximum at row ${win.winner[0]}, column ${win.winner[1]} is marked.` : "."),
      );
      canvas(w, "output").setAttribute(
        "aria-label",
        `Pooled output, ${rows} by ${cols}; selected pixel row ${win.position[0]}, column ${win.position[1]}, value ${L.fmt(win.output)}. Arrow keys move it; its numbers are in the table below.`,
      );
      G.fillTable(w.el.querySelector("[data-testid=pool-output]"), d.output);
    },
  });
})();
