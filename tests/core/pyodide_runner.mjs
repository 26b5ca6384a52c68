// Runs convcore's cases inside the real Pyodide (Python 3.14 in WebAssembly).
//
// usage: node pyodide_runner.mjs PYODIDE_DIR CONVCORE_DIR DRIVER_PY CASES_JSON
// Copies convcore/*.py and the driver into Pyodide's file system (as
// Uint8Array), runs the driver's main() on the cases once, prints its JSON
// summary on the last line of stdout. One Pyodide start per run (~2 s).
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, convcoreDir, driverPath, casesPath] = process.argv.slice(2).map((p) => resolve(p));
const { loadPyodide } = await import(pathToFileURL(join(pyodideDir, "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: pyodideDir + "/" });

const site = "/home/pyodide/cases";
pyodide.FS.mkdirTree(site + "/convcore");
for (const name of readdirSync(convcoreDir)) {
  if (name.endsWith(".py") || name === "py.typed") {
    pyodide.FS.writeFile(`${site}/convcore/${name}`, new Uint8Array(readFileSync(join(convcoreDir, name))));
  }
}
pyodide.FS.writeFile(`${site}/pyodide_driver.py`, new Uint8Array(readFileSync(driverPath)));
pyodide.globals.set("CASES_JSON", readFileSync(casesPath, "utf8"));
const summary = pyodide.runPython(`
import sys
sys.path.insert(0, "${site}")
import pyodide_driver
pyodide_driver.main(CASES_JSON)
`);
console.log(summary);
