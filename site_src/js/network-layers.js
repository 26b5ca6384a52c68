// Every layer of the model in use, opened: the input and each layer's output
// as pictures (network-maps.js), the picked pixel and the window it read on
// the layer below, that window's arithmetic (the demo's table:
// demo-tables.js), the learned kernels, and every number as tables (filled
// when opened). Picking a pixel (pointer, or arrow keys / Page Up / Page
// Down on a focused layer) asks Python for its arithmetic (network_pick,
// the latest wins). Owns the picked pixel's answer.
(function () {
  "use strict";

  const ConvNet = window.ConvNet;
  const M = ConvNet.maps;
  const T = ConvDemo.tables;
  const { setText } = T;
  const short = (v) => ConvDemo.render.shortNumber(v);
  const $ = (id) => document.getElementById(id);

  let wanted = 0;
  let running = false;
  let token = null;
  let pick = null; // the arithmetic shown

  function live() {
    return ConvNet.live;
  }

  function figures() {
    const list = $("layer-list");
    return list ? Array.from(list.querySelectorAll("figure.layer")) : [];
  }

  // Layer `index` of a view (-1: the input): {values, shape, grid, title}.
  function layerOf(view, index) {
    if (index < 0) return { values: view.input, shape: [1, 20, 20], grid: view.input_grid, title: "Input" };
    const layer = view.layers[index];
    return { values: layer.values, shape: layer.shape, grid: layer.grid, title: `${index} · ${view.model[index].title}` };
  }


  function marksFor(index) {
    if (!pick) return null;
    return {
      picked: pick.layer === index ? pick.at : null,
      cells: pick.below === index ? pick.cells : null,
    };
  }

  // Draw every layer of `view` (marks: the picked pixel and its window).
  function show(view) {
    for (const figure of figures()) {
      const index = Number(figure.dataset.layer);
      const layer = layerOf(view, index);
      const canvas = figure.querySelector("canvas");
      const scale = M.draw(canvas, layer.values, layer.shape, layer.grid, index < 0, marksFor(index));
      const img = figure.querySelector("img.prerendered");
      if (img) img.remove();
      canvas.hidden = false;
      const maps = M.mapsText(layer.shape);
      setText(figure.querySelector(".layer-title"), layer.title);
      setText(figure.querySelector(".layer-maps"), maps);
      if (index >= 0) {
        setText(figure.querySelector(".legend-min"), short(-scale));
        setText(figure.querySelector(".legend-max"), short(scale));
      }
      const range = index < 0 ? "values from 0 (black) to 1 (white)" : `values from ${short(view.layers[index].low)} to ${short(view.layers[index].high)}`;
      canvas.setAttribute("aria-label", `${layer.title}: ${maps}, ${range}. Every value is in the tables under “Every number of every layer”.`);
    }
    showKernels(view);
    if (pick) showArithmetic(pick);
    fillNumbers();
  }

  function kernelFigure(list, i) {
    let figure = list.children[i];
    if (!figure) {
      figure = list.appendChild(T.el("figure", null, { class: "kernel" }));
      figure.appendChild(T.el("figcaption"));
      figure.appendChild(T.el("canvas", null, { role: "img" }));
      const legend = figure.appendChild(T.el("div", null, { class: "legend" }));
      legend.appendChild(T.el("span", "", { class: "legend-min" }));
      legend.appendChild(T.el("span", null, { class: "legend-bar", "aria-hidden": "true" }));
      legend.appendChild(T.el("span", "", { class: "legend-max" }));
    }
    return figure;
  }

  // Kernels of each conv layer into `list`, one figure a layer; `what` names them.
  function drawKernelList(list, kernels, model, what) {
    kernels.forEach((k, i) => {
      const figure = kernelFigure(list, i);
      const [out, inputs, kh, kw] = k.shape;
      const title = `${k.layer} · ${model[k.layer].title}`;
      setText(figure.querySelector("figcaption"), `${title}: ${out} kernels of ${inputs} × ${kh} × ${kw}`);
      const scale = M.drawKernels(figure.querySelector("canvas"), k.values, k.shape, k.grid);
      setText(figure.querySelector(".legend-min"), short(-scale));
      setText(figure.querySelector(".legend-max"), short(scale));
      figure.querySelector("canvas").setAttribute(
        "aria-label",
        `${what} of layer ${title}: ${out} kernels of ${inputs} × ${kh} × ${kw}, weights from ${short(Math.min(...k.values))} to ${short(Math.max(...k.values))}; each weight is in the PyTorch code's state dict ("${k.layer}.weight").`,
      );
    });
    while (list.children.length > kernels.length) list.lastElementChild.remove();
  }

  function showKernels(view) {
    const list = $("kernel-list");
    if (list && view.kernels) drawKernelList(list, view.kernels, view.model, "Kernels");
  }

  // ------------------------------------------------------------ arithmetic

  function where(p) {
    return p.at.length === 3 ? `channel ${p.at[0]}, row ${p.at[1]}, column ${p.at[2]}` : `value ${p.at[0]}`;
  }

  function below(p) {
    return p.below < 0 ? "the input" : `layer ${p.below}`;
  }

  function footLabels(table, labels) {
    const rows = table.tFoot.rows;
    labels.forEach((label, i) => {
      rows[i].hidden = label === null;
      setText(rows[i].cells[0], label || "");
    });
  }

  // Pooling's window: its values, the max's winner marked, or the sum and divisor.
  function fillPool(table, p) {
    const [kh, kw] = p.kernel;
    const cells = T.tapCells(table, 1, kh, kw, []);
    for (let i = 0; i < cells.length; i++) {
      const td = cells[i];
      const winner = p.winner === i;
      td.dataset.value = String(p.values[i]);
      delete td.dataset.weight;
      delete td.dataset.product;
      td.classList.toggle("pad", Boolean(p.padding[i]));
      td.classList.toggle("winner", winner);
      td.firstChild.textContent = winner ? "the largest" : "";
      td.lastChild.textContent = short(p.values[i]);
    }
    const foot = table.tFoot;
    const max = p.kind === "max";
    footLabels(table, [max ? "largest" : "sum", max ? null : "÷ divisor", "= output"]);
    setText(foot.querySelector("[data-testid=arith-sum]"), String(max ? p.values[p.winner] : p.sum));
    setText(foot.querySelector("[data-testid=arith-bias]"), max ? "" : String(p.divisor));
    setText(foot.querySelector("[data-testid=arith-output]"), String(p.output));
  }

  function showArithmetic(p) {
    const table = $("arithmetic");
    if (!table) return;
    const view = live().view;
    const title = `${p.layer} · ${view.model[p.layer].title}`;
    const caption = table.querySelector("caption");
    let status;
    if (p.kind === "conv" || p.kind === "linear") {
      const channels = p.channels;
      const blockName = (b) => (p.kind === "conv" ? `input channel ${channels[b]}` : `the ${p.kernel[0]} × ${p.kernel[1]} values of channel ${channels[b]}`);
      T.fillArithmetic(table, Object.assign({ position: [0, 0] }, p), { blocks: channels.length, kernel: p.kernel, blockName });
      footLabels(table, ["sum", "+ bias", "= output"]);
      const [kh, kw] = p.kernel;
      status =
        p.kind === "conv"
          ? `${title}, ${where(p)} = ${short(p.output)}: its ${kh} × ${kw} window on ${channels.length > 1 ? `each of the ${channels.length} channels of` : ""} ${below(p)}, weight by value, summed, plus the bias.`
          : `${title}, ${where(p)} = ${short(p.output)}: every value of ${below(p)} times its weight in row ${p.at[0]}, summed, plus the bias.`;
    } else if (p.kind === "max" || p.kind === "avg") {
      fillPool(table, p);
      status = `${title}, ${where(p)} = ${short(p.output)}: the ${p.kind === "max" ? "largest value" : "average"} of its ${p.kernel[0]} × ${p.kernel[1]} window on ${below(p)}.`;
    } else {
      T.clearArithmetic(table, "No window: this layer reads one value.");
      footLabels(table, ["sum", "+ bias", "= output"]);
      status =
        p.kind === "relu"
          ? `${title}, ${where(p)} = ${short(p.output)}: max(0, ${short(p.value)}), the same pixel of ${below(p)}.`
          : `${title}, ${where(p)} = ${short(p.output)}: ${below(p)}'s channel ${p.cells[0][0]}, row ${p.cells[0][1]}, column ${p.cells[0][2]}, read in row-major order.`;
    }
    setText(caption, `${title}, ${where(p)}`);
    setText($("pick-status"), status);
  }

  // A view's answer for the picked pixel (Python may have moved it into range).
  function adoptPick(p) {
    const state = live().state;
    const asked = state.at;
    if (asked && asked.join(",") !== p.at.join(",") && state.layer === p.layer) {
      ConvNet.status.showNotices([`at=${asked.join(",")}: layer ${p.layer}'s output is ${M.mapsText(live().view.layers[p.layer].shape)}, so ${p.at.join(",")} is used.`], true);
    }
    state.layer = p.layer;
    state.at = p.at.slice();
    pick = p;
    ConvNet.status.writeHash(state, live().defaults);
  }

  // ------------------------------------------------------------- picking

  function pickAt(layer, at) {
    const state = live().state;
    state.layer = layer;
    state.at = at;
    ConvNet.status.writeHash(state, live().defaults);
    if (!live().fromPython) {
      ConvNet.view.changed(); // Python has no view yet: the view brings the pick
      return;
    }
    wanted++;
    if (!token) token = ConvNet.status.begin("pick");
    if (!running) loop();
  }

  async function loop() {
    running = true;
    for (;;) {
      const asked = wanted;
      const { layer, at } = live().state;
      let answer = null;
      let error = null;
      try {
        answer = await ConvNet.status.call("network_pick", { layer, at });
      } catch (err) {
        error = err;
      }
      if (asked !== wanted) continue;
      if (answer) {
        adoptPick(answer);
        show(live().view);
      } else {
        ConvNet.status.showNotices([`This pixel's arithmetic could not be computed: ${ConvNet.status.errorText(error)}`], true);
      }
      break;
    }
    running = false;
    const done = token;
    token = null;
    ConvNet.status.end(done);
  }

  function bind() {
    for (const figure of figures()) {
      const index = Number(figure.dataset.layer);
      if (index < 0) continue; // the input has no layer below: nothing to pick
      const canvas = figure.querySelector("canvas");
      canvas.addEventListener("click", (event) => {
        const layer = layerOf(live().view, index);
        const at = M.atEvent(canvas, event, layer.shape, layer.grid);
        if (at) pickAt(index, at);
      });
      canvas.addEventListener("keydown", (event) => {
        const layer = layerOf(live().view, index);
        const state = live().state;
        const from = state.layer === index && state.at && state.at.length === layer.shape.length ? state.at : layer.shape.map(() => 0);
        const next = M.moved(from, event.key, layer.shape);
        if (!next) return;
        event.preventDefault();
        pickAt(index, next);
      });
    }
    const details = $("layer-numbers");
    if (details) details.addEventListener("toggle", fillNumbers);
  }

  // ------------------------------------------------------------- numbers

  // Every value of every layer as tables (one a channel), while open.
  function fillNumbers() {
    const details = $("layer-numbers");
    if (!details || !details.open) return;
    const view = live().view;
    const holder = $("layer-tables");
    const jobs = [];
    let n = 0;
    for (let index = -1; index < view.layers.length; index++) {
      const layer = layerOf(view, index);
      const [channels, h, w] = layer.shape.length === 3 ? layer.shape : [1, 1, layer.shape[0]];
      for (let ch = 0; ch < channels; ch++) {
        let box = holder.children[n];
        if (!box) {
          box = holder.appendChild(T.el("div", null, { class: "scroll", tabindex: "0", role: "region" }));
          const table = box.appendChild(T.el("table", null, { class: "values", id: `layer-table-${n}` }));
          table.appendChild(T.el("caption", null, { id: `layer-table-${n}-caption` }));
          table.createTHead();
          box.setAttribute("aria-labelledby", `layer-table-${n}-caption`);
        }
        const caption = channels > 1 ? `${layer.title}, channel ${ch} (${h} × ${w})` : `${layer.title} (${M.mapsText(layer.shape)})`;
        jobs.push(T.fillValues(box.firstChild, caption, layer.values, ch * h * w, h, w));
        n++;
      }
    }
    while (holder.children.length > n) holder.lastElementChild.remove();
    const held = ConvNet.status.begin("numbers");
    Promise.all(jobs).then(() => ConvNet.status.end(held));
  }

  ConvNet.layers = { show, adoptPick, bind, drawKernelList, layerOf };
})();
