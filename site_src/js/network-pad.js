// The classifier's drawing grid: the demo's brushes and strokes
// (demo-input.js: paint, line, the 0 / 0.5 / 1 levels), drawn like the
// network's input (network-maps.js). A finished stroke is one change: the
// network classifies the drawing when the pointer lifts. At the keyboard the
// arrow keys move a cursor, Space or Enter paint, Delete or Backspace erase.
(function () {
  "use strict";

  const ConvNet = window.ConvNet;
  const I = ConvDemo.input;
  const M = ConvNet.maps;
  const $ = (id) => document.getElementById(id);
  const SHAPE = [1, I.SIDE, I.SIDE];
  const GRID = { cols: I.SIDE, rows: I.SIDE, per_row: 1, cell: 10 };

  let stroke = null; // the last cell of the stroke in progress
  let cursor = null; // the keyboard's cell
  let levels = null; // the drawing while a stroke paints it

  function state() {
    return ConvNet.live.state;
  }

  function current() {
    return levels || state().pixels || new Array(I.SIDE * I.SIDE).fill(0);
  }

  function draw() {
    const canvas = $("draw-pad");
    if (canvas) M.draw(canvas, I.levelValues(current()), SHAPE, GRID, true, cursor ? { picked: [0, ...cursor] } : null);
  }

  function brush() {
    const checked = document.querySelector("input[name=net-brush]:checked");
    return checked ? checked.value : "pen";
  }

  function paintCells(cells, tool) {
    const next = current().slice();
    let any = false;
    for (const [r, c] of cells) any = I.paint(next, r, c, tool) || any;
    if (any) levels = next;
    return any;
  }

  function commit() {
    if (!levels) return;
    state().pixels = levels;
    levels = null;
    ConvNet.view.changed();
  }

  function cellOf(event) {
    const at = M.atEvent($("draw-pad"), event, SHAPE, GRID);
    return at ? [at[1], at[2]] : null;
  }

  function bind() {
    const canvas = $("draw-pad");
    if (!canvas) return;
    canvas.addEventListener("pointerdown", (event) => {
      const cell = cellOf(event);
      if (!cell) return;
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      stroke = cell;
      paintCells([cell], brush());
      draw();
    });
    canvas.addEventListener("pointermove", (event) => {
      if (!stroke) return;
      const cell = cellOf(event);
      if (!cell) return;
      const from = stroke;
      stroke = cell;
      if (paintCells(I.line(from, cell), brush())) draw();
    });
    const end = () => {
      if (!stroke) return;
      stroke = null;
      commit();
    };
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("keydown", (event) => {
      const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
      const here = cursor || [Math.floor(I.SIDE / 2), Math.floor(I.SIDE / 2)];
      if (moves[event.key]) {
        event.preventDefault();
        const [dr, dc] = moves[event.key];
        cursor = [Math.min(I.SIDE - 1, Math.max(0, here[0] + dr)), Math.min(I.SIDE - 1, Math.max(0, here[1] + dc))];
        draw();
        return;
      }
      const erase = event.key === "Delete" || event.key === "Backspace";
      if (!(erase || event.key === " " || event.key === "Enter")) return;
      event.preventDefault();
      cursor = here;
      if (paintCells([here], erase ? "eraser" : brush())) commit();
      draw();
    });
    canvas.addEventListener("blur", () => {
      cursor = null;
      draw();
    });
    $("draw-clear").addEventListener("click", () => {
      levels = new Array(I.SIDE * I.SIDE).fill(0);
      commit();
      draw();
    });
  }

  ConvNet.pad = { bind, draw };
})();
