// Compiles Solidity with the pinned solc-js, offline: reads a standard-JSON input on stdin and
// writes the standard-JSON output on stdout. Imports resolve against the repository root and
// tools/evm/node_modules, so sources can name `@morpho-org/morpho-blue/src/...` directly.
// Used by crates/test-support (src/solc.rs), which caches the output under target/.
import { createRequire } from "node:module";
import { readFileSync, existsSync } from "node:fs";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const solc = require("solc");
const roots = [resolve(here, "..", ".."), join(here, "node_modules")];

function findImports(path) {
  for (const root of roots) {
    const candidate = join(root, path);
    if (existsSync(candidate)) return { contents: readFileSync(candidate, "utf8") };
  }
  return { error: `not found under ${roots.join(" or ")}: ${path}` };
}

const input = readFileSync(0, "utf8");
process.stdout.write(solc.compile(input, { import: findImports }));
