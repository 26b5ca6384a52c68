// Injected by bench/bench_site.py into every page before the page's own
// scripts (Playwright add_init_script, which the page's CSP does not cover).
// It only records; bench_site.py reads window.__bench with page.evaluate.
//
//   attrs      every change of <html data-engine> / <html data-state>:
//              {attr, value, t} with t = performance.now() (ms since navigation)
//   longtasks  main-thread tasks > 50 ms (PerformanceObserver "longtask")
//   paints     first-paint / first-contentful-paint
//   elements   render time of each element marked elementtiming="name" (the
//              demo's pre-rendered pictures), {name: ms}
//   shifts     layout shifts without recent input: {t, value}
//   canvases   when a <canvas> was first drawn on, and when every visible
//              canvas in <main> had been (the pre-rendered demo fully drawn)
//   raf        requestAnimationFrame timestamps while startRaf() .. stopRaf()
//   inputs     real input events (keydown, pointerdown, pointermove, input,
//              change), seen first (capture on window): {type, key, t: the
//              event's timeStamp, at: when it was dispatched}; while
//              framesAtEvents is true also {frame: when the first
//              requestAnimationFrame callback after it ran, ts: that frame's
//              timestamp, end: when that frame's work had ended}. Off by
//              default: asking for a frame at the event makes the browser
//              draw one then, which a page that answers later would not have
//              drawn (and its answer then waits for the next vsync).
//   attrs of data-state "ready" also get {frame, ts, end}: the first frame
//              after the page said its new output was complete (and when that
//              frame's work had ended, see atNextFrame)
(() => {
  if (window.__bench) return;
  const bench = (window.__bench = {
    attrs: [],
    longtasks: [],
    loafs: [],
    paints: {},
    elements: {},
    shifts: [],
    dcl: null,
    canvasFirstDraw: null,
    canvasAllDrawn: null,
    canvasesDrawn: 0,
    raf: null,
    inputs: [],
    framesAtEvents: false,
  });

  // The first frame after now: its requestAnimationFrame callback's time, the
  // frame's timestamp (the same for every callback of one frame), and when
  // that frame's main-thread work (style, layout, paint, commit) had ended:
  // a user-blocking task posted from the callback runs right after it, before
  // the tasks a page posts from that frame (Chromium). With a text box
  // focused, Chromium lays the page out before the callbacks, with a slider
  // after them: `end` counts that layout for every page alike.
  const afterFrame = (fn) =>
    window.scheduler && scheduler.postTask ? scheduler.postTask(fn, { priority: "user-blocking" }) : setTimeout(fn, 0);
  const atNextFrame = (entry) => {
    entry.frame = null;
    entry.ts = null;
    entry.end = null;
    requestAnimationFrame((ts) => {
      entry.frame = performance.now();
      entry.ts = ts;
      afterFrame(() => {
        entry.end = performance.now();
      });
    });
  };

  // Several changes in one task reach one callback; each record's value is
  // the next record's oldValue (the last one's is the current attribute).
  const observer = new MutationObserver((records) => {
    const t = performance.now();
    records.forEach((record, i) => {
      if (record.type !== "attributes" || record.target !== document.documentElement) return;
      const later = records.slice(i + 1).find(
        (r) => r.type === "attributes" && r.target === record.target && r.attributeName === record.attributeName,
      );
      const value = later ? later.oldValue : record.target.getAttribute(record.attributeName);
      const entry = { attr: record.attributeName.slice(5), value, t };
      if (entry.attr === "state" && value === "ready") atNextFrame(entry);
      bench.attrs.push(entry);
    });
  });
  observer.observe(document, {
    subtree: true,
    attributes: true,
    attributeOldValue: true,
    attributeFilter: ["data-engine", "data-state"],
  });

  // The first busy -> ready of data-state at or after `since` (a settings
  // change), as {busy, ready}; rejects after `timeoutMs`.
  bench.nextReady = (since, timeoutMs) =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      const check = () => {
        const changes = bench.attrs.filter((a) => a.attr === "state");
        const busy = changes.findIndex((a) => a.value === "busy" && a.t >= since);
        if (busy >= 0) {
          const ready = changes.slice(busy + 1).find((a) => a.value === "ready");
          if (ready) {
            resolve({ busy: changes[busy].t, ready: ready.t });
            return;
          }
        }
        if (performance.now() - started > timeoutMs) {
          reject(new Error(`no busy -> ready within ${timeoutMs} ms`));
          return;
        }
        setTimeout(check, 1);
      };
      check();
    });

  const observe = (type, push) => {
    try {
      new PerformanceObserver((list) => list.getEntries().forEach(push)).observe({ type, buffered: true });
    } catch (err) {
      // an entry type this browser lacks: leave the list empty
    }
  };
  observe("longtask", (e) => bench.longtasks.push({ start: e.startTime, duration: e.duration }));
  observe("long-animation-frame", (e) =>
    bench.loafs.push({
      start: e.startTime,
      duration: e.duration,
      blocking: e.blockingDuration,
      scripts: (e.scripts || []).map((s) => ({ src: s.sourceURL, fn: s.sourceFunctionName, duration: s.duration })),
    }),
  );
  observe("paint", (e) => {
    bench.paints[e.name] = e.startTime;
  });
  observe("element", (e) => {
    bench.elements[e.identifier] = e.renderTime || e.loadTime;
  });
  observe("layout-shift", (e) => {
    if (!e.hadRecentInput) bench.shifts.push({ t: e.startTime, value: e.value });
  });
  for (const type of ["keydown", "pointerdown", "pointermove", "input", "change"]) {
    window.addEventListener(
      type,
      (e) => {
        const entry = { type, key: e.key || "", t: e.timeStamp, at: performance.now(), frame: null, ts: null, end: null };
        if (bench.framesAtEvents) atNextFrame(entry);
        bench.inputs.push(entry);
      },
      { capture: true },
    );
  }
  document.addEventListener("DOMContentLoaded", () => {
    bench.dcl = performance.now();
  });

  // Wrap the 2-D context's drawing calls until every canvas in <main> has
  // been drawn on once, then put the originals back (no cost afterwards).
  const proto = window.CanvasRenderingContext2D && CanvasRenderingContext2D.prototype;
  if (proto) {
    const names = ["putImageData", "drawImage", "fillRect", "fill", "stroke", "fillText", "strokeRect"];
    const originals = {};
    const drawn = new WeakSet();
    const visible = (c) => (c.checkVisibility ? c.checkVisibility() : c.offsetParent !== null);
    const restore = () => names.forEach((n) => (proto[n] = originals[n]));
    const note = (canvas) => {
      if (drawn.has(canvas)) return;
      drawn.add(canvas);
      bench.canvasesDrawn += 1;
      const t = performance.now();
      if (bench.canvasFirstDraw === null) bench.canvasFirstDraw = t;
      const all = Array.from(document.querySelectorAll("main canvas")).filter(visible);
      if (all.length && all.every((c) => drawn.has(c))) {
        bench.canvasAllDrawn = t;
        restore();
      }
    };
    names.forEach((n) => {
      const original = proto[n];
      originals[n] = original;
      proto[n] = function (...args) {
        note(this.canvas);
        return original.apply(this, args);
      };
    });
  }

  bench.startRaf = () => {
    bench.raf = [];
    const tick = (t) => {
      if (!bench.raf) return;
      bench.raf.push(t);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  };
  bench.stopRaf = () => {
    const times = bench.raf || [];
    bench.raf = null;
    return times;
  };
})();
