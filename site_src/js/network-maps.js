// Pictures of a network's numbers: a layer's output (an image's channels as
// small maps side by side, a vector as rows of cells), a conv layer's
// kernels, with the picked pixel and the window it read marked. The layout
// (maps a row, cells, cell size) comes from Python (network_model.grid), so
// the build's pre-rendered pictures and these canvases have the same size.
// Colours are the demo's (demo-render.js): grey for the input, blue-white-red
// for everything else, one scale a picture.
(function () {
  "use strict";

  const ConvNet = window.ConvNet;
  const R = ConvDemo.render;
  const PICK = "#f5a300";
  const WINDOW = "#00a2c7";
  // One pixel a cell, scaled up onto the canvas; one kept per canvas (a new
  // canvas and its context cost a millisecond or two, many times a second
  // while training).
  const bitmaps = new WeakMap();

  function scaleOf(values) {
    let top = 0;
    for (const v of values) if (Math.abs(v) > top) top = Math.abs(v);
    return top;
  }

  // Where value `i` of a layer of `shape` sits in the picture: [row, col].
  function place(shape, grid, i) {
    if (shape.length === 1) return [Math.floor(i / grid.per_row), i % grid.per_row];
    const [, h, w] = shape;
    const ch = Math.floor(i / (h * w));
    const r = Math.floor((i % (h * w)) / w);
    const c = i % w;
    return [Math.floor(ch / grid.per_row) * (h + 1) + r, (ch % grid.per_row) * (w + 1) + c];
  }

  function indexOf(shape, at) {
    return shape.length === 1 ? at[0] : (at[0] * shape[1] + at[1]) * shape[2] + at[2];
  }

  // The cell under a picture's [row, col]: at ([ch, r, c] or [i]), or null on a gap.
  function atOf(shape, grid, row, col) {
    if (shape.length === 1) {
      const i = row * grid.per_row + col;
      return col < grid.per_row && i < shape[0] ? [i] : null;
    }
    const [channels, h, w] = shape;
    const r = row % (h + 1);
    const c = col % (w + 1);
    const ch = Math.floor(row / (h + 1)) * grid.per_row + Math.floor(col / (w + 1));
    if (r === h || c === w || ch >= channels) return null;
    return [ch, r, c];
  }

  // The canvas's backing store for the grid at this screen's pixel ratio;
  // its CSS width is the grid's, its height follows (CSS height: auto).
  function size(canvas, grid) {
    const dpr = Math.max(1, Math.round(window.devicePixelRatio || 1));
    const w = grid.cols * grid.cell * dpr;
    const h = grid.rows * grid.cell * dpr;
    if (canvas.width !== w) canvas.width = w;
    if (canvas.height !== h) canvas.height = h;
    const css = `${grid.cols * grid.cell}px`;
    if (canvas.style.width !== css) canvas.style.width = css;
    const ctx = canvas.getContext("2d");
    ctx.setTransform(w / grid.cols, 0, 0, h / grid.rows, 0, 0); // 1 unit = 1 cell
    ctx.imageSmoothingEnabled = false;
    return ctx;
  }

  function outline(ctx, row, col, colour, grid, width) {
    const lw = width / grid.cell;
    ctx.strokeStyle = colour;
    ctx.lineWidth = lw;
    ctx.strokeRect(col + lw / 2, row + lw / 2, 1 - lw, 1 - lw);
  }

  // A layer's values (flat, in the layer's order) drawn on `canvas`, with
  // `marks`: {picked: at, cells: [at, ...]} (the window on this layer).
  function draw(canvas, values, shape, grid, gray, marks) {
    const ctx = size(canvas, grid);
    const scale = gray ? 1 : scaleOf(values);
    const img = ctx.createImageData(grid.cols, grid.rows);
    for (let i = 0; i < values.length; i++) {
      const [row, col] = place(shape, grid, i);
      const rgb = gray ? [R.gray(values[i]), R.gray(values[i]), R.gray(values[i])] : R.diverging(values[i], scale);
      opaque(img, row * grid.cols + col, rgb);
    }
    blit(canvas, ctx, img, grid);
    if (marks && marks.cells) {
      ctx.fillStyle = "rgba(0, 162, 199, 0.25)";
      for (const at of marks.cells) {
        const [row, col] = place(shape, grid, indexOf(shape, at));
        ctx.fillRect(col, row, 1, 1);
        outline(ctx, row, col, WINDOW, grid, 1.5);
      }
    }
    if (marks && marks.picked) {
      const [row, col] = place(shape, grid, indexOf(shape, marks.picked));
      outline(ctx, row, col, PICK, grid, 3);
    }
    return scale;
  }

  function opaque(img, pixel, rgb) {
    const at = pixel * 4;
    img.data[at] = rgb[0];
    img.data[at + 1] = rgb[1];
    img.data[at + 2] = rgb[2];
    img.data[at + 3] = 255;
  }

  // One pixel a cell, drawn scaled up: a canvas is far quicker at one image
  // than at a fillRect (and a colour string to parse) a cell.
  function blit(canvas, ctx, img, grid) {
    let bitmap = bitmaps.get(canvas);
    if (!bitmap) {
      bitmap = document.createElement("canvas");
      bitmaps.set(canvas, bitmap);
    }
    bitmap.width = grid.cols;
    bitmap.height = grid.rows;
    bitmap.getContext("2d").putImageData(img, 0, 0);
    ctx.clearRect(0, 0, grid.cols, grid.rows);
    ctx.drawImage(bitmap, 0, 0);
  }

  // A conv layer's weights [out][in][kh][kw]: row k holds input channel k's
  // kernel of every output channel; the gaps stay transparent.
  function drawKernels(canvas, values, shape, grid) {
    const [out, inputs, kh, kw] = shape;
    const ctx = size(canvas, grid);
    const scale = scaleOf(values);
    const img = ctx.createImageData(grid.cols, grid.rows);
    for (let c = 0; c < inputs; c++) {
      for (let o = 0; o < out; o++) {
        for (let r = 0; r < kh; r++) {
          for (let k = 0; k < kw; k++) {
            const rgb = R.diverging(values[((o * inputs + c) * kh + r) * kw + k], scale);
            opaque(img, (c * (kh + 1) + r) * grid.cols + o * (kw + 1) + k, rgb);
          }
        }
      }
    }
    blit(canvas, ctx, img, grid);
    return scale;
  }

  // Which value of the picture a pointer event is over, or null.
  function atEvent(canvas, event, shape, grid) {
    const cell = R.cellAt(canvas, event, grid.cols, grid.rows);
    return cell ? atOf(shape, grid, cell[0], cell[1]) : null;
  }

  // Arrow keys move within a map; Page Up / Page Down change the channel.
  function moved(at, key, shape) {
    const next = at.slice();
    if (shape.length === 1) {
      const step = { ArrowLeft: -1, ArrowUp: -1, ArrowRight: 1, ArrowDown: 1, PageUp: -10, PageDown: 10 }[key];
      if (step === undefined) return null;
      next[0] = Math.min(shape[0] - 1, Math.max(0, at[0] + step));
      return next;
    }
    const moves = { ArrowUp: [1, -1], ArrowDown: [1, 1], ArrowLeft: [2, -1], ArrowRight: [2, 1], PageUp: [0, -1], PageDown: [0, 1] };
    const move = moves[key];
    if (!move) return null;
    const [axis, step] = move;
    next[axis] = Math.min(shape[axis] - 1, Math.max(0, at[axis] + step));
    return next;
  }

  // "4 maps of 16 × 16", "72 numbers": what a picture holds, in words.
  function mapsText(shape) {
    if (shape.length === 1) return `${shape[0]} numbers`;
    return `${shape[0]} map${shape[0] > 1 ? "s" : ""} of ${shape[1]} × ${shape[2]}`;
  }

  ConvNet.maps = { draw, drawKernels, atEvent, moved, mapsText, scaleOf, indexOf };
})();
