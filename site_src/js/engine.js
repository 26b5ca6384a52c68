// The page's handle on Python: starts the worker as soon as the page has
// painted, shows loading progress, and turns the worker's messages into promises.
//
// window.convcoreEngine.call(fn, args, buffers) -> Promise of request fn's result
// window.convcoreEngine.run(code, vars, ms)     -> Promise of a code cell's result
// window.convcoreEngine.subscribe(listener)     -> listener({state, versions, message})
// window.convcoreEngine.restart()               -> a new worker (stops running Python)
//
// <html data-engine> is "static" until Python answers, then "python"; "error"
// when it cannot start (the pre-rendered page stays, with a visible message).
(function () {
  "use strict";

  const root = document.documentElement;
  const configNode = document.getElementById("convcore-config");
  const config = configNode ? JSON.parse(configNode.textContent) : null;
  const fromDisk = location.protocol === "file:";
  const listeners = new Set();
  const pending = new Map();
  let queue = [];
  let worker = null;
  let nextId = 1;
  let failedAt = 0;
  const engine = {
    state: "static",
    versions: null,
    message: "",
    progress: { step: "start", loaded: 0, total: config ? config.total : 0 },
  };

  function absolute(relative) {
    return new URL(relative, location.href).href;
  }

  // Download progress arrives many times a frame. Every update the page shows
  // costs a style, layout and paint of the main thread, on cores the worker
  // needs to start Python (once a frame, that was ~200 ms of the start-up);
  // so the page hears of progress a few times a second, and of state changes
  // at once (emit).
  const PROGRESS_MS = 250;
  let progressTimer = 0;
  function emit() {
    clearTimeout(progressTimer);
    progressTimer = 0;
    if (root.dataset.engine !== engine.state) root.dataset.engine = engine.state;
    for (const listener of listeners) listener(engine);
  }

  function emitProgress() {
    if (!progressTimer) progressTimer = setTimeout(emit, PROGRESS_MS);
  }

  function setState(state, message) {
    engine.state = state;
    engine.message = message || "";
    emit();
  }

  function missingFeature() {
    if (typeof WebAssembly !== "object" || typeof WebAssembly.instantiate !== "function") {
      return "This browser has no WebAssembly, so Python cannot run here. The numbers shown were computed when the site was built.";
    }
    if (typeof Worker !== "function") {
      return "This browser cannot start Web Workers, so Python cannot run here. The numbers shown were computed when the site was built.";
    }
    if (typeof DecompressionStream !== "function") {
      return "This browser lacks DecompressionStream, needed to unpack Python's standard library. The numbers shown were computed when the site was built.";
    }
    return "";
  }

  // From file:// the assets come from classic scripts that each store one
  // base64 string in window.__convcoreOffline.
  function loadOfflineScripts() {
    window.__convcoreOffline = window.__convcoreOffline || {};
    // After a restart the assets are already here: read each script once.
    const missing = config.offline.filter((src) => {
      const name = src.split("/").pop().replace(/\.js$/, "");
      return !window.__convcoreOffline[name];
    });
    const scripts = missing.map(
      (src) =>
        new Promise((resolve, reject) => {
          const tag = document.createElement("script");
          tag.src = src;
          tag.async = true;
          tag.onload = resolve;
          tag.onerror = () => reject(new Error(`could not read ${src} next to this page`));
          document.head.appendChild(tag);
        }),
    );
    return Promise.all(scripts).then(() => window.__convcoreOffline);
  }

  // The worker asks for assets it loads late (the rest of the standard
  // library); from file:// only this page can read them.
  function sendLazyAsset(name) {
    const target = worker;
    const src = config.offlineLazy[name];
    const deliver = () => target.postMessage({ type: "asset", name, item: window.__convcoreOffline[name] || null });
    if (!src || (window.__convcoreOffline && window.__convcoreOffline[name])) {
      deliver();
      return;
    }
    const tag = document.createElement("script");
    tag.src = src;
    tag.onload = deliver;
    tag.onerror = deliver;
    document.head.appendChild(tag);
  }

  // From file:// the worker's script comes from a classic script too (a
  // Worker cannot be made from a file URL) and is made a blob: URL. A
  // classic worker, because Chromium refuses module workers from blob: URLs
  // on file:// pages. A restart reuses the blob: URL.
  let workerURL = "";
  async function makeWorker(embedded) {
    if (!fromDisk) return new Worker(absolute(config.worker));
    if (!workerURL) {
      const bin = atob(embedded.worker.b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      const source = new Response(new Response(bytes).body.pipeThrough(new DecompressionStream("gzip")));
      const blob = new Blob([await source.blob()], { type: "text/javascript" });
      workerURL = URL.createObjectURL(blob);
    }
    return new Worker(workerURL);
  }

  function onMessage(event) {
    const msg = event.data;
    if (msg.type === "progress") {
      engine.progress = { step: msg.step, loaded: msg.loaded, total: msg.total };
      emitProgress();
    } else if (msg.type === "ready") {
      engine.versions = msg.versions;
      setState("python");
      flush();
    } else if (msg.type === "need") {
      sendLazyAsset(msg.name);
    } else if (msg.type === "running") {
      const entry = pending.get(msg.id);
      if (entry && entry.startTimer) entry.startTimer();
    } else if (msg.type === "failed") {
      fail(`Python could not start: ${msg.message}`);
    } else if (msg.type === "reply") {
      const entry = pending.get(msg.id);
      if (!entry) return;
      pending.delete(msg.id);
      clearTimeout(entry.timer);
      if (msg.ok) entry.resolve(msg.value);
      else entry.reject(Object.assign(new Error(msg.error.message), { pyType: msg.error.type }));
    }
  }

  function fail(message) {
    failedAt = Date.now();
    if (worker) worker.terminate();
    worker = null;
    for (const entry of pending.values()) {
      clearTimeout(entry.timer);
      entry.reject(new Error(message));
    }
    pending.clear();
    for (const item of queue) item.reject(new Error(message));
    queue = [];
    setState("error", message);
  }

  async function start() {
    const missing = missingFeature();
    if (missing) {
      fail(missing);
      return;
    }
    setState("static", "");
    try {
      const embedded = fromDisk ? await loadOfflineScripts() : null;
      worker = await makeWorker(embedded);
      worker.onmessage = onMessage;
      worker.onerror = (event) => fail(`the Python worker stopped: ${event.message || "unknown error"}`);
      const urls = {};
      for (const [name, rel] of Object.entries(config.assets)) urls[name] = absolute(rel);
      urls.index = absolute(config.index);
      const total = fromDisk ? config.offlineTotal : config.total;
      worker.postMessage({
        type: "init",
        urls,
        embedded,
        total,
        gzipped: config.gzipped,
        install: config.install,
      });
    } catch (err) {
      fail(`Python could not start: ${err.message}`);
    }
  }

  function send(item) {
    const id = nextId++;
    const entry = { resolve: item.resolve, reject: item.reject, timer: 0, startTimer: null };
    pending.set(id, entry);
    // The time limit counts from when the code starts ("running"), not while
    // the worker first loads the rest of the standard library: from disk, in
    // a slow engine, that alone took longer than a cell's limit.
    if (item.timeout) {
      entry.startTimer = () => {
        entry.startTimer = null;
        entry.timer = setTimeout(() => {
          pending.delete(id);
          item.reject(Object.assign(new Error(item.timeoutMessage), { timedOut: true }));
          restart();
        }, item.timeout);
      };
    }
    worker.postMessage(Object.assign({ id }, item.message));
  }

  function flush() {
    const waiting = queue;
    queue = [];
    for (const item of waiting) send(item);
  }

  // A failed start is retried by the next request, at most every 5 s;
  // between retries a request fails at once with the reason, so that no page
  // waits for a start that is not coming.
  const RETRY_MS = 5000;
  function request(message, timeout, timeoutMessage) {
    return new Promise((resolve, reject) => {
      const item = { message, resolve, reject, timeout, timeoutMessage };
      if (engine.state === "python") send(item);
      else if (engine.state !== "error") queue.push(item);
      else if (Date.now() - failedAt > RETRY_MS && !missingFeature()) {
        queue.push(item);
        start();
      } else reject(new Error(engine.message));
    });
  }

  // Stop a runaway cell: the only way to interrupt Python here is a new worker.
  function restart() {
    if (worker) worker.terminate();
    worker = null;
    for (const entry of pending.values()) {
      clearTimeout(entry.timer);
      entry.reject(new Error("Python was restarted"));
    }
    pending.clear();
    start();
  }

  engine.call = (fn, args, buffers) =>
    request({ type: "call", fn, args: args || {}, buffers: buffers || {} }, 0, "");
  engine.run = (code, vars, timeoutMs) => {
    const limitMs = timeoutMs || 5000;
    return request(
      { type: "run", code, vars: vars || {}, limitMs },
      limitMs,
      `The cell ran for more than ${Math.round(limitMs / 1000)} s, so Python was restarted.`,
    );
  };
  engine.subscribe = (listener) => {
    listeners.add(listener);
    listener(engine);
    return () => listeners.delete(listener);
  };
  engine.restart = restart;
  window.convcoreEngine = engine;

  // The loading indicator in the header: real bytes, then start-up steps.
  const STEP_TEXT = {
    start: "starting",
    download: "downloading",
    install: "starting",
  };
  function showStatus(e) {
    const box = document.getElementById("engine-status");
    if (!box) return;
    const label = box.querySelector(".engine-label");
    const bar = box.querySelector(".engine-progress");
    box.dataset.engine = e.state;
    if (e.state !== "static") box.removeAttribute("title");
    if (e.state === "python") {
      label.textContent = `Python ${e.versions.python} ready`;
      bar.hidden = true;
    } else if (e.state === "error") {
      label.textContent = e.message;
      bar.hidden = true;
    } else {
      const p = e.progress;
      const mb = (n) => (n / 1048576).toFixed(1);
      const detail =
        p.step === "download" && p.total
          ? `${mb(p.loaded)} of ${mb(p.total)} MB`
          : p.step === "install"
            ? `(step ${p.loaded} of ${p.total})`
            : "";
      // Short enough for one line beside the menu; the box's title says more.
      label.textContent = `Python: ${STEP_TEXT[p.step] || p.step}${detail ? ` ${detail}` : ""}…`;
      bar.hidden = false;
      bar.max = p.total || 1;
      bar.value = p.loaded;
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => engine.subscribe(showStatus));
  } else {
    engine.subscribe(showStatus);
  }

  // The worker starts once the page has painted. Pyodide's start compiles a
  // 1.2 MB module and the wasm on every core it can get; started at once, on
  // two cores it delayed the first frame's raster and presentation: first
  // paint 140 -> 126 ms, Python ready 1129 -> 1133 ms (30 paired loads).
  // A hidden tab never paints, so a timer starts it at the latest.
  const START_AT_LATEST_MS = 300;
  function afterFirstPaint(fn) {
    let started = false;
    const go = () => {
      if (started) return;
      started = true;
      fn();
    };
    const types = (window.PerformanceObserver && PerformanceObserver.supportedEntryTypes) || [];
    if (!types.includes("paint")) {
      go();
      return;
    }
    // "first-paint" can come a frame before the page's content does.
    new PerformanceObserver((list, observer) => {
      if (!list.getEntries().some((entry) => entry.name === "first-contentful-paint")) return;
      observer.disconnect();
      setTimeout(go, 0);
    }).observe({ type: "paint", buffered: true });
    setTimeout(go, START_AT_LATEST_MS);
  }

  if (!config) {
    setState("error", "This page has no engine configuration.");
  } else {
    afterFirstPaint(start);
  }
})();
