// Pointing at cells, with the pointer or with the arrow keys on a focused
// canvas: an output cell highlights the window it came from (Enter or a click
// steps there), an input pixel every output that read it; the sentence under
// the canvases says the same in words. Writes live.view's probe and cursor
// fields. May call demo-render.js (cellAt), demo-stage.js (draw),
// demo-slide.js (positionOf, jump) and demo-paint.js (a stroke takes the
// pointer's moves).
(function () {
  "use strict";

  const D = window.ConvDemo;
  const { render: R, live } = D;
  const $ = (id) => document.getElementById(id);
  const MOVES = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };

  // The cell an arrow key moves the cursor `cur` to, on a grid of rows x cols.
  function moved(cur, key, rows, cols) {
    const [dr, dc] = MOVES[key];
    return [Math.max(0, Math.min(rows - 1, cur[0] + dr)), Math.max(0, Math.min(cols - 1, cur[1] + dc))];
  }

  function inputPixelAt(event) {
    const scene = live.scene;
    if (!scene) return null;
    const [Hp, Wp] = scene.padded;
    const at = R.cellAt($("input-canvas"), event, Wp, Hp);
    if (!at) return null;
    return { padded: at, pixel: [at[0] - scene.pads[0][0], at[1] - scene.pads[1][0]] };
  }

  // The input pixel a padded cell shows (reflect/replicate/circular copy real pixels).
  function sourcePixel(padded) {
    const i = live.scene.rowMap[padded[0]];
    const j = live.scene.colMap[padded[1]];
    return i >= 0 && j >= 0 ? [i, j] : null;
  }

  function probeText(text) {
    $("probe").textContent =
      text ||
      "Point at (or focus and use the arrow keys on) an output cell to see the window it came from, or an input pixel to see every output that read it.";
  }

  // Highlight what `probeIn` (an input pixel) or `probeOut` (an output cell)
  // points at, and say it with describe() (or the hint when neither is set).
  function point(probeIn, probeOut, describe) {
    live.view.probeIn = probeIn;
    live.view.probeOut = probeOut;
    D.stage.draw();
    probeText(probeIn || probeOut ? describe() : "");
  }

  function probeInput(pixel) {
    point(pixel, null, () => {
      const scene = live.scene;
      const [i, j] = pixel;
      const value = scene.input[i * scene.inSize[1] + j];
      const rows = scene.rowUsers[i] || [];
      const cols = scene.colUsers[j] || [];
      const count = scene.outSize ? rows.length * cols.length : 0;
      return (
        `Input row ${i}, column ${j} = ${String(value)}` +
        (scene.channels === 3 ? " (red channel)" : "") +
        (count ? `: read by ${count} output value${count > 1 ? "s" : ""} (highlighted).` : ": no window reads this pixel.")
      );
    });
  }

  function probeOutput(position, filter) {
    live.view.filter = filter;
    point(null, position, () => {
      const scene = live.scene;
      const [r, q] = position;
      const [Ho, Wo] = scene.outSize;
      const value = scene.output[filter * Ho * Wo + r * Wo + q];
      const rows = scene.rowTaps[r];
      const cols = scene.colTaps[q];
      return (
        `Output row ${r}, column ${q}${scene.filters > 1 ? ` of filter ${filter + 1}` : ""} = ${String(value)}: ` +
        `its window reads padded rows ${rows[0]}–${rows[rows.length - 1]}, columns ${cols[0]}–${cols[cols.length - 1]} (highlighted). Press Enter to step there.`
      );
    });
  }

  function bindInputCanvas() {
    const canvas = $("input-canvas");
    const view = live.view;
    canvas.addEventListener("pointermove", (event) => {
      const at = inputPixelAt(event);
      if (D.paint.strokeTo(at)) return;
      probeInput(at ? sourcePixel(at.padded) : null);
    });
    canvas.addEventListener("pointerleave", () => {
      if (!D.paint.stroking()) probeInput(null);
    });
    canvas.addEventListener("keydown", (event) => {
      const scene = live.scene;
      if (!scene) return;
      const [H, W] = scene.inSize;
      if (MOVES[event.key]) {
        event.preventDefault();
        view.cursorIn = moved(view.cursorIn || [0, 0], event.key, H, W);
        probeInput(view.cursorIn);
      } else if (event.key === "Escape") {
        view.cursorIn = null;
        probeInput(null);
      }
    });
    canvas.addEventListener("focus", () => {
      if (!view.cursorIn && live.scene) view.cursorIn = [0, 0];
      probeInput(view.cursorIn);
    });
    canvas.addEventListener("blur", () => {
      view.cursorIn = null;
      probeInput(null);
    });
  }

  function bindOutputCanvas(canvas, filter) {
    const view = live.view;
    const at = (event) => {
      const scene = live.scene;
      return scene && scene.outSize ? R.cellAt(canvas, event, scene.outSize[1], scene.outSize[0]) : null;
    };
    canvas.addEventListener("pointermove", (event) => probeOutput(at(event), filter));
    canvas.addEventListener("pointerleave", () => probeOutput(null, filter));
    canvas.addEventListener("click", (event) => {
      const cellAt = at(event);
      if (cellAt) D.slide.jump(cellAt[0] * live.scene.outSize[1] + cellAt[1]);
    });
    canvas.addEventListener("keydown", (event) => {
      const scene = live.scene;
      if (!scene || !scene.outSize) return;
      const [Ho, Wo] = scene.outSize;
      const cur = view.cursorOut || D.slide.positionOf(view.step);
      if (MOVES[event.key]) {
        event.preventDefault();
        view.cursorOut = moved(cur, event.key, Ho, Wo);
        probeOutput(view.cursorOut, filter);
      } else if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        D.slide.jump(cur[0] * Wo + cur[1]);
      } else if (event.key === "Escape") {
        view.cursorOut = null;
        probeOutput(null, filter);
      }
    });
    canvas.addEventListener("focus", () => {
      if (!live.scene || !live.scene.outSize) return;
      view.cursorOut = view.cursorOut || D.slide.positionOf(view.step);
      probeOutput(view.cursorOut, filter);
    });
    canvas.addEventListener("blur", () => {
      view.cursorOut = null;
      probeOutput(null, filter);
    });
  }

  function bind() {
    bindInputCanvas();
    bindOutputCanvas($("output-canvas-0"), 0);
  }

  D.probe = { inputPixelAt, bindOutputCanvas, bind };
})();
