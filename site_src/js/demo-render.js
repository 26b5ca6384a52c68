// Drawing the demo's canvases: the padded input with the current window, the
// output filling in step by step, and the colour scale.
//
// Every number drawn here arrived from Python (the input values, the outputs,
// which padded cells each window reads, which input pixel a padded cell
// shows); this file only maps them to colours and rectangles.
(function () {
  "use strict";

  const ConvDemo = (window.ConvDemo = window.ConvDemo || {});

  const NEG = [33, 102, 172];
  const MID = [247, 247, 247];
  const POS = [178, 24, 43];
  const WINDOW = "#f5a300";
  const PROBE = "#00a2c7";
  const DROPPED = "rgba(220, 40, 40, 0.6)"; // after the last window
  const SKIPPED = "rgba(220, 40, 40, 0.35)"; // between windows

  // A diverging colour: blue below zero, near-white at zero, red above.
  function diverging(value, scale) {
    return divergingInto(value, scale, [0, 0, 0]);
  }

  function divergingInto(value, scale, rgb) {
    const t = scale > 0 ? Math.max(-1, Math.min(1, value / scale)) : 0;
    const end = t < 0 ? NEG : POS;
    const a = Math.abs(t);
    for (let i = 0; i < 3; i++) rgb[i] = Math.round(MID[i] + (end[i] - MID[i]) * a);
    return rgb;
  }

  function gray(v) {
    return Math.round(Math.max(0, Math.min(1, v)) * 255);
  }

  // Image data of `width` x `height` pixels, one per cell, from colour(r, c,
  // px), which sets the cell's px[0..3] (red, green, blue, alpha: 255 unless
  // it says).
  const px = [0, 0, 0, 255];
  function cellPixels(ctx, width, height, colour) {
    const img = ctx.createImageData(width, height);
    const data = img.data;
    for (let r = 0, o = 0; r < height; r++) {
      for (let c = 0; c < width; c++, o += 4) {
        px[3] = 255;
        colour(r, c, px);
        data[o] = px[0];
        data[o + 1] = px[1];
        data[o + 2] = px[2];
        data[o + 3] = px[3];
      }
    }
    return img;
  }

  // An offscreen canvas holding cellPixels. The canvas named `name` is reused
  // from one result to the next: a new canvas and its context cost ~1-2 ms
  // each, three per result.
  const offscreen = new Map();
  function cellImage(width, height, colour, name) {
    let canvas = name && offscreen.get(name);
    if (!canvas) {
      canvas = document.createElement("canvas");
      if (name) offscreen.set(name, canvas);
    }
    if (canvas.width !== width) canvas.width = width;
    if (canvas.height !== height) canvas.height = height;
    const ctx = canvas.getContext("2d");
    ctx.putImageData(cellPixels(ctx, width, height, colour), 0, 0);
    return canvas;
  }

  // Set a canvas to `cols` x `rows` cells of `cell` CSS pixels, sharp on any
  // screen (or, given `perCell`, that many bitmap pixels a cell, scaled up
  // by CSS). A canvas on screen given a new bitmap size costs 0.3-0.6 ms (the
  // bitmap is made again), and most changes give the output a new size; so
  // where the browser can show part of a canvas (object-view-box), its bitmap
  // only grows, and the cells are drawn in its top-left part, which is shown.
  const CROPS = Boolean(window.CSS && CSS.supports && CSS.supports("object-view-box", "inset(0px)"));
  const shownPart = new WeakMap(); // canvas -> its CSS size and view, as last set
  function sizeCanvas(canvas, cols, rows, cell, perCell) {
    const unit = perCell || cell * (window.devicePixelRatio || 1);
    const w = Math.max(1, Math.round(cols * unit));
    const h = Math.max(1, Math.round(rows * unit));
    if (CROPS ? canvas.width < w : canvas.width !== w) canvas.width = w;
    if (CROPS ? canvas.height < h : canvas.height !== h) canvas.height = h;
    const part = `${cols * cell}px ${rows * cell}px inset(0px ${canvas.width - w}px ${canvas.height - h}px 0px)`;
    if (shownPart.get(canvas) !== part) {
      shownPart.set(canvas, part);
      canvas.style.width = `${cols * cell}px`;
      canvas.style.height = `${rows * cell}px`;
      if (CROPS) canvas.style.objectViewBox = `inset(0px ${canvas.width - w}px ${canvas.height - h}px 0px)`;
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(w / cols, 0, 0, h / rows, 0, 0); // 1 unit = 1 cell
    ctx.imageSmoothingEnabled = false;
    return ctx;
  }

  function gridLines(ctx, cols, rows, cell) {
    if (cell < 7) return;
    ctx.save();
    ctx.strokeStyle = "rgba(128, 128, 128, 0.35)";
    ctx.lineWidth = 1 / cell;
    ctx.beginPath();
    for (let c = 1; c < cols; c++) {
      ctx.moveTo(c, 0);
      ctx.lineTo(c, rows);
    }
    for (let r = 1; r < rows; r++) {
      ctx.moveTo(0, r);
      ctx.lineTo(cols, r);
    }
    ctx.stroke();
    ctx.restore();
  }

  // Diagonal lines over cells x..x+w, y..y+h (in cells), `colour` lines
  // 1.2 px wide and 4 px apart (thinner and closer on tiny cells). Filled
  // with a repeating tile of those lines, drawn once per colour and size in
  // screen pixels: a rectangle clipped and stroked line by line made the
  // browser raster every clip and line when it flushed the canvas, before
  // the frame (3.8 ms a "Stride" press, traced, against 0.6 as a tile).
  const hatchTiles = new Map(); // "colour step width" -> tile canvas
  function hatch(ctx, x, y, w, h, colour, cell) {
    const { a: sx, d: sy } = ctx.getTransform(); // screen pixels a cell
    const step = Math.max(2, Math.round(Math.max(0.5, 4 / cell) * sx));
    const width = Math.max(1.2 / cell, 0.08) * sx;
    const key = `${colour} ${step} ${width}`;
    let tile = hatchTiles.get(key);
    if (!tile) {
      tile = document.createElement("canvas");
      tile.width = step;
      tile.height = step;
      const t = tile.getContext("2d");
      t.strokeStyle = colour;
      t.lineWidth = width;
      t.beginPath();
      for (const offset of [-step, 0, step]) {
        t.moveTo(offset, step);
        t.lineTo(offset + step, 0);
      }
      t.stroke();
      hatchTiles.set(key, tile);
    }
    const pattern = ctx.createPattern(tile, "repeat");
    pattern.setTransform(new DOMMatrix([1 / sx, 0, 0, 1 / sy, 0, 0])); // one tile pixel a screen pixel
    ctx.fillStyle = pattern;
    ctx.fillRect(x, y, w, h);
  }

  function outlineCell(ctx, r, c, colour, cell, width) {
    const lw = (width || 2) / cell;
    ctx.strokeStyle = colour;
    ctx.lineWidth = lw;
    ctx.strokeRect(c + lw / 2, r + lw / 2, 1 - lw, 1 - lw);
  }

  // What the input canvas needs: built once per result, and not again while
  // the padded input stays the same (a new kernel size, stride or weight).
  const baseOf = new Map(); // name -> what its offscreen canvas shows
  function inputBase(scene, channel, name) {
    const [H, W] = scene.inSize;
    const [Hp, Wp] = scene.padded;
    const held = baseOf.get(name);
    if (
      held &&
      held.channels === scene.channels &&
      sameValues(held.input, scene.input) &&
      sameValues(held.rowMap, scene.rowMap) &&
      sameValues(held.colMap, scene.colMap)
    ) {
      return offscreen.get(name);
    }
    // a copy: a drawing paints on the scene's input (demo-paint.js)
    baseOf.set(name, { channels: scene.channels, input: scene.input.slice(), rowMap: scene.rowMap, colMap: scene.colMap });
    const plane = H * W;
    const input = scene.input;
    const colour = channel === undefined && scene.channels === 3 ? "rgb" : channel === undefined || scene.channels === 1 ? "gray" : "one";
    return cellImage(Wp, Hp, (r, c, out) => {
      const i = scene.rowMap[r];
      const j = scene.colMap[c];
      if (i < 0 || j < 0) {
        out[0] = out[1] = out[2] = 150;
        return;
      }
      const at = i * W + j;
      if (colour === "rgb") {
        for (let ch = 0; ch < 3; ch++) out[ch] = gray(input[ch * plane + at]);
      } else if (colour === "gray") {
        out[0] = out[1] = out[2] = gray(input[(channel || 0) * plane + at]);
      } else {
        out[0] = out[1] = out[2] = 0;
        out[channel] = gray(input[channel * plane + at]);
      }
    }, name);
  }

  function sameValues(a, b) {
    if (a === b) return true;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
    return true;
  }

  function windowCells(scene, r, q) {
    return { rows: scene.rowTaps[r], cols: scene.colTaps[q] };
  }

  // The padded input: values, padding, cells no window reads, then windows
  // (the current one only without view.windowMark: the stage shows it by an
  // element over the canvas, see placeTiles).
  function drawInput(canvas, scene, view, channel) {
    const [Hp, Wp] = scene.padded;
    const cell = view.cell;
    const ctx = sizeCanvas(canvas, Wp, Hp, cell);
    const key = channel === undefined ? "base" : `base${channel}`;
    if (!scene[key]) scene[key] = inputBase(scene, channel, key);
    ctx.clearRect(0, 0, Wp, Hp);
    ctx.drawImage(scene[key], 0, 0, Wp, Hp);
    const [[top, bottom], [left, right]] = scene.pads;
    const [H, W] = scene.inSize;
    // Padding: hatched; zero padding also greyed, copied pixels keep their colour.
    const padColour = "rgba(255, 255, 255, 0.55)";
    if (top) hatch(ctx, 0, 0, Wp, top, padColour, cell);
    if (bottom) hatch(ctx, 0, top + H, Wp, bottom, padColour, cell);
    if (left) hatch(ctx, 0, top, left, H, padColour, cell);
    if (right) hatch(ctx, left + W, top, right, H, padColour, cell);
    gridLines(ctx, Wp, Hp, cell);
    ctx.strokeStyle = "rgba(128, 128, 128, 0.9)";
    ctx.lineWidth = 1.5 / cell;
    if (top || bottom || left || right) ctx.strokeRect(left, top, W, H);
    if (!scene.outSize) return; // no window at all: the message says so
    // Input rows and columns that no window reads.
    for (const i of scene.dropped[0]) hatch(ctx, left, top + i, W, 1, DROPPED, cell);
    for (const j of scene.dropped[1]) hatch(ctx, left + j, top, 1, H, DROPPED, cell);
    for (const i of scene.skipped[0]) hatch(ctx, left, top + i, W, 1, SKIPPED, cell);
    for (const j of scene.skipped[1]) hatch(ctx, left + j, top, 1, H, SKIPPED, cell);
    const paint = (pos, colour) => {
      const { rows, cols } = windowCells(scene, pos[0], pos[1]);
      ctx.fillStyle = colour === WINDOW ? "rgba(245, 163, 0, 0.18)" : "rgba(0, 162, 199, 0.18)";
      const r0 = rows[0];
      const c0 = cols[0];
      ctx.fillRect(c0, r0, cols[cols.length - 1] - c0 + 1, rows[rows.length - 1] - r0 + 1);
      for (const r of rows) for (const c of cols) outlineCell(ctx, r, c, colour, cell, 2);
    };
    if (view.position && !view.windowMark) paint(view.position, WINDOW);
    if (view.probeOut) paint(view.probeOut, PROBE);
    if (view.probeIn) {
      const [i, j] = view.probeIn;
      outlineCell(ctx, i + top, j + left, PROBE, cell, 3);
    }
    if (view.drawCursor) {
      const [i, j] = view.drawCursor;
      outlineCell(ctx, i + top, j + left, PROBE, cell, 3);
    }
  }

  // One filter's output: cells up to `view.step` coloured, the rest empty.
  // The canvas holds one pixel per cell, scaled up by CSS (pixelated) over a
  // grey background that the empty cells let through; the grid lines, the
  // current cell and the probes are elements over it (their box, see
  // index.html). So a step forward puts one pixel into a tiny bitmap and
  // moves an element: a full-size canvas drawn again cost ~0.5 ms more a
  // step, to the frame (same-run knock-out).
  const outputShown = new WeakMap(); // canvas -> its overlays and what they show
  function drawOutput(canvas, scene, filter, view) {
    const [Ho, Wo] = scene.outSize;
    const cell = view.cell;
    const shown = outputOverlays(canvas);
    const bitmap = `${canvas.width}x${canvas.height}`;
    const ctx = sizeCanvas(canvas, Wo, Ho, cell, 1);
    if (shown.cell !== cell) {
      shown.cell = cell;
      shown.grid.style.backgroundSize = `${cell}px ${cell}px`;
    }
    if (shown.grid.hidden !== cell < 7) shown.grid.hidden = cell < 7;
    const key = `colours${filter}`;
    if (!scene[key]) scene[key] = outputColours(ctx, scene, filter);
    if (bitmap !== `${canvas.width}x${canvas.height}`) shown.colours = null; // a new bitmap is empty
    const step = Math.min(view.step, Wo * Ho - 1);
    if (shown.colours !== scene[key] || step < shown.step) {
      ctx.clearRect(0, 0, Wo, Ho);
      shown.step = -1;
    }
    shown.colours = scene[key];
    putCells(ctx, scene[key], Wo, shown.step + 1, step);
    shown.step = step;
    placeCell(shown.current, view.position, cell);
    placeCell(shown.probe, view.probeOut, cell);
    // the output cells whose windows read the probed input pixel
    const probeIn = view.probeIn;
    const rows = probeIn ? scene.rowUsers[probeIn[0]] || [] : [];
    const cols = probeIn ? scene.colUsers[probeIn[1]] || [] : [];
    placeTiles(shown.users, rows, cols, cell, "probe");
  }

  function outputOverlays(canvas) {
    let shown = outputShown.get(canvas);
    if (!shown) {
      const box = canvas.parentNode;
      shown = {
        grid: box.querySelector(".cell-grid"),
        current: box.querySelector(".cell-current"),
        probe: box.querySelector(".cell-probe"),
        users: box.querySelector(".probe-users"),
        cell: 0,
        colours: null,
        step: -1,
      };
      outputShown.set(canvas, shown);
    }
    return shown;
  }

  // Every output value's colour, one pixel each (the scale is the filter's).
  function outputColours(ctx, scene, filter) {
    const [Ho, Wo] = scene.outSize;
    const scale = scaleOf(scene, filter);
    const offset = filter * Ho * Wo;
    return cellPixels(ctx, Wo, Ho, (r, c, out) => divergingInto(scene.output[offset + r * Wo + c], scale, out));
  }

  // Cells `from` to `to` (row-major indices), put as at most three rectangles.
  function putCells(ctx, img, cols, from, to) {
    if (to < from) return;
    const r0 = Math.floor(from / cols);
    const r1 = Math.floor(to / cols);
    const c0 = from % cols;
    const c1 = to % cols;
    if (r0 === r1) {
      ctx.putImageData(img, 0, 0, c0, r0, c1 - c0 + 1, 1);
      return;
    }
    ctx.putImageData(img, 0, 0, c0, r0, cols - c0, 1);
    if (r1 > r0 + 1) ctx.putImageData(img, 0, 0, 0, r0 + 1, cols, r1 - r0 - 1);
    ctx.putImageData(img, 0, 0, 0, r1, c1 + 1, 1);
  }

  // One cell's outline (the current window's output, or the probed one).
  function placeCell(mark, at, cell) {
    if (mark.hidden !== !at) mark.hidden = !at;
    if (!at) return;
    const size = `${cell}px`;
    if (mark.style.width !== size) {
      mark.style.width = size;
      mark.style.height = size;
    }
    mark.style.transform = `translate(${at[1] * cell}px, ${at[0] * cell}px)`;
  }

  // An element over a canvas marking the cells of `rows` x `cols` (each list
  // evenly spaced: a window's taps by the dilation, the output cells that
  // read one input pixel by the dilation over the stride), one repeated tile
  // of look `name` a cell. Its style is written only where it changed.
  const tilesShown = new WeakMap(); // mark -> the size and place last written
  function placeTiles(mark, rows, cols, cell, name) {
    const none = !rows.length || !cols.length;
    if (mark.hidden !== none) mark.hidden = none;
    if (none) return;
    const rowStep = rows.length > 1 ? rows[1] - rows[0] : 1;
    const colStep = cols.length > 1 ? cols[1] - cols[0] : 1;
    const width = (cols[cols.length - 1] - cols[0] + 1) * cell;
    const height = (rows[rows.length - 1] - rows[0] + 1) * cell;
    const shown = tilesShown.get(mark) || { tile: "", tileSize: "", size: "", at: "" };
    tilesShown.set(mark, shown);
    // The tile only when it changes: the same data: URL written again can make
    // Chromium parse the SVG anew (a new image document, ~1.8 ms in a trace).
    // It is drawn in cells, so a new cell size only scales it.
    const bordered = cell > 4;
    const tile = `${name}/${rowStep}x${colStep}/${bordered}`;
    if (tile !== shown.tile) {
      shown.tile = tile;
      mark.style.backgroundImage = cellTile(bordered, rowStep, colStep, TILES[name]);
    }
    const tileSize = `${colStep * cell}px ${rowStep * cell}px`;
    if (tileSize !== shown.tileSize) {
      shown.tileSize = tileSize;
      mark.style.backgroundSize = tileSize;
    }
    const size = `${width}x${height}`;
    if (size !== shown.size) {
      shown.size = size;
      mark.style.width = `${width}px`;
      mark.style.height = `${height}px`;
    }
    const at = `translate(${cols[0] * cell}px, ${rows[0] * cell}px)`;
    if (at !== shown.at) {
      shown.at = at;
      mark.style.transform = at;
    }
  }

  // One tapped cell's look, as a background image repeated every `rowStep` x
  // `colStep` cells: its border drawn inside it (as outlineCell draws it on a
  // canvas), or (not `bordered`) the whole cell, too small for a border.
  // Drawn in cells (the background's size scales it), the border `width` CSS
  // pixels whatever the scale: twice as wide on the cell's edge, the outer
  // half clipped.
  const TILES = {
    window: { stroke: WINDOW, width: 2, fill: "none" },
    probe: { stroke: PROBE, width: 1.5, fill: "rgba(0, 162, 199, 0.25)" },
  };
  function cellTile(bordered, rowStep, colStep, look) {
    const shape = bordered
      ? '<clipPath id="cell"><rect width="1" height="1"/></clipPath>' +
        `<rect width="1" height="1" clip-path="url(#cell)" fill="${look.fill}" stroke="${look.stroke}" ` +
        `stroke-width="${2 * look.width}" vector-effect="non-scaling-stroke"/>`
      : `<rect width="1" height="1" fill="${look.stroke}"/>`;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${colStep} ${rowStep}" preserveAspectRatio="none">${shape}</svg>`;
    return `url("data:image/svg+xml,${encodeURIComponent(svg)}")`;
  }

  function scaleOf(scene, filter) {
    const [lo, hi] = scene.ranges[filter];
    return Math.max(Math.abs(lo), Math.abs(hi));
  }

  // A short label for the legend (the tables hold the exact values).
  function shortNumber(v) {
    if (v === 0) return "0";
    return String(Number(v.toPrecision(4)));
  }

  // The cell size (CSS px) that lets the padded input fit `width` pixels.
  function cellSize(width, cols) {
    return Math.max(2, Math.min(24, Math.floor(width / cols)));
  }

  // Which cell of a canvas showing cols x rows cells a pointer event is over.
  function cellAt(canvas, event, cols, rows) {
    const rect = canvas.getBoundingClientRect();
    const c = Math.floor(((event.clientX - rect.left) / rect.width) * cols);
    const r = Math.floor(((event.clientY - rect.top) / rect.height) * rows);
    if (r < 0 || c < 0 || r >= rows || c >= cols) return null;
    return [r, c];
  }

  // PNG of one filter's output, each value a square of `cell` pixels.
  function outputPng(scene, filter) {
    const [Ho, Wo] = scene.outSize;
    const cell = Math.max(1, Math.ceil(256 / Math.max(Ho, Wo)));
    const canvas = document.createElement("canvas");
    canvas.width = Wo * cell;
    canvas.height = Ho * cell;
    const ctx = canvas.getContext("2d");
    ctx.imageSmoothingEnabled = false;
    const scale = scaleOf(scene, filter);
    const offset = filter * Ho * Wo;
    const img = cellImage(Wo, Ho, (r, c, out) => divergingInto(scene.output[offset + r * Wo + c], scale, out));
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
  }

  ConvDemo.render = {
    diverging,
    gray,
    drawInput,
    drawOutput,
    placeTiles,
    scaleOf,
    sameValues,
    shortNumber,
    cellSize,
    cellAt,
    outputPng,
    colours: { NEG, MID, POS },
  };
})();
