// The demo's HTML tables: every input and output value, and the arithmetic of
// the current window. Values are written with String(number), the shortest
// text that reads back as the same double (what Python's repr prints, except
// that whole numbers have no ".0").
//
// Big tables are filled a slice per animation frame so the page never freezes;
// each fill reports when it is complete (the page is "busy" until then).
(function () {
  "use strict";

  const ConvDemo = (window.ConvDemo = window.ConvDemo || {});
  const CELLS_PER_FRAME = 4000;
  const CHANNEL_NAMES = ["red", "green", "blue"];
  const fills = new WeakMap(); // table -> generation of its latest fill

  function el(tag, text, attrs) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (attrs) for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    return node;
  }

  function headerRow(width) {
    const tr = el("tr");
    tr.appendChild(el("th", "row", { scope: "col" }));
    for (let c = 0; c < width; c++) tr.appendChild(el("th", String(c), { scope: "col" }));
    return tr;
  }

  // Fill `table` with height x width values (values[offset + r*width + c]).
  // Resolves true when done, false when a newer fill of the same table took over.
  function fillValues(table, caption, values, offset, height, width) {
    const generation = (fills.get(table) || 0) + 1;
    fills.set(table, generation);
    table.querySelector("caption").textContent = caption;
    const thead = table.tHead || table.createTHead();
    if (thead.rows.length !== 1 || thead.rows[0].cells.length !== width + 1) {
      thead.replaceChildren(headerRow(width));
    }
    let tbody = table.tBodies[0];
    if (!tbody) tbody = table.appendChild(el("tbody"));
    while (tbody.rows.length > height) tbody.deleteRow(-1);
    let row = 0;
    const step = () => {
      if (fills.get(table) !== generation) return false;
      let budget = CELLS_PER_FRAME;
      for (; row < height && budget > 0; row++, budget -= width) {
        let tr = tbody.rows[row];
        if (!tr) {
          tr = tbody.insertRow(-1);
          tr.appendChild(el("th", String(row), { scope: "row" }));
        }
        const cells = tr.cells; // cells[0] is the row's th
        while (cells.length > width + 1) tr.deleteCell(-1);
        const base = offset + row * width;
        for (let c = 0; c < width; c++) {
          const text = String(values[base + c]);
          const td = cells[c + 1];
          if (!td) tr.appendChild(el("td", text));
          else if (td.textContent !== text) td.textContent = text;
        }
      }
      return row >= height;
    };
    if (step()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const frame = () => {
        if (fills.get(table) !== generation) resolve(false);
        else if (step()) resolve(true);
        else requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    });
  }

  function clearValues(table, caption) {
    fills.set(table, (fills.get(table) || 0) + 1);
    table.querySelector("caption").textContent = caption;
    if (table.tHead) table.tHead.replaceChildren();
    if (table.tBodies[0]) table.tBodies[0].replaceChildren();
  }

  // The current window: one block of kernel rows per input channel, then the sum.
  function fillArithmetic(table, win, scene, kernel) {
    const [kh, kw] = kernel;
    const short = ConvDemo.render.shortNumber;
    const channels = scene.channels;
    table.classList.remove("empty");
    const caption = table.querySelector("caption");
    caption.textContent = `Window for output row ${win.position[0]}, column ${win.position[1]}`;
    const bodies = Array.from(table.tBodies);
    const fits =
      bodies.length === channels &&
      bodies.every((b) => b.querySelectorAll("td.tap").length === kh * kw && b.rows.length === kh + (channels > 1 ? 1 : 0));
    if (!fits) {
      for (const b of bodies) b.remove();
      const foot = table.tFoot;
      for (let ch = 0; ch < channels; ch++) {
        const tbody = el("tbody", null, { "data-channel": String(ch) });
        if (channels > 1) {
          const head = el("tr", null, { class: "channel-head" });
          head.appendChild(el("th", `${CHANNEL_NAMES[ch]} channel`, { colspan: String(kw + 1), scope: "rowgroup" }));
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
    }
    const cells = table.querySelectorAll("td.tap");
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
    if (channels > 1 && win.channel_sums.length === channels) {
      Array.from(table.tBodies).forEach((tbody, ch) => {
        tbody.rows[0].cells[0].textContent = `${CHANNEL_NAMES[ch]} channel: products add up to ${String(win.channel_sums[ch])}`;
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

  ConvDemo.tables = { fillValues, clearValues, fillArithmetic, clearArithmetic, el };
})();
