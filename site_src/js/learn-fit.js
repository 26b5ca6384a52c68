// The output-size widget (learn_fit): the formula with the numbers in it,
// and one axis drawn as cells with every window as a bar under it.
(function () {
  "use strict";

  const L = window.Learn;

  function drawAxis(canvas, d) {
    const s = d.settings;
    const padded = d.padded;
    const dpr = window.devicePixelRatio || 1;
    const width = (canvas.clientWidth || 600) * dpr;
    const cell = Math.max(4, Math.min(28 * dpr, Math.floor(width / Math.max(padded, 1))));
    const bar = Math.max(4, Math.round(cell / 3));
    const lanes = Math.min(d.starts.length, 12);
    canvas.width = cell * padded;
    canvas.height = cell + (lanes + 1) * (bar + 2) + 4;
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    const dropped = new Set(d.dropped.map((i) => i + s.padding));
    const skipped = new Set(d.skipped.map((i) => i + s.padding));
    for (let q = 0; q < padded; q++) {
      const inPad = q < s.padding || q >= padded - s.padding;
      ctx.fillStyle = inPad ? "#cbd5e1" : dropped.has(q) ? "#f87171" : skipped.has(q) ? "#facc15" : "#e2e8f0";
      if (q >= d.used && !inPad) ctx.fillStyle = "#f87171";
      ctx.fillRect(q * cell + 1, 1, cell - 2, cell - 2);
    }
    d.starts.forEach((start, i) => {
      const lane = i % lanes;
      const y = cell + 4 + lane * (bar + 2);
      ctx.fillStyle = i % 2 ? "#7c3aed" : "#d6336c";
      for (let t = 0; t < s.kernel; t++) {
        const q = start + t * s.dilation;
        ctx.fillRect(q * cell + 1, y, cell - 2, bar);
      }
    });
  }

  L.define("fit", {
    request: (s) => ({ name: "learn_fit", args: { size: s.size, kernel: s.kernel, stride: s.stride, padding: s.padding, dilation: s.dilation } }),
    draw(w) {
      const d = w.data;
      w.el.querySelector("[data-testid=fit-formula] code").textContent = d.formula;
      const canvas = w.el.querySelector("canvas[data-role=axis]");
      drawAxis(canvas, d);
      let facts;
      if (d.out === 0) {
        facts = `No window fits at all: ${d.reason}. PyTorch refuses this setting.`;
      } else if (d.fits) {
        facts = `${d.out} windows, and the last one ends exactly on the padded edge: nothing is left over.`;
      } else {
        facts =
          `${d.out} windows. The formula floors, so ${d.leftover} cell${d.leftover > 1 ? "s" : ""} at the end ` +
          `${d.leftover > 1 ? "are" : "is"} never reached: ${d.reason}. ` +
          `The nearest settings that land exactly: ${d.fixes.join("; ") || "none found"}.`;
      }
      if (d.out > 0 && d.skipped.length) facts += ` Inside, no window reads input pixel${d.skipped.length > 1 ? "s" : ""} ${L.spanText(d.skipped)}.`;
      w.el.querySelector("[data-testid=fit-facts]").textContent = facts;
      canvas.setAttribute(
        "aria-label",
        `The padded axis of ${d.padded} cells with ${d.out} windows of ${d.span} cells drawn under it. ${facts}`,
      );
    },
  });
})();
