// The demo's HTML tables: every input and output value, and the arithmetic of
// the current window (the network page shows its windows with the same code). Values are written with String(number), the shortest
// text that reads back as the same double (what Python's repr prints, except
// that whole numbers have no ".0").
//
// Big tables are filled in slices of a few milliseconds, each its own task, so
// the page never freezes and frames and input get through between slices; each
// fill reports when it is complete (the page is "busy" until then).
(function () {
  "use strict";

  const ConvDemo = (window.ConvDemo = window.ConvDemo || {});
  const CELLS_PER_STEP = 1000; // cells parsed at a time (about 1 ms here)
  const SLICE_MS = 8; // then a slice yields to the browser
  const CELLS_AT_ONCE = 6000; // a table this small is written in one go

  // A new task, without setTimeout's clamp on chains of timeouts (4 ms each
  // after the fifth) or waiting for the next frame as requestAnimationFrame does.
  const channel = new MessageChannel();
  const tasks = [];
  channel.port1.onmessage = () => tasks.shift()();
  function nextTask(fn) {
    tasks.push(fn);
    channel.port2.postMessage(null);
  }
  const fills = new WeakMap(); // table -> generation of its latest fill
  const shown = new WeakMap(); // table -> {height, width, values} it holds complete

  // Text is written only where it changed: a write, even of the same text,
  // is a new text node to lay out and paint (or, in a live region, to read
  // out again).
  function setText(node, text) {
    if (node && node.textContent !== text) node.textContent = text;
  }

  // The same for an attribute.
  function setAttr(node, name, value) {
    if (node.getAttribute(name) !== value) node.setAttribute(name, value);
  }

  // The same for `hidden` (a write of the same value still restyles).
  function setHidden(node, hidden) {
    if (node.hidden !== hidden) node.hidden = hidden;
  }

  function el(tag, text, attrs) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (attrs) for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    return node;
  }

  // Rows of cells as HTML text. Safe as markup: every cell is String(number)
  // of a value computed by Python (digits, "-", ".", "e", "+", "Infinity",
  // "NaN") or a row/column index, never text from the URL or the user.
  function headerHtml(width) {
    let html = '<tr><th scope="col">row</th>';
    for (let c = 0; c < width; c++) html += `<th scope="col">${c}</th>`;
    return `${html}</tr>`;
  }

  function rowsHtml(values, offset, from, to, width) {
    let html = "";
    for (let r = from; r < to; r++) {
      html += `<tr><th scope="row">${r}</th>`;
      const base = offset + r * width;
      for (let c = 0; c < width; c++) html += `<td>${String(values[base + c])}</td>`;
      html += "</tr>";
    }
    return html;
  }

  // Fill `table` with height x width values (values[offset + r*width + c]).
  // Resolves true when done, false when a newer fill of the same table took
  // over. A table already holding these very numbers is left alone; a small
  // one shows the rows of its shape (see rowsFor) with the numbers that
  // changed written; a big one is written in slices of SLICE_MS so no task
  // runs long.
  function fillValues(table, caption, values, offset, height, width) {
    const generation = (fills.get(table) || 0) + 1;
    fills.set(table, generation);
    const captionEl = table.querySelector("caption");
    if (captionEl.textContent !== caption) captionEl.textContent = caption;
    const held = shown.get(table);
    const count = height * width;
    if (held && held.height === height && held.width === width && sameValues(held.values, values, offset, count)) {
      return Promise.resolve(true);
    }
    const done = () => {
      shown.set(table, { height, width, values: values.slice(offset, offset + count) });
      return true;
    };
    if (count <= CELLS_AT_ONCE) {
      const rows = rowsFor(table, height, width);
      showRows(table, rows);
      for (let i = 0; i < count; i++) {
        const text = String(values[offset + i]);
        if (rows.texts[i] !== text) {
          rows.cells[i].data = text;
          rows.texts[i] = text;
        }
      }
      return Promise.resolve(done());
    }
    shown.delete(table);
    const thead = table.tHead || table.createTHead();
    thead.innerHTML = headerHtml(width);
    const tbody = el("tbody"); // the kept rows of small shapes stay as they are
    if (table.tBodies[0]) table.replaceChild(tbody, table.tBodies[0]);
    else table.appendChild(tbody);
    const rowsPerStep = Math.max(1, Math.floor(CELLS_PER_STEP / Math.max(1, width)));
    let row = 0;
    return new Promise((resolve) => {
      const slice = () => {
        if (fills.get(table) !== generation) {
          resolve(false);
          return;
        }
        const started = performance.now();
        do {
          const to = Math.min(height, row + rowsPerStep);
          tbody.insertAdjacentHTML("beforeend", rowsHtml(values, offset, row, to, width));
          row = to;
        } while (row < height && performance.now() - started < SLICE_MS);
        if (row < height) nextTask(slice);
        else resolve(done());
      };
      nextTask(slice);
    });
  }

  // The rows of a small table of one shape: its header row, its body, the text
  // node of every cell and the text it holds. Each table keeps the last few
  // shapes it showed, so that a new kernel size or stride swaps rows in, and
  // going back finds them (building the rows of another shape, or reshaping
  // the old ones, was a millisecond or more of a key press).
  const SHAPES_KEPT = 12;
  const rowsByShape = new WeakMap(); // table -> Map "HxW" -> rows, least recently used first
  function rowsFor(table, height, width) {
    const key = `${height}x${width}`;
    const kept = rowsByShape.get(table);
    return keepRows(table, key, (kept && kept.get(key)) || buildRows(height, width));
  }

  // The rows of a shape a result computed ahead will show (demo-ahead.js),
  // built while the page is idle.
  function prepareValues(table, height, width) {
    const kept = rowsByShape.get(table);
    if (height * width > CELLS_AT_ONCE || (kept && kept.has(`${height}x${width}`))) return;
    keepRows(table, `${height}x${width}`, buildRows(height, width));
  }

  function keepRows(table, key, rows) {
    let kept = rowsByShape.get(table);
    if (!kept) rowsByShape.set(table, (kept = new Map()));
    return keepRecent(kept, key, rows, SHAPES_KEPT);
  }

  // `value` under `key` in `map` (least recently used first) as the most
  // recent, the oldest beyond `limit` dropped: what the demo keeps of
  // results, rows and editors that may be shown again.
  function keepRecent(map, key, value, limit) {
    map.delete(key);
    map.set(key, value);
    while (map.size > limit) map.delete(map.keys().next().value);
    return value;
  }

  function buildRows(height, width) {
    const head = el("tr");
    head.appendChild(el("th", "row", { scope: "col" }));
    for (let c = 0; c < width; c++) head.appendChild(el("th", String(c), { scope: "col" }));
    const body = el("tbody");
    const cells = [];
    for (let r = 0; r < height; r++) {
      const tr = body.appendChild(el("tr"));
      tr.appendChild(el("th", String(r), { scope: "row" }));
      for (let c = 0; c < width; c++) cells.push(tr.appendChild(el("td")).appendChild(document.createTextNode("")));
    }
    return { head, body, cells, texts: new Array(height * width).fill("") };
  }

  function showRows(table, rows) {
    const thead = table.tHead || table.createTHead();
    if (thead.firstChild !== rows.head || thead.childNodes.length !== 1) thead.replaceChildren(rows.head);
    const tbody = table.tBodies[0];
    if (tbody === rows.body) return;
    if (tbody) table.replaceChild(rows.body, tbody);
    else table.appendChild(rows.body);
  }

  function sameValues(held, values, offset, count) {
    if (held.length !== count) return false;
    for (let i = 0; i < count; i++) if (!Object.is(held[i], values[offset + i])) return false;
    return true;
  }

  // The pre-rendered table holds these values already (the build wrote them):
  // its rows become the kept rows of its shape.
  function adoptValues(table, values, offset, height, width) {
    const count = height * width;
    shown.set(table, { height, width, values: values.slice(offset, offset + count) });
    if (count > CELLS_AT_ONCE || !table.tHead || !table.tBodies[0]) return;
    const body = table.tBodies[0];
    const cells = Array.from(body.querySelectorAll("td"), (td) => td.firstChild || td.appendChild(document.createTextNode("")));
    keepRows(table, `${height}x${width}`, { head: table.tHead.rows[0], body, cells, texts: cells.map((text) => text.data) });
  }

  // No numbers: the rows are taken out (and kept for their shape), the caption says why.
  function clearValues(table, caption) {
    fills.set(table, (fills.get(table) || 0) + 1);
    shown.delete(table);
    table.querySelector("caption").textContent = caption;
    if (table.tHead) table.tHead.replaceChildren();
    if (table.tBodies[0]) table.tBodies[0].remove();
  }

  // The arithmetic's rows of each table, reshaped in place for a new shape
  // ("blocks:khxkw"): cells added or taken off at the ends of the rows, rows
  // at the end of each block, blocks at the end of the table. A cell kept
  // keeps its style and layout (rows built anew for each shape, even ahead
  // while the page was idle, were all styled and laid out again: with the
  // weight editors, a long task in a drag of the kernel slider at 14 x 14).
  // table -> {key, made (every block made), tbodies and cells (the shape's)}
  const bodies = new WeakMap();
  const tapShown = new WeakMap(); // tap cell -> the numbers it shows (fillArithmetic)
  // The table's blocks for a shape, and whether they were just reshaped.
  function bodiesFor(table, blocks, kh, kw) {
    if (!bodies.has(table)) bodies.set(table, { key: "", made: [], tbodies: [], cells: [] });
    const held = bodies.get(table);
    const key = `${blocks}:${kh}x${kw}`;
    const reshaped = held.key !== key;
    if (reshaped) {
      while (held.made.length < blocks) held.made.push(el("tbody", null, { "data-channel": String(held.made.length) }));
      held.key = key;
      held.tbodies = held.made.slice(0, blocks);
      for (const tbody of held.tbodies) shapeBody(tbody, blocks > 1, kh, kw);
      held.cells = held.tbodies.flatMap((b) => Array.from(b.querySelectorAll("td.tap")));
    }
    return { tbodies: held.tbodies, cells: held.cells, reshaped };
  }

  // One block: a head row if `headed` (named when the table is filled, see
  // tapCells), then kh rows of a row header and kw tap cells.
  function shapeBody(tbody, headed, kh, kw) {
    let head = tbody.rows[0] && tbody.rows[0].classList.contains("channel-head") ? tbody.rows[0] : null;
    if (headed && !head) {
      head = el("tr", null, { class: "channel-head" });
      head.appendChild(el("th", "", { scope: "rowgroup" }));
      tbody.insertBefore(head, tbody.firstChild);
    } else if (!headed && head) {
      head.remove();
      head = null;
    }
    if (head && head.cells[0].colSpan !== kw + 1) head.cells[0].colSpan = kw + 1;
    const first = head ? 1 : 0;
    while (tbody.rows.length - first > kh) tbody.lastElementChild.remove();
    for (let r = tbody.rows.length - first; r < kh; r++) {
      const tr = el("tr");
      tr.appendChild(el("th", `row ${r}`, { scope: "row" }));
      tbody.appendChild(tr);
    }
    for (let r = 0; r < kh; r++) {
      const tr = tbody.rows[first + r];
      while (tr.cells.length - 1 > kw) tr.lastElementChild.remove();
      const added = [];
      for (let c = tr.cells.length - 1; c < kw; c++) {
        const td = el("td", null, { class: "tap" });
        td.appendChild(el("span", "", { class: "wv" }));
        td.appendChild(el("span", "", { class: "p" }));
        added.push(td);
      }
      tr.append(...added);
    }
  }

  // The table's cells for `blocks` blocks (input channels) of kh x kw taps,
  // each block a <tbody> headed by heads[ch] (no head for a single block):
  // the table's rows of that shape, built once. Returns the tap cells in
  // order (block, kernel row, kernel column), each holding two spans (the
  // factors, the product), for the caller to write (fillArithmetic then
  // writes them all again).
  function tapCells(table, blocks, kh, kw, heads) {
    const cells = showTaps(table, blocks, kh, kw, heads);
    for (const td of cells) tapShown.delete(td);
    return cells;
  }

  function showTaps(table, blocks, kh, kw, heads) {
    table.classList.toggle("empty", false); // no write when absent (see showComputing)
    const { tbodies, cells, reshaped } = bodiesFor(table, blocks, kh, kw);
    const foot = table.tFoot;
    // The table holds either all of the shape's blocks or none of them (the
    // build's rows, or none after clearArithmetic): one look tells.
    if (table.tBodies.length !== tbodies.length || table.tBodies[0] !== tbodies[0]) {
      for (const b of Array.from(table.tBodies)) if (!tbodies.includes(b)) b.remove();
      for (const tbody of tbodies) if (tbody.parentNode !== table) table.insertBefore(tbody, foot);
    }
    if (reshaped) for (const td of foot.querySelectorAll("td")) td.colSpan = kw;
    if (blocks > 1) tbodies.forEach((tbody, ch) => setText(tbody.rows[0].cells[0], heads[ch]));
    return cells;
  }

  // A window's arithmetic: one block of kernel rows per input channel (taps
  // in that order: weight x value, then the product), then the sum, the bias
  // and the output. `layout`: {blocks, kernel: [kh, kw], blockName(ch)}.
  // A cell keeps the numbers it shows (a kernel size and back finds its rows
  // showing the window it showed), and only what changed is written.
  function fillArithmetic(table, win, layout) {
    const [kh, kw] = layout.kernel;
    const short = ConvDemo.render.shortNumber;
    setText(table.querySelector("caption"), `Window for output row ${win.position[0]}, column ${win.position[1]}`);
    const sums = win.channel_sums && win.channel_sums.length === layout.blocks ? win.channel_sums : null;
    const heads = [];
    for (let ch = 0; ch < layout.blocks; ch++) {
      heads.push(sums ? `${layout.blockName(ch)}: products add up to ${String(sums[ch])}` : layout.blockName(ch));
    }
    const cells = showTaps(table, layout.blocks, kh, kw, heads);
    for (let i = 0; i < cells.length; i++) {
      const td = cells[i];
      const w = win.weights[i];
      const v = win.values[i];
      const p = win.products[i];
      const pad = Boolean(win.padding[i]);
      const held = tapShown.get(td);
      if (held && Object.is(held.w, w) && Object.is(held.v, v) && Object.is(held.p, p) && held.pad === pad) continue;
      tapShown.set(td, { w, v, p, pad });
      setAttr(td, "data-weight", String(w));
      setAttr(td, "data-value", String(v));
      setAttr(td, "data-product", String(p));
      td.classList.toggle("pad", pad);
      td.firstChild.textContent = `${short(w)} × ${short(v)}`;
      td.lastChild.textContent = short(p);
    }
    const foot = table.tFoot;
    setText(foot.querySelector("[data-testid=arith-sum]"), String(win.sum));
    setText(foot.querySelector("[data-testid=arith-bias]"), win.bias === null || win.bias === undefined ? "none" : String(win.bias));
    setText(foot.querySelector("[data-testid=arith-output]"), String(win.output));
  }

  function clearArithmetic(table, message) {
    table.classList.add("empty");
    for (const b of Array.from(table.tBodies)) b.remove();
    table.querySelector("caption").textContent = message;
    for (const td of table.tFoot.querySelectorAll("td")) td.textContent = "";
  }

  ConvDemo.tables = {
    fillValues,
    clearValues,
    adoptValues,
    prepareValues,
    tapCells,
    fillArithmetic,
    clearArithmetic,
    el,
    setText,
    setAttr,
    setHidden,
    nextTask,
    keepRecent,
  };
})();
