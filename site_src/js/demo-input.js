// Where the demo's input comes from: a shipped MNIST digit, a drawing on the
// 20 x 20 grid, or an uploaded image scaled down by the browser. Each gives
// Python the raw material (digit values, drawing levels, RGBA bytes); Python
// turns it into the channels it convolves. The network page uses the same
// digits, brushes and drawing links (build.py bundles this file into both).
(function () {
  "use strict";

  const ConvDemo = (window.ConvDemo = window.ConvDemo || {});
  const SIDE = 20;
  const LEVEL_VALUES = [0, 0.5, 1];
  const DECODE_TIMEOUT_MS = 15000;

  // data/digits.js (230 KB) is not needed for the first view (the build drew
  // digit 0), so the page loads it after its first paint, or when a
  // computation needs a digit, whichever comes first.
  let digitsPromise = null;
  function digitsLoaded() {
    return Array.isArray(window.CONVCORE_DIGITS);
  }
  function loadDigits() {
    if (digitsLoaded()) return Promise.resolve();
    if (!digitsPromise) {
      digitsPromise = new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = "data/digits.js";
        script.onload = () => resolve();
        script.onerror = () => {
          digitsPromise = null;
          reject(new Error("data/digits.js could not be loaded"));
        };
        document.head.appendChild(script);
      });
    }
    return digitsPromise;
  }

  // Each digit's values are read once (never changed: requests copy them).
  // The page's first digit is known from the build's result, so changes that
  // keep it never wait for data/digits.js.
  const digitCache = new Map();
  function knowDigit(index, values) {
    digitCache.set(index, Float64Array.from(values));
  }
  function hasDigit(index) {
    return digitCache.has(index) || digitsLoaded();
  }
  function digitValues(index) {
    const digits = window.CONVCORE_DIGITS || [];
    if (digitCache.has(index)) return digitCache.get(index);
    const digit = digits[index] || digits[0];
    const out = new Float64Array(SIDE * SIDE);
    if (!digit) return out;
    for (let r = 0; r < SIDE; r++) for (let c = 0; c < SIDE; c++) out[r * SIDE + c] = digit[r][c];
    digitCache.set(index, out);
    return out;
  }

  function levelValues(levels) {
    const out = new Float64Array(SIDE * SIDE);
    if (levels) for (let i = 0; i < out.length; i++) out[i] = LEVEL_VALUES[levels[i]] || 0;
    return out;
  }

  // A digit as drawing levels: strong ink 2, faint ink 1.
  function levelsFromDigit(index) {
    return Array.from(digitValues(index), (v) => (v >= 0.6 ? 2 : v >= 0.2 ? 1 : 0));
  }

  // The pen darkens a pixel fully and its four neighbours half; the eraser clears one pixel.
  function paint(levels, i, j, tool) {
    const at = (r, c) => r * SIDE + c;
    const inside = (r, c) => r >= 0 && c >= 0 && r < SIDE && c < SIDE;
    if (!inside(i, j)) return false;
    let changed = false;
    const set = (r, c, level, onlyUp) => {
      if (!inside(r, c)) return;
      const k = at(r, c);
      const next = onlyUp ? Math.max(levels[k], level) : level;
      if (levels[k] !== next) {
        levels[k] = next;
        changed = true;
      }
    };
    if (tool === "eraser") set(i, j, 0, false);
    else {
      set(i, j, 2, false);
      for (const [dr, dc] of [[-1, 0], [1, 0], [0, -1], [0, 1]]) set(i + dr, j + dc, 1, true);
    }
    return changed;
  }

  // The cells on the straight line between two cells (so fast strokes have no gaps).
  function line(from, to) {
    const cells = [];
    let [r, c] = from;
    const [r1, c1] = to;
    const dr = Math.abs(r1 - r);
    const dc = Math.abs(c1 - c);
    const sr = r < r1 ? 1 : -1;
    const sc = c < c1 ? 1 : -1;
    let err = dc - dr;
    for (;;) {
      cells.push([r, c]);
      if (r === r1 && c === c1) break;
      const e2 = 2 * err;
      if (e2 > -dr) {
        err -= dr;
        c += sc;
      }
      if (e2 < dc) {
        err += dc;
        r += sr;
      }
    }
    return cells;
  }

  // A drawing in a link: levels (0, 1, 2 a pixel) packed 2 bits each into
  // base64url (the demo's and the network page's `pixels`).
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  function encodePixels(levels) {
    if (!levels || levels.every((v) => v === 0)) return "";
    let out = "";
    for (let i = 0; i < levels.length; i += 3) {
      const bits = (levels[i] << 4) | ((levels[i + 1] || 0) << 2) | (levels[i + 2] || 0);
      out += B64[bits];
    }
    return out;
  }

  // -> {levels, problem}; a wrong length or an unknown character is repaired.
  function decodePixels(text) {
    const count = SIDE * SIDE;
    const levels = new Array(count).fill(0);
    let problem = "";
    const chars = Math.ceil(count / 3);
    if (text.length !== chars) problem = `a drawing is ${chars} characters long`;
    for (let i = 0; i < Math.min(text.length, chars); i++) {
      let bits = B64.indexOf(text[i]);
      if (bits < 0) {
        problem = "a drawing uses only the characters A-Z a-z 0-9 - _";
        bits = 0;
      }
      for (let j = 0; j < 3 && i * 3 + j < count; j++) {
        let level = (bits >> (4 - 2 * j)) & 3;
        if (level === 3) {
          problem = problem || "a drawing's pixels are 0, 1/2 or 1";
          level = 2;
        }
        levels[i * 3 + j] = level;
      }
    }
    return { levels, problem };
  }

  function looksLikeImage(file) {
    if (file.type) return file.type.startsWith("image/");
    return /\.(png|jpe?g|gif|webp|bmp|avif|ico)$/i.test(file.name || "");
  }

  function withTimeout(promise, ms, message) {
    let timer = 0;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  // The image's own size, read by the browser without decoding every pixel.
  function naturalSize(file) {
    return new Promise((resolve, reject) => {
      const url = URL.createObjectURL(file);
      const img = new Image();
      img.onload = () => {
        URL.revokeObjectURL(url);
        resolve([img.naturalHeight, img.naturalWidth]);
      };
      img.onerror = () => {
        URL.revokeObjectURL(url);
        reject(new Error("bad image"));
      };
      img.src = url;
    });
  }

  // Decode `file` scaled so its longest side is `side` pixels:
  // -> {height, width, rgba: Uint8Array (height*width*4 bytes), name, original}.
  async function decode(file, side) {
    const name = file.name || "the file";
    if (!looksLikeImage(file)) {
      throw new Error(`${name} is not an image (its type is ${file.type || "unknown"}). Choose a PNG, JPEG, GIF or WebP file.`);
    }
    let size;
    try {
      size = await withTimeout(naturalSize(file), DECODE_TIMEOUT_MS, "timeout");
    } catch (err) {
      throw new Error(`${name} could not be read as an image: the file may be damaged or in a format this browser cannot open.`);
    }
    const [h0, w0] = size;
    if (!h0 || !w0) throw new Error(`${name} has no pixels.`);
    const scale = side / Math.max(h0, w0);
    const height = Math.max(1, Math.round(h0 * scale));
    const width = Math.max(1, Math.round(w0 * scale));
    let bitmap;
    try {
      bitmap = await withTimeout(
        createImageBitmap(file, { resizeWidth: width, resizeHeight: height, resizeQuality: "high" }),
        DECODE_TIMEOUT_MS,
        "timeout",
      );
    } catch (err) {
      const why = err && err.message === "timeout" ? "decoding took too long" : "the browser could not decode it";
      throw new Error(`${name} could not be used: ${why}.`);
    }
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(bitmap, 0, 0);
    bitmap.close();
    const bytes = ctx.getImageData(0, 0, width, height).data;
    // The bytes as they are (a quarter of the same as doubles to send to the worker).
    return { height, width, rgba: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), name, original: [h0, w0] };
  }

  ConvDemo.input = {
    SIDE,
    digitsLoaded,
    loadDigits,
    knowDigit,
    hasDigit,
    digitValues,
    levelValues,
    levelsFromDigit,
    paint,
    line,
    encodePixels,
    decodePixels,
    decode,
  };
})();
