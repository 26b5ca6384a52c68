// What every learning page shares (window.Learn): the <html data-state>
// busy/ready flag, calls to Python, the URL hash, and the widget life cycle.
//
// A widget is a <figure data-widget=NAME> (see templates/_widgets.html) with
// its first view as JSON, computed at build time. Learn.define(NAME, spec)
// says how to turn its state into a request and how to draw the answer:
//   spec.request(state)        -> {name, args} for convcoreEngine.call
//   spec.draw(w)               draws w.data (the answer) for w.state
//   spec.mount(w) (optional)   wires controls beyond the form's named fields
//   spec.read(w) (optional)    reads those controls into w.state; returns a
//                              list of problems (empty when all is well)
//   spec.showState(w) (opt.)   shows a state that came from the URL in them
//   spec.toParams(state), spec.fromParams(params, state) (optional): the
//                              state in the URL hash (default: one key a field)
(function () {
  "use strict";

  const html = document.documentElement;
  const specs = {};
  const widgets = [];
  let pending = 0;

  // Busy while any computation for the current state is on its way; ready
  // once everything it changes is drawn.
  function track(promise) {
    pending += 1;
    html.dataset.state = "busy";
    const done = () => {
      pending -= 1;
      if (pending === 0) html.dataset.state = "ready";
    };
    promise.then(done, done);
    return promise;
  }

  function call(name, args) {
    return window.convcoreEngine.call(name, args);
  }

  // The last line of a Python traceback is the sentence a reader needs.
  function errorText(err) {
    const text = String((err && err.message) || err || "unknown error").trim();
    const lines = text.split("\n").filter((line) => line.trim());
    return lines.length ? lines[lines.length - 1].replace(/^(\w+Error): /, "") : text;
  }

  // -------------------------------------------------------------- URL hash

  function readHash() {
    return new URLSearchParams(location.hash.slice(1));
  }

  // Readable hashes: ',' ':' ';' stay as they are.
  function encodeParams(pairs) {
    return pairs
      .map(([key, value]) => {
        const text = encodeURIComponent(String(value)).replace(/%2C/g, ",").replace(/%3A/g, ":").replace(/%3B/g, ";");
        return `${encodeURIComponent(key)}=${text}`;
      })
      .join("&");
  }

  function writeHash(pairs) {
    const text = encodeParams(pairs);
    const base = location.href.split("#")[0];
    history.replaceState(null, "", text ? `${base}#${text}` : base);
  }

  // ------------------------------------------------------------- numbers

  function fmt(value, digits) {
    if (typeof value !== "number") return String(value);
    if (Number.isInteger(value)) return String(value);
    const d = digits === undefined ? 3 : digits;
    const text = value.toFixed(d).replace(/\.?0+$/, "");
    return text === "-0" ? "0" : text;
  }

  function digit(index) {
    const all = window.CONVCORE_DIGITS || [];
    const i = Math.max(0, Math.min(all.length - 1, Math.round(Number(index) || 0)));
    return all[i];
  }

  // ------------------------------------------------------------- widgets

  function define(name, spec) {
    specs[name] = spec;
  }

  function fields(w) {
    const form = w.el.querySelector("form.widget-controls");
    return form ? Array.from(form.querySelectorAll("[name]")) : [];
  }

  // Named form fields -> state; numbers are checked against their min/max.
  function readForm(w) {
    const problems = [];
    for (const field of fields(w)) {
      let value = field.value;
      if (field.type === "checkbox") {
        // A word from the link that is not true or false: said once, then the box decides.
        if (typeof w.state[field.name] === "string") {
          problems.push(`${field.name}=${w.state[field.name]} in the link is not true or false; the box is unticked.`);
        }
        w.state[field.name] = field.checked;
        continue;
      }
      if (field.type === "number" || field.type === "range") {
        const n = Number(value);
        const lo = field.min === "" ? -Infinity : Number(field.min);
        const hi = field.max === "" ? Infinity : Number(field.max);
        const ok = value.trim() !== "" && Number.isInteger(n) && n >= lo && n <= hi;
        field.setAttribute("aria-invalid", ok ? "false" : "true");
        if (!ok) {
          const label = field.labels && field.labels[0] ? field.labels[0].textContent.trim().split("\n")[0] : field.name;
          problems.push(`${label} must be a whole number from ${field.min} to ${field.max}.`);
          continue;
        }
        value = n;
      }
      w.state[field.name] = value;
    }
    return problems;
  }

  function writeForm(w) {
    for (const field of fields(w)) {
      if (!(field.name in w.state)) continue;
      if (field.type === "checkbox") {
        field.checked = w.state[field.name] === true;
        field.setAttribute("aria-invalid", typeof w.state[field.name] === "string" ? "true" : "false");
        continue;
      }
      field.value = String(w.state[field.name]);
      field.setAttribute("aria-invalid", "false");
    }
    showOutputs(w);
  }

  function showOutputs(w) {
    for (const out of w.el.querySelectorAll("output[data-shows]")) {
      const field = w.el.querySelector(`[name="${out.dataset.shows}"]`);
      if (field) out.textContent = field.value;
    }
  }

  function defaultToParams(state) {
    return Object.keys(state)
      .filter((key) => state[key] !== null && state[key] !== undefined)
      .map((key) => [key, Array.isArray(state[key]) ? state[key].join(",") : state[key]]);
  }

  function defaultFromParams(params, state) {
    const next = Object.assign({}, state);
    for (const key of Object.keys(state)) {
      if (!params.has(key)) continue;
      const raw = params.get(key);
      const old = state[key];
      if (Array.isArray(old) || (old === null && raw.includes(","))) {
        next[key] = raw.split(",").map(Number);
      } else if (typeof old === "number") {
        next[key] = Number(raw);
      } else if (typeof old === "boolean") {
        next[key] = raw === "true" ? true : raw === "false" ? false : raw;
      } else {
        next[key] = raw;
      }
    }
    return next;
  }

  function params(w) {
    return (w.spec.toParams || defaultToParams)(w.state);
  }

  function showError(w, message) {
    const box = w.el.querySelector(".widget-error");
    if (!box) return;
    box.textContent = message;
    box.hidden = !message;
    w.el.classList.toggle("has-error", Boolean(message));
  }

  function updateEmbedLink(w) {
    const link = w.el.querySelector("a.embed-link");
    if (link) link.href = `embed.html#${encodeParams([["widget", w.name], ...params(w)])}`;
  }

  function stateChanged(w) {
    updateEmbedLink(w);
    if (w.hashBound) writeHash(w.hashPrefix.concat(params(w)));
  }

  // Compute the current state in Python and draw it (latest request wins).
  function update(w) {
    const seq = ++w.seq;
    const problems = readForm(w).concat(w.spec.read ? w.spec.read(w) : []);
    if (problems.length) {
      showError(w, problems.join(" "));
      return Promise.resolve();
    }
    stateChanged(w);
    const request = w.spec.request(w.state);
    const job = call(request.name, request.args).then(
      (data) => {
        if (seq !== w.seq) return;
        if (data && data.error) {
          showError(w, data.error);
          if (w.spec.drawError) w.spec.drawError(w, data);
          return;
        }
        showError(w, "");
        w.data = data;
        w.spec.draw(w);
        stateChanged(w);
      },
      // Not computed (Python could not start, or raised): the widget keeps
      // its last drawing, and says that it belongs to other settings.
      (err) => {
        if (seq !== w.seq) return;
        showError(w, `${errorText(err)} What is shown is for the settings before this change.`);
      },
    );
    return track(job);
  }

  function applyParams(w, hashParams) {
    w.state = (w.spec.fromParams || defaultFromParams)(hashParams, w.state);
    if (w.spec.showState) w.spec.showState(w);
    writeForm(w);
    return update(w);
  }

  function mount(el, options) {
    const name = el.dataset.widget;
    const spec = specs[name];
    if (!spec || el.dataset.mounted) return null;
    el.dataset.mounted = "1";
    const init = JSON.parse(el.querySelector(".widget-init").textContent);
    const w = {
      el,
      name,
      spec,
      state: Object.assign({}, init.state),
      data: init.data,
      seq: 0,
      hashBound: Boolean(options && options.hashBound),
      hashPrefix: (options && options.hashPrefix) || [],
      update: () => update(w),
      changed: () => stateChanged(w),
    };
    widgets.push(w);
    const form = el.querySelector("form.widget-controls");
    if (form) {
      form.addEventListener("submit", (event) => event.preventDefault());
      form.addEventListener("input", (event) => {
        if (event.target.name) {
          showOutputs(w);
          update(w);
        }
      });
    }
    if (spec.mount) spec.mount(w);
    writeForm(w);
    spec.draw(w);
    updateEmbedLink(w);
    if (w.hashBound) {
      const hashParams = readHash();
      const known = Array.from(hashParams.keys()).some((key) => key !== "widget" && key !== "embed");
      if (known) applyParams(w, hashParams);
      window.addEventListener("hashchange", () => applyParams(w, readHash()));
    }
    // Canvases follow the layout's width.
    if (typeof ResizeObserver === "function") {
      let width = el.clientWidth;
      let frame = 0;
      // Drawn in the next frame, not in the callback: a redraw that changes
      // the widget's height inside it makes the browser report a
      // "ResizeObserver loop" error (Firefox and WebKit, on a viewport change).
      new ResizeObserver(() => {
        if (el.clientWidth !== width) {
          width = el.clientWidth;
          cancelAnimationFrame(frame);
          frame = requestAnimationFrame(() => spec.draw(w));
        }
      }).observe(el);
    }
    return w;
  }

  // Pages mount their widgets on DOMContentLoaded; a page that binds one
  // widget to the URL hash (receptive.html, transpose.html, embed.html) says
  // so with data-hash-widget=NAME on an element (and, optionally,
  // data-hash-prefix: JSON pairs kept at the front of the hash).
  function mountAll() {
    const holder = document.querySelector("[data-hash-widget]");
    const bound = holder ? holder.dataset.hashWidget : "";
    const prefix = holder && holder.dataset.hashPrefix ? JSON.parse(holder.dataset.hashPrefix) : [];
    for (const el of document.querySelectorAll("[data-widget]")) {
      if (el.hidden) continue;
      mount(el, { hashBound: el.dataset.widget === bound, hashPrefix: prefix });
    }
  }

  window.Learn = {
    track,
    call,
    errorText,
    readHash,
    writeHash,
    encodeParams,
    fmt,
    digit,
    define,
    mount,
    mountAll,
    widgets,
  };

  document.addEventListener("DOMContentLoaded", mountAll);
})();
