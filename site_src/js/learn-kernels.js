// The kernels widget (learn_kernels): the shipped model's first-layer kernels,
// one colour scale for all of them, and what each makes of a digit after relu.
(function () {
  "use strict";

  const L = window.Learn;
  const G = L.grid;
  const canvas = G.canvas;

  function extreme(grids, pick) {
    let best = 0;
    for (const grid of grids) for (const row of grid) for (const v of row) best = Math.max(best, pick(v));
    return best;
  }

  // The row and column of a grid's largest value (the first one, row by row).
  function argmax(grid) {
    let at = [0, 0];
    grid.forEach((row, r) => row.forEach((v, c) => {
      if (v > grid[at[0]][at[1]]) at = [r, c];
    }));
    return at;
  }

  function numbers(w, testid, grid, digits) {
    G.fillTable(w.el.querySelector(`[data-testid=${testid}]`), grid, (v) => L.fmt(v, digits), (td, r, c, v) => {
      td.dataset.value = String(v);
    });
  }

  L.define("kernels", {
    request: (s) => ({ name: "learn_kernels", args: { digit: L.digit(s.digit) } }),
    draw(w) {
      const d = w.data;
      const side = d.kernels[0].length;
      const [rows, cols] = [d.relu[0].length, d.relu[0][0].length];
      const weightScale = extreme(d.kernels, Math.abs);
      const mapScale = extreme(d.relu, (v) => v) || 1;
      G.draw(canvas(w, "input"), d.input, { max: 1 });
      canvas(w, "input").setAttribute("aria-label", `Input digit ${w.state.digit}, 20 by 20.`);
      d.kernels.forEach((kernel, k) => {
        G.draw(canvas(w, `kernel-${k}`), kernel, { max: weightScale, diverging: true });
        const flat = kernel.flat();
        canvas(w, `kernel-${k}`).setAttribute(
          "aria-label",
          `Kernel ${k}, ${side} by ${side} weights from ${L.fmt(Math.min(...flat), 2)} to ${L.fmt(Math.max(...flat), 2)}, bias ${L.fmt(d.bias[k], 2)}: blue is negative, orange positive. The numbers are under "The numbers".`,
        );
        G.draw(canvas(w, `map-${k}`), d.relu[k], { max: mapScale, scaleTo: d.input.length });
        const zeros = d.relu[k].flat().filter((v) => v === 0).length;
        const peak = argmax(d.relu[k]);
        canvas(w, `map-${k}`).setAttribute(
          "aria-label",
          `Kernel ${k}'s feature map after relu, ${rows} by ${cols}: ${zeros} of ${rows * cols} values are 0, the strongest is ${L.fmt(d.relu[k][peak[0]][peak[1]], 2)} at row ${peak[0]}, column ${peak[1]}.`,
        );
        numbers(w, `kernels-weights-${k}`, kernel, 2);
        numbers(w, `kernels-map-${k}`, d.relu[k], 2);
        w.el.querySelector(`[data-testid=kernels-bias-${k}]`).textContent = L.fmt(d.bias[k], 3);
      });
      const p = d.probabilities[d.prediction];
      w.el.querySelector("[data-testid=kernels-facts]").textContent =
        `Layer 0 is ${d.layer}. Weights are drawn on one scale for all ${d.kernels.length} kernels (strongest ±${L.fmt(weightScale, 2)}), ` +
        `feature maps on one scale (strongest ${L.fmt(mapScale, 2)}). ` +
        `The whole model reads digit ${w.state.digit} as a ${d.prediction}, with probability ${L.fmt(100 * p, 1)}%.`;
    },
  });
})();
