// The stage: the input and output canvases side by side (or stacked on a
// narrow screen), drawn from live.scene and live.view, and their text
// alternatives. Owns the cell size, the stage's width (kept by a
// ResizeObserver, so drawing never forces a layout), the extra output figures
// of filters 2 and 3, and the swap from the build's pictures to the canvases.
// May call demo-render.js (the pixels), demo-tables.js (nextTask),
// demo-slide.js (positionOf), demo-probe.js (bindOutputCanvas for a new
// figure) and demo-status.js (end).
(function () {
  "use strict";

  const D = window.ConvDemo;
  const { render: R, tables: T, live } = D;
  const $ = (id) => document.getElementById(id);

  let cell = 12;
  let stageWidth = 0;
  let prerendered = true;

  function ensureOutputFigures(scene) {
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
      D.probe.bindOutputCanvas(canvas, f);
      box.insertBefore(fig, $("no-output"));
      figures.push(fig);
    }
    figures.forEach((fig, f) => {
      T.setHidden(fig, f >= want);
    });
    return figures.slice(0, want);
  }

  function layoutAndDraw() {
    const scene = live.scene;
    if (!scene) return;
    if (!stageWidth) stageWidth = document.querySelector(".canvases").clientWidth;
    const [Hp, Wp] = scene.padded;
    // Side by side when the cells stay readable, otherwise one above the
    // other. Side by side, room is made for outputs as wide as the padded
    // input (the widest any kernel, stride or dilation gives), so that the
    // cells keep their size while those change and only the output grows or
    // shrinks; where that room would make the cells too small (several
    // filters on a narrow stage), for the outputs shown now.
    // The cell size with `count` outputs of `width` columns beside the input
    // (28 px of gap each), or 0 if cells that fit would be under 10 px.
    const beside = (count, width) => {
      const gap = 28 * count + 8;
      const cols = Wp + count * width;
      return Math.floor((stageWidth - gap) / cols) >= 10 ? R.cellSize(Math.min(stageWidth - gap, 24 * cols), cols) : 0;
    };
    cell =
      beside(scene.filters, Wp) ||
      (scene.outSize ? beside(scene.filters, scene.outSize[1]) : beside(0, 0)) ||
      R.cellSize(Math.min(stageWidth, 460), Math.max(Hp, Wp));
    draw();
  }

  // The build's pictures stand in for the canvases until the first drawing
  // (and the stage is a size container for them only until then).
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
    const { scene, view } = live;
    if (!scene) return;
    revealCanvases();
    const position = scene.outSize ? D.slide.positionOf(view.step) : null;
    const common = { cell, position, probeOut: view.probeOut, probeIn: view.probeIn, drawCursor: view.cursorIn };
    drawInputOnce(scene, common);
    placeWindow(scene, position);
    const strip = $("channel-strip");
    T.setHidden(strip, scene.channels !== 3);
    if (scene.channels === 3) {
      const small = Math.max(1, Math.floor(cell / 2.5));
      for (let ch = 0; ch < 3; ch++) {
        R.drawInput(document.querySelector(`[data-testid=channel-canvas-${ch}]`), scene, { ...common, cell: small }, ch);
      }
    }
    const figures = ensureOutputFigures(scene);
    figures.forEach((fig, f) => {
      R.drawOutput(fig.querySelector("canvas"), scene, f, {
        cell,
        step: view.step,
        position,
        probeOut: view.filter === f || view.probeOut ? view.probeOut : null,
        probeIn: view.probeIn,
      });
      const scale = R.scaleOf(scene, f);
      T.setText(fig.querySelector(".legend-min"), R.shortNumber(-scale));
      T.setText(fig.querySelector(".legend-max"), R.shortNumber(scale));
    });
    describeCanvases(scene, position);
  }

  // The input canvas is drawn again only when what it shows changed: a
  // step moves the window, an element over the canvas (placeWindow), and
  // leaves the canvas alone (each canvas drawn costs ~0.7 ms of a frame);
  // a new result whose picture is the same (a kernel or weight change with
  // nothing dropped or padded differently) leaves it alone too. A drawing
  // paints on scene.input and clears scene.base (demo-paint.js), which
  // draws it again.
  let inputShown = null;
  function drawInputOnce(scene, view) {
    const now = {
      scene,
      probed: Boolean(view.probeOut),
      input: scene.input,
      cell: view.cell,
      ratio: window.devicePixelRatio || 1,
      marks: JSON.stringify([
        scene.channels, scene.padded, scene.pads, scene.inSize, Boolean(scene.outSize),
        scene.dropped, scene.skipped, scene.rowMap, scene.colMap,
        view.probeOut, view.probeIn, view.drawCursor,
      ]),
    };
    if (scene.base !== null && inputShown && sameInput(inputShown, now)) {
      inputShown.scene = scene;
      return;
    }
    inputShown = { ...now, input: scene.input.slice() };
    R.drawInput($("input-canvas"), scene, { ...view, windowMark: true });
  }

  // Whether two drawings of the input canvas are the same picture (a probed
  // window's cells are the scene's own: another scene draws again).
  function sameInput(a, b) {
    if (a.cell !== b.cell || a.ratio !== b.ratio || a.marks !== b.marks) return false;
    if (b.probed && a.scene !== b.scene) return false;
    return R.sameValues(a.input, b.input);
  }

  function placeWindow(scene, position) {
    const mark = $("window-mark");
    if (!position) {
      T.setHidden(mark, true);
      return;
    }
    R.placeTiles(mark, scene.rowTaps[position[0]], scene.colTaps[position[1]], cell, "window");
  }

  function sourceText() {
    const { state, uploaded } = live;
    if (state.input === "draw") return "your drawing";
    if (state.input === "upload" && uploaded) return `${uploaded.name}, scaled from ${uploaded.original[1]} × ${uploaded.original[0]}`;
    return `MNIST digit ${state.digit}, a handwritten ${state.digit % 10}`;
  }

  function describeCanvases(scene, position) {
    const [H, W] = scene.inSize;
    const [[t, b], [l, r]] = scene.pads;
    const padded = t || b || l || r ? `padded with ${live.state.paddingMode} (top ${t}, bottom ${b}, left ${l}, right ${r})` : "no padding";
    T.setText($("input-caption"), `${sourceText()}, ${padded}`);
    let text = `Input: ${sourceText()}, ${H} × ${W} pixels, ${padded}.`;
    if (position) {
      const rows = scene.rowTaps[position[0]];
      const cols = scene.colTaps[position[1]];
      text += ` The current window reads padded rows ${rows[0]} to ${rows[rows.length - 1]} and columns ${cols[0]} to ${cols[cols.length - 1]}.`;
    }
    if (scene.dropped[0].length || scene.dropped[1].length) text += " Hatched red: input rows or columns that no window reads.";
    T.setAttr($("input-canvas"), "aria-label", `${text} The values are in the table “Input values”.`);
    document.querySelectorAll("#outputs figure.panel-output canvas").forEach((canvas, f) => {
      if (!scene.outSize || f >= scene.filters) return;
      const [lo, hi] = scene.ranges[f];
      T.setAttr(
        canvas,
        "aria-label",
        `Output of filter ${f + 1}: ${scene.outSize[0]} × ${scene.outSize[1]} values from ${R.shortNumber(lo)} to ${R.shortNumber(hi)}, ` +
          `${live.view.step + 1} of ${scene.steps} filled in. Blue is negative, red positive. ` +
          (f === 0 ? "The values are in the table “Output values”." : ""),
      );
    });
  }

  // The observer hands over the stage's width, so drawing never forces a
  // layout. Its first call comes in the first frame, after layout: the first
  // drawing then runs as a task of its own right after that frame (inside
  // it, on a busy machine, frame and drawing made one 60-90 ms task), shows
  // in the next frame and ends `token` (busy until then). Later width changes
  // are drawn in the next frame.
  function observe(token) {
    let firstDraw = token;
    let resizeFrame = 0;
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
          D.status.end(drawn);
        });
        return;
      }
      resizeFrame = requestAnimationFrame(layoutAndDraw);
    }).observe(document.querySelector(".canvases"));
  }

  D.stage = { layoutAndDraw, draw, observe };
})();
