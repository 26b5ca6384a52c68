// Painting on the input canvas when the source is a drawing: a stroke of the
// pointer, or Space/Enter (Delete/Backspace to erase) at the keyboard cursor
// of demo-probe.js; "clear" and "from the digit". The new pixels show at once
// in the current scene while Python recomputes; one stroke is one history
// entry. Owns the stroke in progress. May call demo-input.js (paint, line,
// levels), demo-probe.js (inputPixelAt), demo-source.js (use), demo-stage.js
// (draw), demo-compute.js, demo-controls.js (changed), demo-history.js
// (commit), demo-slide.js (stop) and demo-status.js (busy).
(function () {
  "use strict";

  const D = window.ConvDemo;
  const { input: I, live } = D;
  const $ = (id) => document.getElementById(id);

  let stroke = null; // the last pixel of the stroke in progress

  function drawingChanged(final) {
    D.source.use("draw");
    const { scene, state } = live;
    if (scene && !scene.error && state.channels) {
      // show the new pixels at once; Python's values replace them in a moment
      const values = I.levelValues(state.pixels);
      const plane = values.length;
      if (scene.input.length === plane * scene.channels && scene.inSize[0] === I.SIDE && scene.inSize[1] === I.SIDE) {
        for (let ch = 0; ch < scene.channels; ch++) scene.input.set(values, ch * plane);
        scene.base = scene.base0 = scene.base1 = scene.base2 = null;
        D.stage.draw();
      }
    }
    if (final) D.controls.changed("draw", true);
    else {
      D.slide.stop(false);
      D.compute.requestCompute();
    }
  }

  function brush() {
    const checked = document.querySelector("input[name=brush]:checked");
    return checked ? checked.value : "pen";
  }

  // Paints `tool` along `pixels` on a copy of the drawing; true if any changed.
  function paintAll(pixels, tool, final) {
    const levels = live.state.pixels.slice();
    let any = false;
    for (const [i, j] of pixels) any = I.paint(levels, i, j, tool) || any;
    if (!any) return false;
    live.state.pixels = levels;
    drawingChanged(final);
    return true;
  }

  // The pointer moved to `at` (demo-probe.js's inputPixelAt): true if that
  // continued a stroke (then it points at nothing).
  function strokeTo(at) {
    if (!stroke || !at) return false;
    const from = stroke;
    stroke = at.pixel;
    paintAll(I.line(from, at.pixel), brush(), false);
    return true;
  }

  function stroking() {
    return stroke !== null;
  }

  function bind() {
    const canvas = $("input-canvas");
    canvas.addEventListener("pointerdown", (event) => {
      if (live.state.input !== "draw" || !live.scene) return;
      const at = D.probe.inputPixelAt(event);
      if (!at) return;
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      stroke = at.pixel;
      paintAll([at.pixel], brush(), false);
    });
    const endStroke = () => {
      if (!stroke) return;
      stroke = null;
      D.history.commit("draw", true);
    };
    canvas.addEventListener("pointerup", endStroke);
    canvas.addEventListener("pointercancel", endStroke);
    canvas.addEventListener("keydown", (event) => {
      const erase = event.key === "Delete" || event.key === "Backspace";
      if (!live.scene || live.state.input !== "draw" || !(erase || event.key === " " || event.key === "Enter")) return;
      event.preventDefault();
      const cur = live.view.cursorIn || [0, 0];
      live.view.cursorIn = cur;
      paintAll([cur], erase ? "eraser" : brush(), true);
    });
    $("draw-clear").addEventListener("click", () => {
      live.state.pixels = new Array(I.SIDE * I.SIDE).fill(0);
      drawingChanged(true);
    });
    $("draw-from-digit").addEventListener("click", async () => {
      const token = D.status.begin("digits");
      try {
        await I.loadDigits();
      } catch (err) {
        // levelsFromDigit gives a blank drawing without them
      }
      live.state.pixels = I.levelsFromDigit(live.state.digit);
      drawingChanged(true);
      D.status.end(token);
    });
  }

  D.paint = { strokeTo, stroking, bind };
})();
