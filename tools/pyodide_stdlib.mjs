// Build step, run by build.py under Node: compile Pyodide's standard library
// to .pyc with Pyodide's own Python 3.14 (a host 3.11 would write the wrong
// magic number) and split it in two zips:
//   core: every module that starting the site imports (measured, not guessed),
//   rest: everything else, fetched only when a code cell first runs.
// Usage: node tools/pyodide_stdlib.mjs PYODIDE_DIR OUT_DIR WARMUP_PY [DIR ...]
// WARMUP_PY is Python run after start-up whose imports count as "core"; the
// DIRs are put on sys.path first so the warm-up can import the site's code.
import { readFileSync, writeFileSync, readdirSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, outDir, warmupPath, ...extraDirs] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(join(resolve(pyodideDir), "pyodide.mjs")).href);
const py = await loadPyodide({ indexURL: resolve(pyodideDir) + "/" });

// Each extra path is a folder: a package (has __init__.py) is copied as one,
// otherwise its .py files are copied as top-level modules.
py.FS.mkdirTree("/home/pyodide/extra");
for (const dir of extraDirs) {
  const isPackage = readdirSync(dir).includes("__init__.py");
  const target = isPackage ? `/home/pyodide/extra/${basename(resolve(dir))}` : "/home/pyodide/extra";
  py.FS.mkdirTree(target);
  for (const name of readdirSync(dir)) {
    if (name.endsWith(".py")) {
      py.FS.writeFile(`${target}/${name}`, new Uint8Array(readFileSync(join(dir, name))));
    }
  }
}
py.runPython("import sys; sys.path.insert(0, '/home/pyodide/extra')");
try {
  py.runPython(readFileSync(warmupPath, "utf8"));
} catch (err) {
  // A Python error's message is its traceback; the default print would dump
  // the whole minified runtime around it.
  console.error(`the warm-up failed:\n${err.message}`);
  process.exit(1);
}

const result = py.runPython(`
import importlib.util, io, marshal, sys, zipfile

SOURCE = "/lib/python314.zip"
# Pyodide itself needs these while it unpacks archives (cp437 for zip names),
# and tracebacks need linecache/difflib; a warm-up in Node does not reach all.
ALWAYS = {"encodings.cp437", "difflib", "zipfile", "tarfile", "shutil", "pathlib",
          "linecache", "traceback", "tokenize", "token"}
loaded = {name for name, m in sys.modules.items() if getattr(m, "__file__", None)} | ALWAYS
packages = {name.rsplit(".", 1)[0] for name in loaded if "." in name}

def module_name(rel):
    parts = rel[:-3].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)

def pyc(source, rel):
    code = compile(source, SOURCE + "/" + rel, "exec", dont_inherit=True)
    header = importlib.util.MAGIC_NUMBER + (0b01).to_bytes(4, "little")  # unchecked hash
    return header + importlib.util.source_hash(source) + marshal.dumps(code)

def zip_bytes(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for rel, payload in sorted(entries):
            info = zipfile.ZipInfo(rel, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            z.writestr(info, payload)
    return buf.getvalue()

core, rest, failed = [], [], []
with zipfile.ZipFile(SOURCE) as src:
    for rel in sorted(src.namelist()):
        if rel.endswith("/"):
            continue
        data = src.read(rel)
        if not rel.endswith(".py"):
            core.append((rel, data))
            continue
        try:
            payload = pyc(data, rel)
        except SyntaxError:
            failed.append(rel)
            continue
        name = module_name(rel)
        used = name in loaded or (rel.endswith("__init__.py") and name in packages)
        (core if used else rest).append((rel + "c", payload))
open("/tmp/core.zip", "wb").write(zip_bytes(core))
open("/tmp/rest.zip", "wb").write(zip_bytes(rest))
"\\n".join([str(len(core)), str(len(rest)), *failed])
`);
writeFileSync(join(outDir, "stdlib-core.zip"), py.FS.readFile("/tmp/core.zip"));
writeFileSync(join(outDir, "stdlib-rest.zip"), py.FS.readFile("/tmp/rest.zip"));
const [nCore, nRest, ...failed] = result.split("\n");
console.log(JSON.stringify({ core: Number(nCore), rest: Number(nRest), failed }));
