// Runs a Python driver with convcore inside the real Pyodide (Python 3.14 in
// WebAssembly): the core tests' cases (pyodide_driver.py), and the benchmark's
// timings (bench/network_timing.py).
//
// usage: node pyodide_runner.mjs PYODIDE_DIR CONVCORE_DIR DRIVER_PY INPUT_FILE
// Copies convcore/*.py, the package's data (*.json) and the driver into
// Pyodide's file system (as Uint8Array), calls the driver module's
// main(text of INPUT_FILE) once, prints what it returns on the last line of
// stdout. One Pyodide start per run (~2 s).
import { readFileSync, readdirSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, convcoreDir, driverPath, casesPath] = process.argv.slice(2).map((p) => resolve(p));
const { loadPyodide } = await import(pathToFileURL(join(pyodideDir, "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: pyodideDir + "/" });

const site = "/home/pyodide/cases";
pyodide.FS.mkdirTree(site + "/convcore");
for (const name of readdirSync(convcoreDir)) {
  if (name.endsWith(".py") || name.endsWith(".json") || name === "py.typed") {
    pyodide.FS.writeFile(`${site}/convcore/${name}`, new Uint8Array(readFileSync(join(convcoreDir, name))));
  }
}
const driver = basename(driverPath, ".py");
pyodide.FS.writeFile(`${site}/${driver}.py`, new Uint8Array(readFileSync(driverPath)));
pyodide.globals.set("INPUT", readFileSync(casesPath, "utf8"));
const summary = pyodide.runPython(`
import importlib, sys
sys.path.insert(0, "${site}")
importlib.import_module("${driver}").main(INPUT)
`);
console.log(summary);
