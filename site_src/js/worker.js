// The Python side of the page: a (classic) worker that boots Pyodide, installs the
// convcore wheel and answers a small request/response protocol.
//
//   page -> worker  {type: "init", urls, embedded, sizes, wheel}
//                   {type: "call", id, fn, args}       call bridge.<fn>(**args)
//                   {type: "run",  id, code, vars}     run a code cell
//   worker -> page  {type: "progress", step, loaded, total}
//                   {type: "ready", versions}
//                   {type: "failed", message}
//                   {type: "reply", id, ok, value | error}
//
// Over http(s) every asset is fetched from the site itself. From file:// the
// page cannot fetch, so it hands over the assets it read from classic scripts
// (base64, gzipped) in `embedded`, and this worker answers Pyodide's own
// fetches from those bytes.

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

async function gunzip(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// Byte counting shared by every download so the page can show one honest bar.
function makeMeter(total) {
  let loaded = 0;
  return {
    add(n) {
      loaded += n;
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

  // A module from the site (http) or from embedded text through a blob: URL.
  async function importModule(name) {
    if (!init.embedded) return import(init.urls[name]);
    const blob = new Blob([await text(name)], { type: "text/javascript" });
    const url = URL.createObjectURL(blob);
    try {
      return await import(url);
    } finally {
      URL.revokeObjectURL(url);
    }
  }

  return { bytes, text, installFetch, importModule, prefetch, init };
}

async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

// Pyodide declines classic workers because it would load its own modules with
// importScripts; we hand it the module (createPyodideModule) and load only
// with import(), so let its probe (importScripts of a data: URL) fail.
function passPyodideWorkerCheck() {
  const real = self.importScripts;
  self.importScripts = (...urls) => {
    if (urls.some((url) => String(url).startsWith("data:"))) {
      throw new Error("importScripts is not used in this worker");
    }
    return real.apply(self, urls);
  };
}

async function boot(init, onFatal) {
  passPyodideWorkerCheck();
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
  const bridgePromise = early(assets.bytes("bridge"));
  const [pyodideModule, asmModule] = await Promise.all([
    assets.importModule("pyodide"),
    assets.importModule("asm"),
  ]);
  const lock = await lockPromise;
  const py = await pyodideModule.loadPyodide({
    indexURL: init.urls.index,
    stdLibURL: init.urls.stdlib,
    lockFileContents: lock,
    createPyodideModule: asmModule.default,
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
  py.unpackArchive(wheel, "wheel");
  progress("install", 2, 3);
  py.unpackArchive(await bridgePromise, "zip", { extractDir: "/home/pyodide" });
  py.runPython("import sys; sys.path.insert(0, '/home/pyodide')");
  pyodide = py;
  bridge = await importWithStdlibFallback("convcore_bridge");
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
// A module missing from the start-up part of the standard library (a path the
// build's warm-up did not take) is not fatal: load the rest and try again.
async function handleCall(msg) {
  const call = () => toPlain(bridge.dispatch(msg.fn, JSON.stringify(msg.args || {}), msg.buffers || {}));
  try {
    return call();
  } catch (err) {
    if (!err || !/^(ModuleNotFoundError|ImportError)$/.test(err.type) || restLoaded) throw err;
    await loadRestOfStdlib();
    return call();
  }
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

async function importWithStdlibFallback(name) {
  try {
    return pyodide.pyimport(name);
  } catch (err) {
    if (!err || !/^(ModuleNotFoundError|ImportError)$/.test(err.type)) throw err;
    await loadRestOfStdlib();
    return pyodide.pyimport(name);
  }
}

// The standard library beyond what start-up needs, loaded before the first
// code cell runs so that any `import` in a cell works.
function loadRestOfStdlib() {
  if (!restLoaded) {
    restLoaded = (async () => {
      let bytes;
      if (assetSource.init.embedded) {
        const item = await new Promise((resolve) => {
          waitingAssets.set("stdlib_rest", resolve);
          post({ type: "need", name: "stdlib_rest" });
        });
        if (!item) throw new Error("the offline bundle has no rest of the standard library");
        const raw = b64ToBytes(item.b64);
        bytes = item.gzip ? await gunzip(raw) : raw;
      } else {
        bytes = await assetSource.bytes("stdlib_rest");
      }
      pyodide.FS.writeFile("/tmp/stdlib-rest.zip", bytes);
      pyodide.runPython(MERGE_STDLIB);
    })();
    restLoaded.catch(() => {
      restLoaded = null;
    });
  }
  return restLoaded;
}

async function handleRun(msg) {
  await loadRestOfStdlib();
  return toPlain(bridge.run_cell(msg.code, JSON.stringify(msg.vars || {})));
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
