// Drawing a grid of numbers as cells on a canvas, with overlays, and turning
// clicks and arrow keys back into cells (Learn.grid).
(function () {
  "use strict";

  const INK = [28, 32, 48];
  const PAPER = [255, 255, 255];
  const NEG = [37, 99, 235];
  const MAX_CSS_WIDTH = 352; // .grid-canvas max-width (22rem) in CSS pixels
  const POS = [234, 88, 12];

  function mix(a, b, t) {
    const u = Math.max(0, Math.min(1, t));
    return `rgb(${a.map((v, i) => Math.round(v + (b[i] - v) * u)).join(",")})`;
  }

  function range(grid) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const row of grid) {
      for (const v of row) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    return [lo, hi];
  }

  // A colour for each value: ink on paper for non-negative data (0 is white),
  // blue/white/orange around 0 when there are negative values. fixedMax, when
  // given, is the value drawn strongest (one scale for several grids);
  // diverging asks for blue/white/orange whatever the signs.
  function colourScale(grid, fixedMax, diverging) {
    const [lo, hi] = range(grid);
    if (lo < 0 || diverging) {
      const m = fixedMax || Math.max(Math.abs(lo), Math.abs(hi)) || 1;
      return (v) => (v < 0 ? mix(PAPER, NEG, -v / m) : mix(PAPER, POS, v / m));
    }
    const m = fixedMax || hi || 1;
    return (v) => mix(PAPER, INK, v / m);
  }

  // draw(canvas, grid, opts): opts.margin (cells drawn around the grid, e.g.
  // for a receptive field reaching into the padding), opts.max (value drawn
  // darkest, or strongest either side of 0), opts.diverging (blue below 0,
  // orange above, even without negative values), opts.scaleTo (size cells as
  // for a grid that many cells wide),
  // opts.fills [{cells: [[r, c]...], colour}], opts.boxes [{r0, c0, r1, c1,
  // colour, dash, width}], opts.dim (a function (r, c) -> a colour to shade
  // that cell with, or ""), opts.dots [[r, c]...], opts.selected [r, c].
  function draw(canvas, grid, opts) {
    const o = opts || {};
    const rows = grid.length;
    const cols = rows ? grid[0].length : 0;
    const margin = o.margin || 0;
    const dpr = window.devicePixelRatio || 1;
    const across = cols + 2 * margin;
    const down = rows + 2 * margin;
    let cell;
    if (o.scaleTo) {
      // Cells as big as those of a grid `scaleTo` cells wide in the same
      // space, so a smaller output looks smaller than its input.
      const room = Math.min(canvas.parentElement.clientWidth || 280, MAX_CSS_WIDTH);
      cell = Math.max(3, Math.floor((room * dpr) / Math.max(o.scaleTo + 2 * margin, across, 1)));
      canvas.style.width = `${(cell * across) / dpr}px`;
    } else {
      const cssWidth = canvas.clientWidth || 280;
      cell = Math.max(3, Math.floor((cssWidth * dpr) / Math.max(across, 1)));
    }
    canvas.width = cell * across;
    canvas.height = cell * down;
    canvas._grid = { rows, cols, margin, cell };
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#eef0f4";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    const colour = colourScale(grid, o.max, o.diverging);
    const x0 = margin * cell;
    const y0 = margin * cell;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        ctx.fillStyle = colour(grid[r][c]);
        ctx.fillRect(x0 + c * cell, y0 + r * cell, cell, cell);
      }
    }
    if (o.dim) {
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const shade = o.dim(r, c);
          if (shade) {
            ctx.fillStyle = shade;
            ctx.fillRect(x0 + c * cell, y0 + r * cell, cell, cell);
          }
        }
      }
    }
    if (cell >= 6) {
      ctx.strokeStyle = "rgba(120,128,150,0.25)";
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (let r = 0; r <= rows; r++) {
        ctx.moveTo(x0, y0 + r * cell + 0.5);
        ctx.lineTo(x0 + cols * cell, y0 + r * cell + 0.5);
      }
      for (let c = 0; c <= cols; c++) {
        ctx.moveTo(x0 + c * cell + 0.5, y0);
        ctx.lineTo(x0 + c * cell + 0.5, y0 + rows * cell);
      }
      ctx.stroke();
    }
    for (const fill of o.fills || []) {
      ctx.fillStyle = fill.colour;
      for (const [r, c] of fill.cells) {
        ctx.fillRect(x0 + c * cell, y0 + r * cell, cell, cell);
      }
    }
    for (const box of o.boxes || []) {
      ctx.save();
      ctx.strokeStyle = box.colour || "#d6336c";
      ctx.lineWidth = Math.max(2, Math.round(cell / 6)) * (box.width || 1);
      if (box.dash) ctx.setLineDash([cell / 2, cell / 3]);
      const inset = ctx.lineWidth / 2;
      ctx.strokeRect(
        x0 + box.c0 * cell + inset,
        y0 + box.r0 * cell + inset,
        (box.c1 - box.c0 + 1) * cell - 2 * inset,
        (box.r1 - box.r0 + 1) * cell - 2 * inset,
      );
      ctx.restore();
    }
    for (const [r, c] of o.dots || []) {
      ctx.beginPath();
      ctx.arc(x0 + (c + 0.5) * cell, y0 + (r + 0.5) * cell, cell * 0.3, 0, 2 * Math.PI);
      ctx.fillStyle = "#d6336c";
      ctx.fill();
      ctx.lineWidth = Math.max(1, cell / 10);
      ctx.strokeStyle = "#ffffff";
      ctx.stroke();
    }
    if (o.selected) {
      const [r, c] = o.selected;
      ctx.save();
      ctx.strokeStyle = "#d6336c";
      ctx.lineWidth = Math.max(2, Math.round(cell / 5));
      ctx.strokeRect(x0 + c * cell + 1, y0 + r * cell + 1, cell - 2, cell - 2);
      ctx.restore();
    }
  }

  // The grid cell under a pointer event, or null.
  function cellAt(canvas, event) {
    const g = canvas._grid;
    if (!g) return null;
    const rect = canvas.getBoundingClientRect();
    const scale = canvas.width / rect.width;
    const c = Math.floor(((event.clientX - rect.left) * scale) / g.cell) - g.margin;
    const r = Math.floor(((event.clientY - rect.top) * scale) / g.cell) - g.margin;
    if (r < 0 || c < 0 || r >= g.rows || c >= g.cols) return null;
    return [r, c];
  }

  // Click and arrow keys pick a cell; onPick([r, c]) gets the new cell.
  function pickable(canvas, current, onPick) {
    canvas.addEventListener("click", (event) => {
      const cell = cellAt(canvas, event);
      if (cell) onPick(cell);
    });
    canvas.addEventListener("keydown", (event) => {
      const g = canvas._grid;
      const at = current();
      if (!g || !at) return;
      const moves = {
        ArrowUp: [-1, 0],
        ArrowDown: [1, 0],
        ArrowLeft: [0, -1],
        ArrowRight: [0, 1],
      };
      let next = null;
      if (moves[event.key]) {
        const [dr, dc] = moves[event.key];
        next = [at[0] + dr, at[1] + dc];
      } else if (event.key === "Home") {
        next = [at[0], 0];
      } else if (event.key === "End") {
        next = [at[0], g.cols - 1];
      }
      if (!next) return;
      event.preventDefault();
      next = [Math.max(0, Math.min(g.rows - 1, next[0])), Math.max(0, Math.min(g.cols - 1, next[1]))];
      if (next[0] !== at[0] || next[1] !== at[1]) onPick(next);
    });
  }

  function blank(rows, cols, value) {
    return Array.from({ length: rows }, () => new Array(cols).fill(value || 0));
  }

  // Rows of a small table of numbers (textContent only: values may come from the URL).
  function fillTable(table, grid, cellText, decorate) {
    const body = table.tBodies[0] || table.appendChild(document.createElement("tbody"));
    body.replaceChildren();
    grid.forEach((row, r) => {
      const tr = document.createElement("tr");
      row.forEach((value, c) => {
        const td = document.createElement("td");
        td.textContent = cellText ? cellText(value, r, c) : String(value);
        if (decorate) decorate(td, r, c, value);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  // A widget's canvas by its data-role.
  function canvas(w, role) {
    return w.el.querySelector(`canvas[data-role="${role}"]`);
  }

  window.Learn.grid = { draw, cellAt, pickable, blank, fillTable, colourScale, canvas };
})();
