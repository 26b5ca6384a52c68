// The article's widgets on a digit, all answered by learn_conv: the sliding
// window and its dot product, kernel size, stride and dilation.
(function () {
  "use strict";

  const L = window.Learn;
  const G = L.grid;
  const canvas = G.canvas;

  function span(list) {
    if (!list.length) return "none";
    const runs = [];
    let start = list[0];
    let prev = list[0];
    for (const v of list.slice(1).concat([null])) {
      if (v !== prev + 1) {
        runs.push(start === prev ? `${start}` : `${start}–${prev}`);
        start = v;
      }
      prev = v;
    }
    return runs.join(", ");
  }

  function tapCells(window) {
    return window.taps.filter((t) => !t.is_padding).map((t) => t.input);
  }

  function windowBox(window) {
    const rows = window.taps.map((t) => t.input[0]);
    const cols = window.taps.map((t) => t.input[1]);
    return { r0: Math.min(...rows), r1: Math.max(...rows), c0: Math.min(...cols), c1: Math.max(...cols) };
  }

  function convArgs(state, extra) {
    return {
      name: "learn_conv",
      args: Object.assign({ digit: L.digit(state.digit), weights: "box" }, extra),
    };
  }

  // ------------------------------------------------------------ window

  L.define("window", {
    request: (s) => convArgs(s, { kernel: 3, weights: s.weights, at: s.at }),
    mount(w) {
      const out = canvas(w, "output");
      const pick = (at) => {
        w.state.at = at;
        w.update();
      };
      G.pickable(out, () => w.state.at, pick);
      for (const button of w.el.querySelectorAll("button[data-move]")) {
        button.addEventListener("click", () => {
          const [rows, cols] = w.data.out_size;
          const index = w.state.at[0] * cols + w.state.at[1] + Number(button.dataset.move);
          const wrapped = (index + rows * cols) % (rows * cols);
          pick([Math.floor(wrapped / cols), wrapped % cols]);
        });
      }
    },
    draw(w) {
      const d = w.data;
      const win = d.window;
      w.state.at = win.position;
      const box = windowBox(win);
      G.draw(canvas(w, "input"), d.input, { max: 1, boxes: [Object.assign({ colour: "#d6336c" }, box)] });
      G.draw(canvas(w, "output"), d.output, { selected: win.position, scaleTo: d.input.length });
      canvas(w, "input").setAttribute(
        "aria-label",
        `Input digit, 20 by 20, with the window over rows ${box.r0} to ${box.r1} and columns ${box.c0} to ${box.c1}.`,
      );
      canvas(w, "output").setAttribute(
        "aria-label",
        `Output, ${d.out_size[0]} by ${d.out_size[1]}; selected pixel row ${win.position[0]}, column ${win.position[1]}, value ${L.fmt(win.output)}. Arrow keys move it.`,
      );
      const table = w.el.querySelector("table.taps");
      table.caption.textContent = `The window for output pixel (${win.position[0]}, ${win.position[1]}): nine products, one sum`;
      const body = table.tBodies[0];
      body.replaceChildren();
      for (const tap of win.taps) {
        const tr = document.createElement("tr");
        for (const text of [`(${tap.input[0]}, ${tap.input[1]})`, L.fmt(tap.value), `× ${L.fmt(tap.weight)}`, `= ${L.fmt(tap.product)}`]) {
          const td = document.createElement("td");
          td.textContent = text;
          tr.appendChild(td);
        }
        body.appendChild(tr);
      }
      table.querySelector(".sum").textContent = L.fmt(win.output, 4);
    },
  });

  // ------------------------------------------------------------ kernel

  L.define("kernel", {
    request: (s) => convArgs(s, { kernel: s.kernel }),
    draw(w) {
      const d = w.data;
      G.draw(canvas(w, "input"), d.input, { max: 1, boxes: [Object.assign({}, windowBox(d.window))] });
      G.draw(canvas(w, "output"), d.output, { max: 1, scaleTo: d.input.length });
      const k = w.state.kernel;
      canvas(w, "output").setAttribute("aria-label", `Output of a ${k} by ${k} averaging kernel, ${d.out_size[0]} by ${d.out_size[1]}.`);
      w.el.querySelector("[data-testid=kernel-facts]").textContent =
        `Kernel ${k}×${k}: each output pixel is the mean of ${d.params} input pixels, so the output is ` +
        `${d.out_size[0]}×${d.out_size[1]} and costs ${d.macs.toLocaleString("en")} multiply-adds ` +
        `(${d.params} per output pixel, ${d.params} weights to learn per input and output channel).`;
    },
  });

  // ------------------------------------------------------------ stride

  L.define("stride", {
    request: (s) => convArgs(s, { kernel: s.kernel, stride: s.stride }),
    draw(w) {
      const d = w.data;
      const f = d.fit;
      const skipped = new Set(f.skipped);
      const dropped = new Set(f.dropped);
      const shade = (i) => (dropped.has(i) ? "rgba(220, 38, 38, 0.45)" : skipped.has(i) ? "rgba(234, 179, 8, 0.45)" : "");
      G.draw(canvas(w, "input"), d.input, {
        max: 1,
        dim: (r, c) => shade(r) || shade(c),
        boxes: [Object.assign({}, windowBox(d.window))],
      });
      G.draw(canvas(w, "output"), d.output, { max: 1, scaleTo: d.input.length });
      const s = w.state;
      const facts =
        `Kernel ${s.kernel}, stride ${s.stride}: the window starts every ${s.stride} pixels, so the output is ` +
        `${d.out_size[0]}×${d.out_size[1]} (${d.out_size[0] * d.out_size[1]} pixels instead of ${d.input.length * d.input.length}). ` +
        `Rows and columns never read inside: ${span(f.skipped)}. Dropped at the far edge: ${span(f.dropped)}.`;
      w.el.querySelector("[data-testid=stride-facts]").textContent = facts;
      canvas(w, "input").setAttribute("aria-label", `Input digit with unread rows and columns shaded. ${facts}`);
      canvas(w, "output").setAttribute("aria-label", `Output, ${d.out_size[0]} by ${d.out_size[1]}.`);
    },
  });

  // ------------------------------------------------------------ dilation

  L.define("dilation", {
    request: (s) => convArgs(s, { kernel: 3, dilation: s.dilation }),
    draw(w) {
      const d = w.data;
      G.draw(canvas(w, "input"), d.input, {
        max: 1,
        dots: tapCells(d.window),
        boxes: [Object.assign({ dash: true }, windowBox(d.window))],
      });
      G.draw(canvas(w, "output"), d.output, { max: 1, selected: d.window.position, scaleTo: d.input.length });
      const dil = w.state.dilation;
      const facts =
        `Dilation ${dil}: the 3 taps of each row sit ${dil} pixel${dil > 1 ? "s" : ""} apart, so one window spans ` +
        `${d.fit.span}×${d.fit.span} pixels with still 9 weights, and the output is ${d.out_size[0]}×${d.out_size[1]}.`;
      w.el.querySelector("[data-testid=dilation-facts]").textContent = facts;
      canvas(w, "input").setAttribute("aria-label", `Input digit with the 9 taps of the middle window marked. ${facts}`);
      canvas(w, "output").setAttribute("aria-label", `Output, ${d.out_size[0]} by ${d.out_size[1]}.`);
    },
  });

  L.spanText = span;
})();
