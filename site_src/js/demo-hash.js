// Reading a URL hash, the untrusted input the demo and the network page take
// their settings from (demo-state.js and network-state.js check each value
// against their own settings after this): the hash's parameters, each key's
// first value, and a sentence for what could not be read at all (the whole
// hash, a key given again, a value too long to read). A value quoted in a
// sentence goes through short() and is only ever set as text. Shared by both
// pages' bundles (build.py SCRIPT_BUNDLES); calls nothing.
(function () {
  "use strict";

  const ConvDemo = (window.ConvDemo = window.ConvDemo || {});
  const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

  // A number written as a plain decimal (no hex, no "Infinity", no blanks
  // inside), or NaN.
  function toNumber(text) {
    const t = String(text).trim();
    return NUMBER.test(t) ? Number(t) : NaN;
  }

  // A hash value shown in a notice: shortened.
  function short(value) {
    const s = String(value);
    return s.length > 40 ? `${s.slice(0, 40)}…` : s;
  }

  // {values: key -> its first value, notices}. Keys in `ignore` belong to
  // someone else (embed.html's widget) and are passed over; a key given again
  // keeps its first value; a value longer than `maxLength` is not read (the
  // page uses its default for that key).
  function readHash(hash, maxLength, ignore) {
    const notices = [];
    const values = new Map();
    const text = String(hash || "").replace(/^#/, "");
    let params;
    try {
      params = new URLSearchParams(text);
    } catch (err) {
      notices.push("The link's settings could not be read, so the defaults are shown.");
      return { values, notices };
    }
    const seen = new Set();
    for (const [key, value] of params) {
      if (ignore && ignore.includes(key)) continue;
      if (seen.has(key)) {
        notices.push(`"${short(key)}" appears more than once in the link; the first one is used.`);
        continue;
      }
      seen.add(key);
      if (value.length > maxLength) {
        notices.push(`The value of "${short(key)}" is too long to be read, so the default is used.`);
        continue;
      }
      values.set(key, value);
    }
    return { values, notices };
  }

  // A sentence for each key that is not one of `known` (read, then ignored).
  function unknownKeys(values, known) {
    const out = [];
    for (const key of values.keys()) {
      if (!known.includes(key)) out.push(`"${short(key)}" is not a setting of this page and was ignored.`);
    }
    return out;
  }

  ConvDemo.hash = { readHash, unknownKeys, toNumber, short };
})();
