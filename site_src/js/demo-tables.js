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
  // over. A table already holding these very numbers is left alone; a big one
  // is written in slices of SLICE_MS so no task runs long.
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
    if (held && held.height === height && held.width === width && count <= CELLS_AT_ONCE) {
      // Same shape: rewrite only the cells whose number changed, in place.
      updateCells(table.tBodies[0], held.values, values, offset, height, width);
      shown.set(table, { height, width, values: values.slice(offset, offset + count) });
      return Promise.resolve(true);
    }
    if (held && count <= CELLS_AT_ONCE) {
      // Another shape (a new kernel size): the rows and cells there are kept,
      // the missing ones added, the extra ones removed, every number written;
      // parsing a whole new table took several times as long.
      reshape(table, height, width);
      writeCells(table.tBodies[0], values, offset, height, width);
      shown.set(table, { height, width, values: values.slice(offset, offset + count) });
      return Promise.resolve(true);
    }
    shown.delete(table);
    const thead = table.tHead || table.createTHead();
    if (thead.rows.length !== 1 || thead.rows[0].cells.length !== width + 1) thead.innerHTML = headerHtml(width);
    let tbody = table.tBodies[0];
    if (!tbody) tbody = table.appendChild(el("tbody"));
    const done = () => {
      shown.set(table, { height, width, values: values.slice(offset, offset + count) });
      return true;
    };
    if (count <= CELLS_AT_ONCE) {
      tbody.innerHTML = rowsHtml(values, offset, 0, height, width);
      return Promise.resolve(done());
    }
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
          const html = rowsHtml(values, offset, row, to, width);
          if (row === 0) tbody.innerHTML = html;
          else tbody.insertAdjacentHTML("beforeend", html);
          row = to;
        } while (row < height && performance.now() - started < SLICE_MS);
        if (row < height) nextTask(slice);
        else resolve(done());
      };
      nextTask(slice);
    });
  }

  function updateCells(tbody, held, values, offset, height, width) {
    const rows = tbody.rows;
    for (let r = 0; r < height; r++) {
      const cells = rows[r].cells; // cells[0] is the row's header
      for (let c = 0; c < width; c++) {
        const value = values[offset + r * width + c];
        if (!Object.is(held[r * width + c], value)) cells[c + 1].firstChild.data = String(value);
      }
    }
  }

  function reshape(table, height, width) {
    const thead = table.tHead;
    if (thead.rows.length !== 1 || thead.rows[0].cells.length !== width + 1) thead.innerHTML = headerHtml(width);
    const tbody = table.tBodies[0];
    while (tbody.rows.length > height) tbody.lastElementChild.remove();
    for (let r = tbody.rows.length; r < height; r++) {
      const tr = tbody.appendChild(el("tr"));
      tr.appendChild(el("th", String(r), { scope: "row" }));
    }
    for (const tr of tbody.rows) {
      while (tr.cells.length > width + 1) tr.lastElementChild.remove();
      while (tr.cells.length < width + 1) tr.appendChild(el("td")).appendChild(document.createTextNode(""));
    }
  }

  function writeCells(tbody, values, offset, height, width) {
    const rows = tbody.rows;
    for (let r = 0; r < height; r++) {
      const cells = rows[r].cells;
      for (let c = 0; c < width; c++) {
        const cell = cells[c + 1];
        const text = String(values[offset + r * width + c]);
        if (cell.firstChild) cell.firstChild.data = text;
        else cell.textContent = text;
      }
    }
  }

  function sameValues(held, values, offset, count) {
    if (held.length !== count) return false;
    for (let i = 0; i < count; i++) if (!Object.is(held[i], values[offset + i])) return false;
    return true;
  }

  // The pre-rendered table holds these values already (the build wrote them).
  function adoptValues(table, values, offset, height, width) {
    shown.set(table, { height, width, values: values.slice(offset, offset + height * width) });
  }

  function clearValues(table, caption) {
    fills.set(table, (fills.get(table) || 0) + 1);
    shown.delete(table);
    table.querySelector("caption").textContent = caption;
    if (table.tHead) table.tHead.replaceChildren();
    if (table.tBodies[0]) table.tBodies[0].replaceChildren();
  }

  // The table's cells for `blocks` blocks (input channels) of kh x kw taps,
  // each block a <tbody> headed by its name (none for a single block): kept
  // when the table already has that shape, rebuilt otherwise. Returns the
  // tap cells in order (block, kernel row, kernel column), each holding two
  // spans (the factors, the product).
  function tapCells(table, blocks, kh, kw, blockName) {
    table.classList.remove("empty");
    const bodies = Array.from(table.tBodies);
    const fits =
      bodies.length === blocks &&
      bodies.every((b) => b.querySelectorAll("td.tap").length === kh * kw && b.rows.length === kh + (blocks > 1 ? 1 : 0));
    if (!fits) {
      for (const b of bodies) b.remove();
      const foot = table.tFoot;
      for (let ch = 0; ch < blocks; ch++) {
        const tbody = el("tbody", null, { "data-channel": String(ch) });
        if (blocks > 1) {
          const head = el("tr", null, { class: "channel-head" });
          head.appendChild(el("th", blockName(ch), { colspan: String(kw + 1), scope: "rowgroup" }));
          tbody.appendChild(head);
        }
        for (let r = 0; r < kh; r++) {
          const tr = el("tr");
          tr.appendChild(el("th", `row ${r}`, { scope: "row" }));
          for (let c = 0; c < kw; c++) {
            const td = el("td", null, { class: "tap" });
            td.appendChild(el("span", "", { class: "wv" }));
            td.appendChild(el("span", "", { class: "p" }));
            tr.appendChild(td);
          }
          tbody.appendChild(tr);
        }
        table.insertBefore(tbody, foot);
      }
      for (const td of table.tFoot.querySelectorAll("td")) td.colSpan = kw;
    } else if (blocks > 1) {
      Array.from(table.tBodies).forEach((tbody, ch) => {
        tbody.rows[0].cells[0].textContent = blockName(ch);
      });
    }
    return table.querySelectorAll("td.tap");
  }

  // A window's arithmetic: one block of kernel rows per input channel (taps
  // in that order: weight x value, then the product), then the sum, the bias
  // and the output. `layout`: {blocks, kernel: [kh, kw], blockName(ch)}.
  function fillArithmetic(table, win, layout) {
    const [kh, kw] = layout.kernel;
    const short = ConvDemo.render.shortNumber;
    const caption = table.querySelector("caption");
    caption.textContent = `Window for output row ${win.position[0]}, column ${win.position[1]}`;
    const cells = tapCells(table, layout.blocks, kh, kw, layout.blockName);
    for (let i = 0; i < cells.length; i++) {
      const td = cells[i];
      const w = win.weights[i];
      const v = win.values[i];
      const p = win.products[i];
      td.dataset.weight = String(w);
      td.dataset.value = String(v);
      td.dataset.product = String(p);
      td.classList.toggle("pad", Boolean(win.padding[i]));
      td.firstChild.textContent = `${short(w)} × ${short(v)}`;
      td.lastChild.textContent = short(p);
    }
    if (win.channel_sums && win.channel_sums.length === layout.blocks && layout.blocks > 1) {
      Array.from(table.tBodies).forEach((tbody, ch) => {
        tbody.rows[0].cells[0].textContent = `${layout.blockName(ch)}: products add up to ${String(win.channel_sums[ch])}`;
      });
    }
    const foot = table.tFoot;
    foot.querySelector("[data-testid=arith-sum]").textContent = String(win.sum);
    foot.querySelector("[data-testid=arith-bias]").textContent = win.bias === null || win.bias === undefined ? "none" : String(win.bias);
    foot.querySelector("[data-testid=arith-output]").textContent = String(win.output);
  }

  function clearArithmetic(table, message) {
    table.classList.add("empty");
    for (const b of Array.from(table.tBodies)) b.remove();
    table.querySelector("caption").textContent = message;
    for (const td of table.tFoot.querySelectorAll("td")) td.textContent = "";
  }

  ConvDemo.tables = { fillValues, clearValues, adoptValues, tapCells, fillArithmetic, clearArithmetic, el, nextTask };
})();
