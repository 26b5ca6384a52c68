// The Python side of the page: a (classic) worker that boots Pyodide, installs the
// convcore wheel and answers a small request/response protocol.
//
//   page -> worker  {type: "init", urls, embedded, total, gzipped, install}
//                   {type: "call", id, fn, args, buffers}  dispatch request fn
//                   {type: "run",  id, code, vars, limitMs} run a code cell
//                   {type: "asset", name, item}            answer to "need"
//   worker -> page  {type: "progress", step, loaded, total}
//                   {type: "ready", versions}
//                   {type: "failed", message}
//                   {type: "need", name}                   an offline asset, late
//                   {type: "running", id}                  a cell's code starts now
//                   {type: "reply", id, ok, value | error}
//
// Over http(s) every asset is fetched from the site itself, and Pyodide's
// modules are imported. From file:// the page cannot fetch, so it hands over
// the assets it read from classic scripts (base64, gzipped) in `embedded`, and
// this worker answers Pyodide's own fetches from those bytes. There the worker
// is made from a blob: URL, in which WebKit loads no other script at all, so
// build.py appends Pyodide's loader (global loadPyodide) and its module
// (global _createPyodideModule) as classic scripts to that copy of this file.

"use strict";

let pyodide = null;
let assetSource = null;
let restLoaded = null;
const waitingAssets = new Map();
let bridge = null;
let booting = null;

const post = (msg, transfer) => self.postMessage(msg, transfer || []);

function progress(step, loaded, total) {
  post({ type: "progress", step, loaded, total });
}

function b64ToBytes(text) {
  if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(text);
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// From a Response, not a Blob: WebKit cannot read a Blob's bytes in a worker
// made from a blob: URL on a file:// page.
async function gunzip(bytes) {
  const stream = new Response(bytes).body.pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// Byte counting shared by every download so the page can show one honest bar.
// A message per chunk would be hundreds of tasks on both threads while Python
// starts; the page shows progress a few times a second, so tell it as often.
const PROGRESS_EVERY_MS = 100;
function makeMeter(total) {
  let loaded = 0;
  let told = 0;
  return {
    add(n) {
      loaded += n;
      const now = performance.now();
      if (now - told < PROGRESS_EVERY_MS && loaded < total) return;
      told = now;
      progress("download", Math.min(loaded, total), total);
    },
    get loaded() {
      return loaded;
    },
  };
}

function countedResponse(response, meter) {
  if (!response.body) return response;
  const counter = new TransformStream({
    transform(chunk, controller) {
      meter.add(chunk.byteLength);
      controller.enqueue(chunk);
    },
  });
  return new Response(response.body.pipeThrough(counter), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

const CONTENT_TYPES = {
  wasm: "application/wasm",
  stdlib: "application/zip",
  stdlib_rest: "application/zip",
  lock: "application/json",
  wheel: "application/zip",
};

// Source of every asset: an embedded copy (file://) or the network (http).
function makeAssets(init, meter) {
  const cache = new Map();
  const realFetch = self.fetch.bind(self);

  async function embeddedBytes(name) {
    const item = init.embedded[name];
    if (!item) throw new Error(`the offline bundle has no "${name}" asset`);
    const raw = b64ToBytes(item.b64);
    meter.add(raw.length);
    return item.gzip ? gunzip(raw) : raw;
  }

  // Assets the build stored gzipped are counted as sent, then unzipped.
  async function networkResponse(name) {
    const url = init.urls[name];
    const response = await realFetch(url);
    if (!response.ok) {
      throw new Error(`could not load ${url} (HTTP ${response.status})`);
    }
    const counted = countedResponse(response, meter);
    if (!init.gzipped.includes(name)) return counted;
    return new Response(counted.body.pipeThrough(new DecompressionStream("gzip")), {
      headers: { "Content-Type": CONTENT_TYPES[name] || "application/octet-stream" },
    });
  }

  // Downloads started before Pyodide asks for them (it asks for the wasm only
  // after importing its 1.2 MB module); each is handed out once.
  const started = new Map();
  function prefetch(name) {
    const promise = response(name);
    promise.catch(() => {});
    started.set(name, promise);
  }

  function response(name) {
    if (started.has(name)) {
      const promise = started.get(name);
      started.delete(name);
      return promise;
    }
    if (init.embedded) {
      if (!cache.has(name)) cache.set(name, embeddedBytes(name));
      return cache.get(name).then(
        (bytes) =>
          new Response(bytes, { headers: { "Content-Type": CONTENT_TYPES[name] || "text/plain" } }),
      );
    }
    return networkResponse(name);
  }

  async function bytes(name) {
    const r = await response(name);
    return new Uint8Array(await r.arrayBuffer());
  }

  async function text(name) {
    return new TextDecoder().decode(await bytes(name));
  }

  // Pyodide fetches the wasm and the standard library by URL; route those
  // URLs to our sources (counting bytes over http, embedded bytes offline).
  // If one of them cannot be had, Pyodide logs it and waits forever, so the
  // failure is reported from here (onFatal) as well as thrown.
  function installFetch(onFatal) {
    const byUrl = new Map([
      [init.urls.wasm, "wasm"],
      [init.urls.stdlib, "stdlib"],
    ]);
    self.fetch = (input, options) => {
      const url = input instanceof Request ? input.url : String(input);
      const name = byUrl.get(url);
      if (name) {
        return response(name).catch((err) => {
          onFatal(err);
          throw err;
        });
      }
      return realFetch(input, options);
    };
  }

  return { bytes, text, installFetch, prefetch, init };
}

async function sha256Hex(bytes) {
  const digest = self.crypto && crypto.subtle ? new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)) : sha256(bytes);
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

// SHA-256 (FIPS 180-4) for pages that are not a secure context (plain http on
// a LAN address, an iframe in such a page), where crypto.subtle is missing.
function sha256(bytes) {
  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);
  const H = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  const length = bytes.length;
  const padded = new Uint8Array(Math.ceil((length + 9) / 64) * 64);
  padded.set(bytes);
  padded[length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(length / 0x20000000));
  view.setUint32(padded.length - 4, (length * 8) >>> 0);
  const w = new Uint32Array(64);
  const rotr = (x, n) => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + i * 4);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, h] = H;
    for (let i = 0; i < 64; i++) {
      const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    H[0] += a; H[1] += b; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += h;
  }
  const out = new Uint8Array(32);
  const outView = new DataView(out.buffer);
  H.forEach((v, i) => outView.setUint32(i * 4, v));
  return out;
}

// Pyodide declines classic workers because it would load its own module with
// importScripts; we hand it that module (createPyodideModule), so let its
// probe (importScripts of a data: URL, which the CSP would report) fail.
// Done before the appended loader runs, which probes as it is evaluated.
function passPyodideWorkerCheck() {
  const real = self.importScripts;
  self.importScripts = (...urls) => {
    if (urls.some((url) => String(url).startsWith("data:"))) {
      throw new Error("importScripts is not used in this worker");
    }
    return real.apply(self, urls);
  };
}
passPyodideWorkerCheck();

// Pyodide's loader and module: already in this script from file://, imported
// over http.
async function pyodideParts(urls) {
  if (typeof loadPyodide === "function") return [loadPyodide, _createPyodideModule];
  const [loader, asm] = await Promise.all([import(urls.pyodide), import(urls.asm)]);
  return [loader.loadPyodide, asm.default];
}

async function boot(init, onFatal) {
  const meter = makeMeter(init.total);
  const assets = makeAssets(init, meter);
  assetSource = assets;
  assets.installFetch(onFatal);
  progress("download", 0, init.total);
  assets.prefetch("wasm");
  assets.prefetch("stdlib");
  // Started together, awaited in turn; an early failure is reported where it
  // is awaited, not as an unhandled rejection.
  const early = (promise) => {
    promise.catch(() => {});
    return promise;
  };
  const lockPromise = early(assets.text("lock").then(JSON.parse));
  const wheelPromise = early(assets.bytes("wheel"));
  // The worker's own modules and the .pyc compiled at build time by this same
  // Python (nothing to compile here): the page's config lists which and where.
  const zips = init.install.zips.map(([name, dir]) => [early(assets.bytes(name)), dir]);
  const [load, createModule] = await pyodideParts(init.urls);
  const lock = await lockPromise;
  const py = await load({
    indexURL: init.urls.index,
    stdLibURL: init.urls.stdlib,
    lockFileContents: lock,
    createPyodideModule: createModule,
    packageBaseUrl: init.urls.index,
    checkAPIVersion: true,
  });
  progress("install", 1, 3);
  const entry = lock.packages && lock.packages.convcore;
  if (!entry) throw new Error("the package lock lists no convcore wheel");
  const wheel = await wheelPromise;
  const digest = await sha256Hex(wheel);
  if (digest !== entry.sha256) {
    throw new Error(
      `the convcore wheel is damaged (sha256 ${digest.slice(0, 12)}… does not match the lock)`,
    );
  }
  py.unpackArchive(wheel, "wheel", { extractDir: init.install.site_packages });
  progress("install", 2, 3);
  for (const [zip, dir] of zips) py.unpackArchive(await zip, "zip", { extractDir: dir });
  py.runPython(`import sys; sys.path.insert(0, ${JSON.stringify(init.install.bridge)})`);
  pyodide = py;
  bridge = await withTheRest(() => pyodide.pyimport("convcore_bridge"));
  progress("install", 3, 3);
  return {
    python: py.runPython("import sys; sys.version.split()[0]"),
    pyodide: py.version,
    convcore: bridge.convcore_version(),
  };
}

function toPlain(value) {
  if (value && typeof value.toJs === "function") {
    const js = value.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
    value.destroy();
    return js;
  }
  return value;
}

function pyError(err) {
  const name = err && err.type ? err.type : err && err.name ? err.name : "Error";
  const message = String((err && err.message) || err);
  return { type: name, message };
}

// Arguments cross as JSON, except large numeric inputs, which come as typed
// arrays in `buffers` and reach Python as memoryviews.
// A module missing from what start-up loaded (a path the build's warm-up did
// not take) is not fatal: load the rest and try again once.
async function withTheRest(run) {
  try {
    return run();
  } catch (err) {
    if (!err || !/^(ModuleNotFoundError|ImportError)$/.test(err.type) || restLoaded) throw err;
    await loadTheRest();
    return run();
  }
}

async function handleCall(msg) {
  return withTheRest(() =>
    toPlain(bridge.dispatch(msg.fn, JSON.stringify(msg.args || {}), msg.buffers || {})),
  );
}

// The rest is appended to the start-up zip itself rather than put beside it:
// a package imported from the start-up zip (importlib, email, ...) looks for
// its submodules only there. Then zipimport re-reads the zip's directory.
const MERGE_STDLIB = `
import sys, zipfile, zipimport
with zipfile.ZipFile("/tmp/stdlib-rest.zip") as rest, zipfile.ZipFile("/lib/python314.zip", "a") as core:
    for info in rest.infolist():
        core.writestr(info, rest.read(info))
zipimport._zip_directory_cache.clear()
sys.path_importer_cache.clear()
import importlib
importlib.invalidate_caches()
`;

// An asset loaded late: from file:// only the page can read it (a "need"
// message), over http it is fetched.
async function lateBytes(name) {
  if (!assetSource.init.embedded) return assetSource.bytes(name);
  const item = await new Promise((resolve) => {
    waitingAssets.set(name, resolve);
    post({ type: "need", name });
  });
  if (!item) throw new Error(`the offline bundle has no "${name}" asset`);
  const raw = b64ToBytes(item.b64);
  return item.gzip ? gunzip(raw) : raw;
}

// What start-up left out, loaded before the first code cell runs so that any
// `import` in a cell works: the standard library beyond what start-up needs,
// and (on the demo, which starts with its own modules only) the rest of
// convcore's .pyc and of the worker's modules.
function loadTheRest() {
  if (!restLoaded) {
    restLoaded = (async () => {
      const stdlib = lateBytes("stdlib_rest");
      const zips = assetSource.init.install.later.map(([name, dir]) => [lateBytes(name), dir]);
      const pending = [stdlib, ...zips.map(([bytes]) => bytes)];
      pending.forEach((bytes) => bytes.catch(() => {})); // reported where each is awaited
      for (const [zip, dir] of zips) pyodide.unpackArchive(await zip, "zip", { extractDir: dir });
      pyodide.FS.writeFile("/tmp/stdlib-rest.zip", await stdlib);
      pyodide.runPython(MERGE_STDLIB); // which also invalidates the import caches
    })();
    restLoaded.catch(() => {
      restLoaded = null;
    });
  }
  return restLoaded;
}

async function handleRun(msg) {
  await loadTheRest();
  post({ type: "running", id: msg.id });
  const limit = msg.limitMs ? msg.limitMs / 1000 : undefined;
  return toPlain(bridge.run_cell(msg.code, JSON.stringify(msg.vars || {}), limit));
}

self.onmessage = async (event) => {
  const msg = event.data;
  if (msg.type === "init") {
    if (booting) return;
    let settled = false;
    const fail = (err) => {
      if (settled) return;
      settled = true;
      post({ type: "failed", message: String((err && err.message) || err) });
    };
    booting = boot(msg, fail).then((versions) => {
      if (settled) return;
      settled = true;
      // Request modules are imported by their page's first request: importing
      // every page's modules once idle held up the first changes made then.
      post({ type: "ready", versions });
    }, fail);
    return;
  }
  if (msg.type === "asset") {
    const resolve = waitingAssets.get(msg.name);
    waitingAssets.delete(msg.name);
    if (resolve) resolve(msg.item);
    return;
  }
  if (msg.type !== "call" && msg.type !== "run") return;
  try {
    if (!pyodide) throw new Error("Python is not ready");
    const value = msg.type === "call" ? await handleCall(msg) : await handleRun(msg);
    post({ type: "reply", id: msg.id, ok: true, value });
  } catch (err) {
    post({ type: "reply", id: msg.id, ok: false, error: pyError(err) });
  }
};
