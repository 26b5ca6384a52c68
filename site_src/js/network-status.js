// The network page's status, as readers and tests see it: <html data-state>
// is "busy" from a change of the classifier's input, model or picked pixel
// until its probabilities, maps and arithmetic are on the page, then "ready"
// (training never holds it: the trainer has its own status). Each piece of
// work takes a token with begin and gives it back with end. Also: the
// notices, the hash written back, and requests that fail at once when
// Python could not start (the page then settles and says what it shows).
(function () {
  "use strict";

  const ConvNet = window.ConvNet;
  const engine = window.convcoreEngine;
  const root = document.documentElement;
  const $ = (id) => document.getElementById(id);
  const busy = new Set();
  let count = 0;

  function begin(label) {
    const token = `${label}#${++count}`;
    busy.add(token);
    root.dataset.state = "busy";
    return token;
  }

  function end(token) {
    busy.delete(token);
    if (!busy.size) root.dataset.state = "ready";
  }

  // A request to the worker; while Python cannot start it fails at once
  // with the reason, instead of waiting for a start that is not coming.
  function call(name, args, buffers) {
    if (engine.state === "error") return Promise.reject(new Error(engine.message || "Python could not start"));
    return engine.call(name, args, buffers);
  }

  // The last line of a Python traceback is the sentence a reader needs.
  function errorText(err) {
    const text = String((err && err.message) || err || "unknown error").trim();
    const lines = text.split("\n").filter((line) => line.trim());
    return lines.length ? lines[lines.length - 1] : text;
  }

  function showNotices(list, append) {
    const box = document.querySelector("[data-testid=notice]");
    const text = $("notice-text");
    if (!box || !text) return;
    if (!append) text.replaceChildren();
    for (const message of list) text.appendChild(ConvDemo.tables.el("p", message));
    box.hidden = text.childElementCount === 0;
  }

  // The hash of the state: replaceState, keeping embed.html's widget name first.
  function writeHash(state, defaults) {
    const holder = document.querySelector("[data-hash-prefix]");
    const prefix = holder ? JSON.parse(holder.dataset.hashPrefix) : [];
    const own = ConvNet.state.toHash(state, defaults);
    const text = prefix.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).concat(own ? [own] : []).join("&");
    const base = location.href.split("#")[0];
    const next = text ? `${base}#${text}` : base;
    if (next !== location.href) history.replaceState(null, "", next);
  }

  function bind() {
    const close = $("notice-close");
    if (close) close.addEventListener("click", () => showNotices([]));
  }

  ConvNet.status = { begin, end, call, errorText, showNotices, writeHash, bind };
})();
