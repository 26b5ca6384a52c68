// Drives Debian's Firefox ESR for the cross-engine tests (tests/e2e/engines.py)
// over WebDriver BiDi with puppeteer-core, which never downloads a browser.
//
// One JSON command a line on stdin, one JSON answer a line on stdout:
//   {"id": 1, "cmd": "goto", "args": {...}}  ->  {"id": 1, "ok": true, "value": ...}
// What the page did is kept here and handed over by the "events" command:
// uncaught page errors (BiDi log entries, which include CSP violations) and
// the URL of every request. Requests that leave this machine are aborted; the
// test decides which of the rest are outside the site.
import { createInterface } from "node:readline";
import puppeteer from "puppeteer-core";

let browser = null;
let context = null;
let page = null;
let events = { errors: [], requests: [] };
const LOCAL = /^(https?:\/\/(127\.0\.0\.1|localhost)[:/]|file:|data:|blob:|about:)/;

async function launch({ executablePath, prefs }) {
  browser = await puppeteer.launch({
    browser: "firefox",
    executablePath,
    headless: true,
    protocol: "webDriverBiDi",
    extraPrefsFirefox: prefs,
  });
  return (await browser.version()) || "firefox";
}

async function newPage({ width, height, guard }) {
  if (context) await context.close();
  events = { errors: [], requests: [] };
  context = await browser.createBrowserContext();
  page = await context.newPage();
  await page.setViewport({ width, height });
  await page.evaluateOnNewDocument(guard);
  page.on("pageerror", (error) => events.errors.push(String(error && error.message ? error.message : error)));
  await page.setRequestInterception(true);
  page.on("request", (request) => {
    events.requests.push(request.url());
    if (LOCAL.test(request.url())) request.continue();
    else request.abort();
  });
  return true;
}

function point(box, [fx, fy]) {
  return [box.x + fx * box.width, box.y + fy * box.height];
}

// Commands take and return JSON; selectors are CSS.
const COMMANDS = {
  launch,
  newPage,
  async goto({ url }) {
    await page.goto(url, { waitUntil: "load" });
    return page.url();
  },
  async evaluate({ source, args }) {
    return page.evaluate(`(${source})(...${JSON.stringify(args)})`);
  },
  async click({ selector }) {
    await page.click(selector);
    return true;
  },
  async type({ selector, text }) {
    await page.focus(selector);
    await page.keyboard.type(text);
    return true;
  },
  async press({ selector, key }) {
    if (selector) await page.focus(selector);
    await page.keyboard.press(key);
    return true;
  },
  async upload({ selector, path }) {
    const input = await page.$(selector);
    await input.uploadFile(path);
    return true;
  },
  // A pointer drag through fractions (fx, fy) of the element's box.
  async drag({ selector, points }) {
    const handle = await page.$(selector);
    await handle.scrollIntoView();
    const box = await handle.boundingBox();
    const [first, ...rest] = points.map((p) => point(box, p));
    await page.mouse.move(...first);
    await page.mouse.down();
    for (const p of rest) await page.mouse.move(...p, { steps: 3 });
    await page.mouse.up();
    return true;
  },
  async viewport({ width, height }) {
    await page.setViewport({ width, height });
    return true;
  },
  async screenshot({ path, fullPage }) {
    await page.screenshot({ path, fullPage: Boolean(fullPage) });
    return path;
  },
  async events() {
    const seen = events;
    events = { errors: [], requests: [] };
    return seen;
  },
  async quit() {
    if (browser) await browser.close();
    browser = null;
    return true;
  },
};

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const { id, cmd, args } = JSON.parse(line);
  let answer;
  try {
    answer = { id, ok: true, value: (await COMMANDS[cmd](args || {})) ?? null };
  } catch (err) {
    answer = { id, ok: false, error: String((err && err.stack) || err) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
  if (cmd === "quit") process.exit(0);
}
