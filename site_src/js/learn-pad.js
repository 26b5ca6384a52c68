// The padding widget: one small ramp padded in each of the four modes
// (learn_pad), as tables of numbers with the padding cells marked.
(function () {
  "use strict";

  const L = window.Learn;

  const NOTES = {
    zeros: "Zeros all round: the edge pixels sit next to nothing.",
    reflect: "A mirror that does not repeat the edge pixel.",
    replicate: "The edge pixel, repeated outwards.",
    circular: "The opposite edge, wrapped around (as on a torus).",
  };

  L.define("padding", {
    request: (s) => ({ name: "learn_pad", args: { padding: s.padding } }),
    draw(w) {
      const d = w.data;
      const p = d.padding;
      for (const pane of w.el.querySelectorAll("[data-mode]")) {
        const mode = pane.dataset.mode;
        const result = d.modes[mode];
        const table = pane.querySelector("table");
        const note = pane.querySelector(".pane-note");
        if (result.error) {
          L.grid.fillTable(table, []);
          note.textContent = L.errorText(result.error);
          continue;
        }
        const n = result.grid.length;
        L.grid.fillTable(table, result.grid, (v) => L.fmt(v), (td, r, c) => {
          if (r < p || c < p || r >= n - p || c >= n - p) td.className = "pad-cell";
        });
        note.textContent = NOTES[mode];
      }
    },
  });
})();
