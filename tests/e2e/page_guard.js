// Installed in every page of the cross-engine tests: what the page itself can
// see of its own errors and loads, read back by tests/e2e/engines.py. Firefox
// gets it before the page's scripts run; WebKitWebDriver has no way to do that,
// so there it is installed once the page has loaded (errors thrown before then
// are not seen here; the loads are, from the resource timing buffer).
(() => {
  if (window.__guard) return;
  const guard = (window.__guard = { errors: [], violations: [], loads: [] });
  addEventListener(
    "error",
    (event) => {
      const target = event.target;
      if (target && target !== window && (target.src || target.href)) {
        guard.errors.push(`could not load ${target.src || target.href}`);
      } else {
        guard.errors.push(`${event.message} (${event.filename}:${event.lineno})`);
      }
    },
    true,
  );
  addEventListener("unhandledrejection", (event) => {
    const reason = event.reason;
    guard.errors.push(`unhandled rejection: ${(reason && reason.message) || reason}`);
  });
  addEventListener("securitypolicyviolation", (event) => {
    guard.violations.push(`${event.violatedDirective} blocked ${event.blockedURI}`);
  });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) guard.loads.push(entry.name);
  }).observe({ type: "resource", buffered: true });
})();
