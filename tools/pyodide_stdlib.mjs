// Build step, run by build.py under Node: compile Python to .pyc with
// Pyodide's own Python 3.14 (a host 3.11 would write the wrong magic number).
//
// Usage: node tools/pyodide_stdlib.mjs PYODIDE_DIR OUT_DIR WARMUP_PY [NAME=SRC:DEST ...]
//
// Each NAME=SRC:DEST copies the .py and .json files of the host folder SRC to DEST in
// Pyodide's file system, where the page installs them too (convcore into
// site-packages, the worker's modules into /home/pyodide). Then WARMUP_PY runs,
// and this writes into OUT_DIR:
//   stdlib-core.zip  every standard module imported so far (measured, not
//                    guessed), docstrings left out (they are most of the bytes
//                    a first visit need not download)
//   stdlib-rest.zip  all other standard modules, with their docstrings,
//                    fetched only when a code cell first runs
//   pycache-NAME.zip __pycache__/*.cpython-314.pyc for SRC's modules, to be
//                    unpacked into DEST so the page never compiles them
// All .pyc are unchecked-hash pycs (no timestamps) in zips with fixed dates,
// so equal inputs give equal bytes.
import { readFileSync, writeFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, outDir, warmupPath, ...specs] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(join(resolve(pyodideDir), "pyodide.mjs")).href);
const py = await loadPyodide({ indexURL: resolve(pyodideDir) + "/" });

const trees = specs.map((spec) => {
  const [name, rest] = spec.split("=");
  const [src, dest] = rest.split(":");
  return { name, src, dest };
});
for (const { src, dest } of trees) {
  py.FS.mkdirTree(dest);
  for (const file of readdirSync(src)) {
    // modules, and the data they read (convcore's shipped model weights)
    if (/\.(py|json)$/.test(file)) py.FS.writeFile(`${dest}/${file}`, new Uint8Array(readFileSync(join(src, file))));
  }
}
py.globals.set("TREES", py.toPy(trees.map(({ name, dest }) => [name, dest])));

try {
  py.runPython("import sys; sys.path.insert(0, '/home/pyodide')");
  py.runPython(readFileSync(warmupPath, "utf8"));
} catch (err) {
  // A Python error's message is its traceback; the default print would dump
  // the whole minified runtime around it.
  console.error(`the warm-up failed:\n${err.message}`);
  process.exit(1);
}

const result = py.runPython(`
import ast, importlib.util, io, marshal, os, sys, zipfile

SOURCE = "/lib/python314.zip"
# Pyodide itself needs these while it unpacks archives (cp437 for zip names),
# and tracebacks need linecache; a warm-up in Node does not reach them all.
ALWAYS = {"encodings.cp437", "difflib", "zipfile", "tarfile", "shutil", "pathlib", "linecache",
          "traceback", "tokenize", "token"}
loaded = {name for name, m in sys.modules.items() if getattr(m, "__file__", None)} | ALWAYS
packages = {name.rsplit(".", 1)[0] for name in loaded if "." in name}


def module_name(rel):
    parts = rel[:-3].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def without_docstrings(tree):
    """What python -OO leaves out, but keeping asserts."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \\
                    and isinstance(body[0].value.value, str):
                body[0] = ast.copy_location(ast.Pass(), body[0])
    return tree


def pyc(source, path, strip=False):
    tree = ast.parse(source, path)
    if strip:
        tree = without_docstrings(tree)
    code = compile(tree, path, "exec", dont_inherit=True)
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
        name = module_name(rel)
        used = name in loaded or (rel.endswith("__init__.py") and name in packages)
        try:
            payload = pyc(data, SOURCE + "/" + rel, strip=used)
        except SyntaxError:
            failed.append(rel)
            continue
        (core if used else rest).append((rel + "c", payload))
os.makedirs("/tmp/out", exist_ok=True)
open("/tmp/out/stdlib-core.zip", "wb").write(zip_bytes(core))
open("/tmp/out/stdlib-rest.zip", "wb").write(zip_bytes(rest))

tag = sys.implementation.cache_tag
for name, dest in TREES:
    entries = []
    for file in sorted(os.listdir(dest)):
        if file.endswith(".py"):
            source = open(os.path.join(dest, file), "rb").read()
            entries.append((f"__pycache__/{file[:-3]}.{tag}.pyc", pyc(source, os.path.join(dest, file))))
    open(f"/tmp/out/pycache-{name}.zip", "wb").write(zip_bytes(entries))

"\\n".join([str(len(core)), str(len(rest)), *failed])
`);
for (const name of py.FS.readdir("/tmp/out")) {
  if (name.endsWith(".zip")) writeFileSync(join(outDir, name), py.FS.readFile(`/tmp/out/${name}`));
}
const [nCore, nRest, ...failed] = result.split("\n");
console.log(JSON.stringify({ core: Number(nCore), rest: Number(nRest), failed }));
