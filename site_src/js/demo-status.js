// The demo's status, as readers and tests see it. <html data-state> is "busy"
// from the moment anything changes until the canvases, tables and messages for
// the new state are complete, then "ready": each piece of work takes a token
// with begin and gives it back with end. Also here: the "Computing…" box while
// Python works, the notices above the demo (with their close button) and the
// live region that announces steps. Calls demo-tables.js (el), the engine's
// state, and demo-history.js (scheduleHash) once ready.
(function () {
  "use strict";

  const D = window.ConvDemo;
  const { tables: T } = D;
  const engine = window.convcoreEngine;
  const root = document.documentElement;
  const $ = (id) => document.getElementById(id);

  const busy = new Set();
  let busyCount = 0;
  let computingTimer = 0;

  function begin(label) {
    const token = `${label}#${++busyCount}`;
    busy.add(token);
    root.dataset.state = "busy";
    return token;
  }

  function end(token) {
    busy.delete(token);
    if (busy.size) return;
    root.dataset.state = "ready";
    D.history.scheduleHash(); // the link waits for the result to be on screen
  }

  function isBusy() {
    return busy.size > 0;
  }

  // Shown at once while Python starts; once it runs, only for work that takes
  // longer than a glance.
  function showComputing(on) {
    clearTimeout(computingTimer);
    const box = $("computing");
    if (!on) {
      T.setHidden(box, true);
      // Only if it is there: classList.remove writes the class attribute even
      // when the class is absent, and in Chromium that rewrite of the demo's
      // class made every change recompute the page's style in a microtask,
      // before the frame (about 1 ms of a slider press, traced).
      $("demo").classList.toggle("is-computing", false);
      return;
    }
    const reveal = () => {
      box.hidden = false;
      box.textContent = engine.state === "python" ? "Computing…" : "Computing… (waiting for Python to start)";
      $("demo").classList.add("is-computing");
    };
    // A failed start: the request fails at once, so nothing to wait for.
    if (engine.state === "error") return;
    if (engine.state !== "python") reveal();
    else computingTimer = setTimeout(reveal, 150);
  }

  function showNotices(list, append) {
    const box = document.querySelector("[data-testid=notice]");
    const text = $("notice-text");
    if (!append && text.firstChild) text.replaceChildren();
    for (const message of list) text.appendChild(T.el("p", message));
    box.hidden = text.childElementCount === 0;
  }

  function announce(message) {
    D.tables.setText($("step-status"), message);
  }

  function bind() {
    $("notice-close").addEventListener("click", () => showNotices([]));
  }

  D.status = { begin, end, isBusy, showComputing, showNotices, announce, bind };
})();
