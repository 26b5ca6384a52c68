// The demo's state: defaults, kernels of the presets, and the URL hash.
//
// The hash is untrusted input. parseHash is the one place that reads it: every
// value is checked, and anything malformed, out of range or unknown becomes the
// nearest valid value, with a sentence saying so. Nothing read from the hash is
// ever put into the page as HTML.
(function () {
  "use strict";

  const ConvDemo = (window.ConvDemo = window.ConvDemo || {});

  const LIMITS = {
    kernel: [1, 20],
    stride: [1, 10],
    padding: [0, 10],
    dilation: [1, 5],
    digit: [0, 119],
    size: [4, 128],
    filters: [1, 3],
    speed: [1, 8],
  };
  const WEIGHT_LIMIT = 1000; // weights and biases stay within +-1000
  const MAX_VALUE_LENGTH = 20000; // longer hash values are refused unread
  const KEYS = ["kernel", "stride", "padding", "dilation", "padding_mode", "input", "digit", "size",
    "background", "channels", "filters", "speed", "step", "pixels", "weights", "bias"];
  const PADDING_MODES = ["zeros", "reflect", "replicate", "circular"];
  const INPUTS = ["digit", "draw", "upload"];
  const DRAW_SIDE = 20;
  const SPEEDS = [1, 2, 5, 10, 25, 50, 100, 250]; // steps per second, by speed 1..8

  const DEFAULTS = Object.freeze({
    input: "digit",
    digit: 0,
    pixels: null, // a drawing: DRAW_SIDE^2 levels 0, 1, 2 (0, 0.5, 1); null = blank
    size: 28,
    background: "black",
    channels: "gray",
    separate: false,
    kernel: [3, 3],
    stride: [1, 1],
    padding: [0, 0], // or "same" / "valid"
    dilation: [1, 1],
    paddingMode: "zeros",
    filters: 1,
    weights: null, // null = every filter at its default kernel
    bias: [0, 0, 0],
    step: null, // null = the last window (the whole output shown)
    speed: 5,
  });

  // ------------------------------------------------------------- kernels

  // Filter 1 starts as the post's all-ones kernel; filters 2 and 3 as simple
  // left/right and top/bottom edge detectors, so side by side they differ.
  function defaultKernel(filter, kh, kw) {
    const out = new Array(kh * kw).fill(1);
    if (filter === 0) return out;
    for (let r = 0; r < kh; r++) {
      for (let c = 0; c < kw; c++) {
        const pos = filter === 1 ? c : r;
        const mid = ((filter === 1 ? kw : kh) - 1) / 2;
        out[r * kw + c] = pos < mid ? -1 : pos > mid ? 1 : 0;
      }
    }
    return out;
  }

  function binomialRow(n) {
    let row = [1];
    for (let i = 1; i < n; i++) row = row.map((v, j) => v + (row[j - 1] || 0)).concat(1);
    return row;
  }

  // Presets: [label, fixed 3x3 values or a function of (kh, kw)].
  const PRESETS = {
    ones: ["All ones (as in the original post)", (kh, kw) => new Array(kh * kw).fill(1)],
    box: ["Box blur (average)", (kh, kw) => new Array(kh * kw).fill(1 / (kh * kw))],
    gaussian: [
      "Gaussian blur",
      (kh, kw) => {
        const rows = binomialRow(kh);
        const cols = binomialRow(kw);
        const total = rows.reduce((a, b) => a + b) * cols.reduce((a, b) => a + b);
        return rows.flatMap((a) => cols.map((b) => (a * b) / total));
      },
    ],
    sharpen: ["Sharpen", [0, -1, 0, -1, 5, -1, 0, -1, 0]],
    sobel_x: ["Sobel x (vertical edges)", [-1, 0, 1, -2, 0, 2, -1, 0, 1]],
    sobel_y: ["Sobel y (horizontal edges)", [-1, -2, -1, 0, 0, 0, 1, 2, 1]],
    laplacian: ["Laplacian", [0, 1, 0, 1, -4, 1, 0, 1, 0]],
    identity: [
      "Identity",
      (kh, kw) => {
        const out = new Array(kh * kw).fill(0);
        out[Math.floor((kh - 1) / 2) * kw + Math.floor((kw - 1) / 2)] = 1;
        return out;
      },
    ],
    emboss: ["Emboss", [-2, -1, 0, -1, 1, 1, 0, 1, 2]],
  };

  // The kernel of a preset for the current size; fixed presets need 3x3.
  function presetKernel(name, kh, kw) {
    const entry = PRESETS[name];
    if (!entry) return null;
    const values = entry[1];
    if (typeof values === "function") return { kernel: [kh, kw], weights: values(kh, kw) };
    return { kernel: [3, 3], weights: values.slice() };
  }

  function weightsOf(state, filter) {
    const [kh, kw] = state.kernel;
    if (state.weights && state.weights[filter]) return state.weights[filter];
    return defaultKernel(filter, kh, kw);
  }

  function isDefaultKernel(values, filter, kh, kw) {
    const def = defaultKernel(filter, kh, kw);
    return values.length === def.length && values.every((v, i) => v === def[i]);
  }

  // New kernel size: default kernels follow the size; edited ones keep their
  // top-left part and get zeros in new cells.
  function resizeWeights(state, oldKernel) {
    if (!state.weights) return null;
    const [kh, kw] = state.kernel;
    const [oh, ow] = oldKernel;
    const out = state.weights.map((values, f) => {
      if (isDefaultKernel(values, f, oh, ow)) return defaultKernel(f, kh, kw);
      const next = new Array(kh * kw).fill(0);
      for (let r = 0; r < Math.min(kh, oh); r++) {
        for (let c = 0; c < Math.min(kw, ow); c++) next[r * kw + c] = values[r * ow + c];
      }
      return next;
    });
    return normaliseWeights(out, kh, kw);
  }

  // null when every filter has its default kernel (so the hash can omit it).
  function normaliseWeights(weights, kh, kw) {
    if (!weights) return null;
    return weights.every((w, f) => isDefaultKernel(w, f, kh, kw)) ? null : weights;
  }

  // ------------------------------------------------------------- parsing

  const { toNumber, short } = ConvDemo.hash;

  function clampInt(value, [lo, hi]) {
    return Math.min(hi, Math.max(lo, Math.round(value)));
  }

  // The one reader of the hash: returns {state, notices}.
  function parseHash(hash) {
    const state = cloneState(DEFAULTS);
    const { values: seen, notices } = ConvDemo.hash.readHash(hash, MAX_VALUE_LENGTH);
    const note = (key, raw, why, used) =>
      notices.push(`${key}=${short(raw)}: ${why}, so ${used} is used.`);

    const intValue = (key, range, fallback) => {
      const raw = seen.get(key);
      const n = toNumber(raw);
      if (Number.isNaN(n)) {
        note(key, raw, "not a number", fallback);
        return fallback;
      }
      const v = clampInt(n, range);
      if (v !== n) {
        const why = n < range[0] || n > range[1] ? `allowed: ${range[0]} to ${range[1]}` : "a whole number is needed";
        note(key, raw, why, v);
      }
      return v;
    };

    const pairValue = (key, range, fallback) => {
      const raw = seen.get(key);
      const parts = raw.split(",");
      if (parts.length > 2) note(key, raw, "one number or two (height,width) are allowed", parts.slice(0, 2).join(","));
      const out = [];
      for (const part of parts.slice(0, 2)) {
        const n = toNumber(part);
        if (Number.isNaN(n)) {
          note(key, raw, "not a number", fallback[out.length]);
          out.push(fallback[out.length]);
          continue;
        }
        const v = clampInt(n, range);
        if (v !== n) {
          const why = n < range[0] || n > range[1] ? `allowed: ${range[0]} to ${range[1]}` : "a whole number is needed";
          note(key, raw, why, v);
        }
        out.push(v);
      }
      if (out.length === 2) state.separate = true;
      return out.length === 1 ? [out[0], out[0]] : out;
    };

    const choice = (key, allowed, fallback) => {
      const raw = seen.get(key);
      const v = raw.trim().toLowerCase();
      if (allowed.includes(v)) return v;
      note(key, raw, `allowed: ${allowed.join(", ")}`, fallback);
      return fallback;
    };

    if (seen.has("kernel")) state.kernel = pairValue("kernel", LIMITS.kernel, DEFAULTS.kernel);
    if (seen.has("stride")) state.stride = pairValue("stride", LIMITS.stride, DEFAULTS.stride);
    if (seen.has("dilation")) state.dilation = pairValue("dilation", LIMITS.dilation, DEFAULTS.dilation);
    if (seen.has("padding")) {
      const raw = seen.get("padding").trim().toLowerCase();
      state.padding = raw === "same" || raw === "valid" ? raw : pairValue("padding", LIMITS.padding, DEFAULTS.padding);
    }
    if (seen.has("padding_mode")) state.paddingMode = choice("padding_mode", PADDING_MODES, DEFAULTS.paddingMode);
    if (seen.has("input")) state.input = choice("input", INPUTS, DEFAULTS.input);
    if (seen.has("digit")) state.digit = intValue("digit", LIMITS.digit, DEFAULTS.digit);
    if (seen.has("size")) state.size = intValue("size", LIMITS.size, DEFAULTS.size);
    if (seen.has("background")) state.background = choice("background", ["black", "white"], DEFAULTS.background);
    if (seen.has("channels")) state.channels = choice("channels", ["gray", "rgb"], DEFAULTS.channels);
    if (seen.has("filters")) state.filters = intValue("filters", LIMITS.filters, DEFAULTS.filters);
    if (seen.has("speed")) state.speed = intValue("speed", LIMITS.speed, DEFAULTS.speed);
    if (seen.has("step")) {
      const raw = seen.get("step");
      if (raw.trim().toLowerCase() === "end") state.step = null;
      else {
        const n = toNumber(raw);
        if (!Number.isFinite(n) || n < 0 || n !== Math.floor(n)) {
          note("step", raw, "a step is a whole number from 0", "the last step");
        } else state.step = Math.min(n, 128 * 128 - 1);
      }
    }
    if (seen.has("pixels")) {
      const { levels, problem } = ConvDemo.input.decodePixels(seen.get("pixels").trim());
      if (problem) notices.push(`pixels: ${problem}; the drawing was repaired.`);
      state.pixels = levels;
    }
    if (seen.has("weights")) {
      const { weights, groups } = parseWeights(seen.get("weights"), state, notices);
      state.weights = weights;
      // weights for more filters than the link asks for: show them all
      if (!seen.has("filters")) state.filters = Math.min(Math.max(groups, 1), LIMITS.filters[1]);
    }
    if (seen.has("bias")) {
      const raw = seen.get("bias");
      const parts = raw.split(",");
      const bias = [0, 0, 0];
      if (parts.length > 3) notices.push(`bias=${short(raw)}: at most 3 values (one per filter); the rest are ignored.`);
      parts.slice(0, 3).forEach((part, i) => {
        bias[i] = checkedNumber(part, `bias of filter ${i + 1}`, notices);
      });
      state.bias = bias;
    }
    notices.push(...ConvDemo.hash.unknownKeys(seen, KEYS));
    if (state.input === "draw" && !state.pixels) state.pixels = new Array(DRAW_SIDE * DRAW_SIDE).fill(0);
    return { state, notices };
  }

  function checkedNumber(text, what, notices) {
    const n = toNumber(text);
    if (Number.isNaN(n)) {
      notices.push(`The ${what} (${short(text)}) is not a number, so 0 is used.`);
      return 0;
    }
    if (Math.abs(n) > WEIGHT_LIMIT) {
      const v = Math.sign(n) * WEIGHT_LIMIT;
      notices.push(`The ${what} (${short(text)}) is outside -${WEIGHT_LIMIT} to ${WEIGHT_LIMIT}, so ${v} is used.`);
      return v;
    }
    return n === 0 ? 0 : n; // no negative zero
  }

  // "w,w,...;w,w,..." one group per filter, kernel rows one after the other.
  function parseWeights(raw, state, notices) {
    const [kh, kw] = state.kernel;
    const groups = raw.split(";");
    if (groups.length > LIMITS.filters[1]) {
      notices.push(`weights: at most ${LIMITS.filters[1]} filters; the rest are ignored.`);
    }
    const out = [];
    for (let f = 0; f < LIMITS.filters[1]; f++) {
      if (f >= groups.length) {
        out.push(defaultKernel(f, kh, kw));
        continue;
      }
      const parts = groups[f].split(",");
      if (parts.length !== kh * kw) {
        notices.push(
          `weights of filter ${f + 1}: a ${kh} × ${kw} kernel needs ${kh * kw} numbers, got ${Math.min(parts.length, 99999)}; ` +
            (parts.length < kh * kw ? "the missing ones are 0." : "the extra ones are ignored."),
        );
      }
      const values = [];
      for (let i = 0; i < kh * kw; i++) {
        values.push(i < parts.length ? checkedNumber(parts[i], `weight ${i + 1} of filter ${f + 1}`, notices) : 0);
      }
      out.push(values);
    }
    return { weights: normaliseWeights(out, kh, kw), groups: groups.length };
  }

  // ---------------------------------------------------------- serialising

  function encodeValue(v) {
    return encodeURIComponent(String(v)).replace(/%2C/g, ",").replace(/%3B/g, ";");
  }

  function pairText(pair, separate) {
    return separate ? `${pair[0]},${pair[1]}` : String(pair[0]);
  }

  // The shortest hash for a state: values equal to the defaults are left out.
  function toHash(state) {
    const parts = [];
    const add = (key, value) => parts.push(`${key}=${encodeValue(value)}`);
    const d = DEFAULTS;
    const samePair = (a, b) => a[0] === b[0] && a[1] === b[1];
    if (state.separate || !samePair(state.kernel, d.kernel)) add("kernel", pairText(state.kernel, state.separate));
    if (state.separate || !samePair(state.stride, d.stride)) add("stride", pairText(state.stride, state.separate));
    if (typeof state.padding === "string") add("padding", state.padding);
    else if (state.separate || !samePair(state.padding, d.padding)) add("padding", pairText(state.padding, state.separate));
    if (state.separate || !samePair(state.dilation, d.dilation)) add("dilation", pairText(state.dilation, state.separate));
    if (state.paddingMode !== d.paddingMode) add("padding_mode", state.paddingMode);
    if (state.input !== d.input) add("input", state.input);
    if (state.input === "digit" && state.digit !== d.digit) add("digit", state.digit);
    if (state.input === "draw") add("pixels", ConvDemo.input.encodePixels(state.pixels));
    if (state.input === "upload") {
      add("size", state.size);
      if (state.background !== d.background) add("background", state.background);
    }
    if (state.channels !== d.channels) add("channels", state.channels);
    if (state.filters !== d.filters) add("filters", state.filters);
    if (state.weights) {
      add("weights", state.weights.slice(0, state.filters).map((w) => w.map(String).join(",")).join(";"));
    }
    const bias = state.bias.slice(0, state.filters);
    if (bias.some((b) => b !== 0)) add("bias", bias.map(String).join(","));
    if (state.step !== null) add("step", state.step);
    if (state.speed !== d.speed) add("speed", state.speed);
    return parts.join("&");
  }

  function cloneState(s) {
    return {
      ...s,
      kernel: s.kernel.slice(),
      stride: s.stride.slice(),
      padding: typeof s.padding === "string" ? s.padding : s.padding.slice(),
      dilation: s.dilation.slice(),
      pixels: s.pixels ? s.pixels.slice() : null,
      weights: s.weights ? s.weights.map((w) => w.slice()) : null,
      bias: s.bias.slice(),
    };
  }

  ConvDemo.state = {
    LIMITS,
    DEFAULTS,
    PADDING_MODES,
    PRESETS,
    SPEEDS,
    DRAW_SIDE,
    WEIGHT_LIMIT,
    parseHash,
    toHash,
    cloneState,
    defaultKernel,
    presetKernel,
    weightsOf,
    resizeWeights,
    normaliseWeights,
    toNumber,
  };
})();
