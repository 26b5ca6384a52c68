// Runs the worker's own SHA-256 fallback (site_src/js/worker.js) on the files
// named on the command line and prints one hex digest a line.
import { readFileSync } from "node:fs";

const source = readFileSync(new URL("../../site_src/js/worker.js", import.meta.url), "utf8");
const start = source.indexOf("function sha256(bytes)");
const end = source.indexOf("\n}\n", start) + 2;
const sha256 = new Function(`${source.slice(start, end)}\nreturn sha256;`)();
for (const path of process.argv.slice(2)) {
  const digest = sha256(new Uint8Array(readFileSync(path)));
  console.log(Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""));
}
