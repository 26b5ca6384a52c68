# Run by the build inside Pyodide (tools/pyodide_stdlib.mjs): every standard
# module imported here is shipped in the start-up zip, the rest loads on demand.
import convcore_bridge

convcore_bridge.warmup()
