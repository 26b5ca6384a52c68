// Code cells: a <textarea> of Python, run by the page's Pyodide worker when the
// reader clicks Run (or presses Ctrl/Cmd+Enter), never on its own. Output,
// result and traceback appear under the cell; a cell that runs too long is
// stopped by restarting the worker (convcoreEngine.run's timeout).
(function () {
  "use strict";

  const L = window.Learn;
  const TIMEOUT_MS = 5000;

  // The variables every cell sees: the settings form on the page (if any).
  function variables() {
    const form = document.getElementById("cell-vars");
    const vars = { kernel: 3, stride: 1, padding: 0, dilation: 1, digit_index: 0 };
    if (form) {
      for (const field of form.querySelectorAll("input[name]")) {
        const n = Number(field.value);
        const lo = Number(field.min);
        const hi = Number(field.max);
        const value = Number.isInteger(n) ? Math.max(lo, Math.min(hi, n)) : lo;
        vars[field.name === "digit" ? "digit_index" : field.name] = value;
      }
    }
    vars.digit = L.digit(vars.digit_index);
    return vars;
  }

  function show(cell, text, kind) {
    const out = cell.querySelector(".cell-output");
    out.textContent = text;
    out.dataset.kind = kind;
    out.hidden = false;
  }

  function status(cell, text) {
    cell.querySelector(".cell-status").textContent = text;
  }

  function resultText(reply) {
    let text = reply.stdout || "";
    if (reply.error) text += reply.error;
    else if (reply.result !== null && reply.result !== undefined) text += reply.result;
    return text.replace(/\n$/, "") || "(no output)";
  }

  function run(cell) {
    const code = cell.querySelector("textarea").value;
    cell.classList.add("running");
    status(cell, "Running…");
    const job = window.convcoreEngine.run(code, variables(), TIMEOUT_MS).then(
      (reply) => {
        show(cell, resultText(reply), reply.ok ? "ok" : "error");
        status(cell, reply.ok ? `Ran in ${reply.ms} ms.` : `The cell raised ${(reply.error.trim().split("\n").pop() || "").split(":")[0]}; the traceback is below.`);
      },
      (err) => {
        if (err && err.timedOut) {
          show(cell, `Stopped: ${err.message}\nEverything else on the page carries on.`, "error");
          status(cell, "Stopped after the time limit.");
        } else {
          show(cell, `Python could not run this cell: ${L.errorText(err)}`, "error");
          status(cell, "Not run.");
        }
      },
    );
    job.then(() => cell.classList.remove("running"));
    return L.track(job);
  }

  function mount(cell) {
    const area = cell.querySelector("textarea");
    cell.querySelector(".cell-run").addEventListener("click", () => run(cell));
    cell.querySelector(".cell-reset").addEventListener("click", () => {
      area.value = area.defaultValue;
      area.focus();
    });
    area.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        run(cell);
      }
    });
  }

  // The settings form: its values travel in the hash (learn.html#kernel=5).
  function mountVars() {
    const form = document.getElementById("cell-vars");
    if (!form) return;
    form.addEventListener("submit", (event) => event.preventDefault());
    const hash = L.readHash();
    for (const field of form.querySelectorAll("input[name]")) {
      if (hash.get(field.name)) field.value = hash.get(field.name);
    }
    form.addEventListener("input", () => {
      const pairs = Array.from(form.querySelectorAll("input[name]")).map((f) => [f.name, f.value]);
      L.writeHash(pairs);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const cell of document.querySelectorAll("[data-cell]")) mount(cell);
    mountVars();
  });

  window.LearnCells = { run, variables };
})();
