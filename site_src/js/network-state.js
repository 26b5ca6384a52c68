// The network page's state and its URL hash. The hash is untrusted input:
// parseHash is the one place that reads it; every value is checked, and
// anything malformed or out of range becomes the nearest valid value, with a
// sentence saying so (shown as text, never as HTML). The defaults and the
// ranges come from the build (site_src/prerender/network.py), so this file
// and the worker's checks never disagree.
//
// state: {input: "digit" | "heldout" | "draw", digit, heldout, pixels (a
// drawing's levels, or null), layer, at ([ch, r, c] or [i]), lr, batch, opt,
// widths ([w1, w2, ...]), seed}.
(function () {
  "use strict";

  const ConvNet = (window.ConvNet = window.ConvNet || {});
  const MAX_VALUE_LENGTH = 2000;
  const KEYS = ["digit", "heldout", "pixels", "layer", "at", "lr", "batch", "opt", "widths", "seed"];
  const TRAINING = ["lr", "batch", "opt", "widths", "seed"];
  const { toNumber, short } = ConvDemo.hash;

  function clone(state) {
    return {
      ...state,
      pixels: state.pixels ? state.pixels.slice() : null,
      at: state.at ? state.at.slice() : null,
      widths: state.widths.slice(),
    };
  }

  // A whole number in [lo, hi]: {value, why} (why is "" when it was fine).
  function whole(raw, [lo, hi], fallback) {
    const n = toNumber(raw);
    if (Number.isNaN(n)) return { value: fallback, why: "not a number" };
    const value = Math.min(hi, Math.max(lo, Math.round(n)));
    if (value === n) return { value, why: "" };
    return { value, why: n < lo || n > hi ? `allowed: ${lo} to ${hi}` : "a whole number is needed" };
  }

  // "4,8" -> widths, one per conv layer, each in range.
  function parseWidths(raw, count, [lo, hi], fallback) {
    const parts = String(raw).split(",");
    if (parts.length !== count) return { value: fallback, why: `${count} widths are needed, one per conv layer` };
    const value = [];
    let why = "";
    parts.forEach((part, i) => {
      const found = whole(part, [lo, hi], fallback[i]);
      value.push(found.value);
      why = why || found.why;
    });
    return { value, why };
  }

  function parseHash(hash, defaults, limits, layers) {
    const state = clone(defaults);
    const { values: seen, notices } = ConvDemo.hash.readHash(hash, MAX_VALUE_LENGTH, ["widget"]); // embed.html's own key
    const note = (key, why, used) => notices.push(`${key}=${short(seen.get(key))}: ${why}, so ${used} is used.`);
    const take = (key, found) => {
      if (found.why) note(key, found.why, Array.isArray(found.value) ? found.value.join(",") : found.value);
      state[key] = found.value;
    };
    if (seen.has("digit")) take("digit", whole(seen.get("digit"), limits.digit, defaults.digit));
    if (seen.has("heldout")) take("heldout", whole(seen.get("heldout"), limits.heldout, defaults.heldout));
    if (seen.has("pixels")) {
      const raw = seen.get("pixels").trim();
      const { levels, problem } = ConvDemo.input.decodePixels(raw);
      if (problem && raw) notices.push(`pixels: ${problem}; the drawing was repaired.`);
      state.pixels = raw ? levels : new Array(levels.length).fill(0); // "pixels=": a blank drawing
    }
    state.input = seen.has("pixels") ? "draw" : seen.has("heldout") ? "heldout" : "digit";
    const inputs = ["digit", "heldout", "pixels"].filter((key) => seen.has(key));
    if (inputs.length > 1) {
      notices.push(`The link names ${inputs.length} inputs (${inputs.join(", ")}); ${state.input === "draw" ? "the drawing" : "the held-out digit"} is shown.`);
    }
    if (seen.has("layer")) take("layer", whole(seen.get("layer"), [0, layers - 1], defaults.layer));
    if (seen.has("at")) {
      const parts = seen.get("at").split(",").map(toNumber);
      if ((parts.length === 1 || parts.length === 3) && parts.every((n) => Number.isInteger(n) && n >= 0)) {
        state.at = parts;
      } else {
        note("at", "a pixel is ch,row,column (or one index in a vector), whole numbers from 0", defaults.at.join(","));
      }
    }
    if (seen.has("lr")) {
      const n = toNumber(seen.get("lr"));
      const [lo, hi] = limits.lr;
      if (Number.isNaN(n)) note("lr", "not a number", defaults.lr);
      else if (n < lo || n > hi) note("lr", `allowed: ${lo} to ${hi}`, Math.min(hi, Math.max(lo, n)));
      state.lr = Number.isNaN(n) ? defaults.lr : Math.min(hi, Math.max(lo, n));
    }
    if (seen.has("batch")) take("batch", whole(seen.get("batch"), limits.batch, defaults.batch));
    if (seen.has("opt")) {
      const v = seen.get("opt").trim().toLowerCase();
      if (limits.opt.includes(v)) state.opt = v;
      else note("opt", `allowed: ${limits.opt.join(", ")}`, defaults.opt);
    }
    if (seen.has("widths")) take("widths", parseWidths(seen.get("widths"), defaults.widths.length, limits.width, defaults.widths));
    if (seen.has("seed")) take("seed", whole(seen.get("seed"), limits.seed, defaults.seed));
    notices.push(...ConvDemo.hash.unknownKeys(seen, KEYS));
    return { state, notices };
  }

  // The shortest hash for a state: values equal to the defaults are left out;
  // the input is named by its key (digit, heldout or pixels).
  function toHash(state, defaults) {
    const parts = [];
    const add = (key, value) => parts.push(`${key}=${encodeURIComponent(String(value)).replace(/%2C/g, ",")}`);
    if (state.input === "draw") add("pixels", ConvDemo.input.encodePixels(state.pixels));
    else if (state.input === "heldout") add("heldout", state.heldout);
    else if (state.digit !== defaults.digit) add("digit", state.digit);
    if (state.layer !== defaults.layer) add("layer", state.layer);
    if (state.at && state.at.join(",") !== defaults.at.join(",")) add("at", state.at.join(","));
    for (const key of TRAINING) {
      const value = key === "widths" ? state.widths.join(",") : state[key];
      const fallback = key === "widths" ? defaults.widths.join(",") : defaults[key];
      if (value !== fallback) add(key, value);
    }
    return parts.join("&");
  }

  // What the classifier's view depends on, and what a run depends on.
  function viewKey(state, model) {
    const input = state.input === "draw" ? `draw:${ConvDemo.input.encodePixels(state.pixels)}` : `${state.input}:${state[state.input]}`;
    return `${model}|${input}`;
  }

  function runKey(state) {
    return TRAINING.map((key) => (key === "widths" ? state.widths.join(",") : state[key])).join("|");
  }

  ConvNet.state = { parseHash, toHash, clone, viewKey, runKey, toNumber, parseWidths, whole, TRAINING };
})();
