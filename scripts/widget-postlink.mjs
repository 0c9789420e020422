#!/usr/bin/env node
// Post-link size pass for the widget, run by scripts/build-widget.sh on trunk's output in dist/
// (trunk's own wasm-opt step is off in index.html: the module is optimised once, here).
//
// 1. wasm-opt: near-identical monomorphised functions merged, -Oz with a cap on inlining
//    single-call functions (see the flags), debug info and producers stripped, dead exports
//    removed (below). Then, in a run of its own so that its printed mapping is final, every
//    import, export and import-module name is minified (`__wbg_addEventListener_847f…` → `Bc`):
//    wasm-bindgen's names carry a 16-hex-digit hash each, incompressible bytes written twice
//    (wasm and JS glue).
// 2. The JS glue follows the new names: import-object keys, the import module, `wasm.<export>`.
//    Every rename is checked; a glue shape this pass does not know fails the build instead of
//    shipping a widget that breaks at load time.
// 3. terser minifies the glue (wasm-bindgen writes it readable).
//
// Dead exports: leptos always enables server_fn's `browser` feature, which links wasm-streams,
// whose `IntoUnderlying{Source,ByteSource,Sink}` classes are #[wasm_bindgen] exports and so are
// kept with all their code. The widget never streams a server function; the classes are removed
// from both sides (wasm exports, and the JS classes with their finalizers).
//
// Measured on one build: 163.5 KB gzip (trunk's -Oz, the glue as written) → 139.3 KB.
//
// Usage: node scripts/widget-postlink.mjs <dist-dir>   (wasm-opt and terser on PATH)

import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";

const DEAD_EXPORTS = "*intounderlying*";
const DEAD_CLASSES = ["IntoUnderlyingByteSource", "IntoUnderlyingSink", "IntoUnderlyingSource"];

class PostlinkError extends Error {}

function fail(message) {
  throw new PostlinkError(message);
}

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Reads the (module, name) pairs of a wasm binary's import section. */
function wasmImports(bytes) {
  let pos = 8;
  const leb = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[pos++];
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (byte < 0x80) return result;
    }
  };
  const name = () => {
    const len = leb();
    const text = new TextDecoder().decode(bytes.subarray(pos, pos + len));
    pos += len;
    return text;
  };
  while (pos < bytes.length) {
    const id = bytes[pos++];
    const size = leb();
    if (id !== 2) {
      pos += size;
      continue;
    }
    const imports = [];
    for (let count = leb(); count > 0; count--) {
      const module = name();
      const field = name();
      const kind = bytes[pos++];
      // Skip the import's type: func (typeidx), table (reftype + limits), memory (limits),
      // global (valtype + mut), tag (attribute + typeidx).
      if (kind === 0) leb();
      else if (kind === 1 || kind === 2) {
        if (kind === 1) pos++;
        const flags = bytes[pos++];
        leb();
        if (flags & 1) leb();
      } else if (kind === 3) pos += 2;
      else if (kind === 4) {
        pos++;
        leb();
      } else fail(`unknown import kind ${kind} in the wasm`);
      imports.push({ module, field });
    }
    return imports;
  }
  return [];
}

const dist = process.argv[2];
if (!dist) {
  console.error("usage: widget-postlink.mjs <dist-dir>");
  process.exit(2);
}
const wasmPath = join(dist, "frontend_bg.wasm");
const jsPath = join(dist, "frontend.js");
const work = mkdtempSync(join(tmpdir(), "widget-postlink-"));

try {
  // --- 1. wasm -------------------------------------------------------------------------------
  const optimised = join(work, "opt.wasm");
  const minified = join(work, "min.wasm");
  execFileSync("wasm-opt", [
    wasmPath,
    "--remove-exports",
    `--pass-arg=remove-exports@${DEAD_EXPORTS}`,
    // Merge identical and near-identical monomorphised functions first, while they still look
    // alike (after -Oz's inlining they no longer do).
    "-O1",
    "--duplicate-function-elimination",
    "--merge-similar-functions",
    "-Oz",
    // Functions called once are inlined only up to 20 instructions (binaryen's default: any
    // size). Inlining big single-call functions builds giant ones with hundreds of locals that
    // gzip compresses far worse: measured 153.5 → 140.8 KB gzip, for 3% more raw bytes.
    "--one-caller-inline-max-function-size=20",
    "--strip-debug",
    "--strip-producers",
    "-o",
    optimised,
  ]);
  const mapping = JSON.parse(
    execFileSync("wasm-opt", [optimised, "--minify-imports-and-exports-and-modules", "-o", minified], {
      encoding: "utf8",
      maxBuffer: 16 << 20,
    }),
  );
  const wasm = readFileSync(minified);
  const modules = [...new Set(wasmImports(wasm).map((i) => i.module))];
  if (modules.length !== 1) fail(`expected one import module after minifying, got ${modules}`);

  // --- 2. JS glue ----------------------------------------------------------------------------
  let js = readFileSync(jsPath, "utf8");
  const replaceExactlyOnce = (pattern, replacement, what) => {
    const re = new RegExp(pattern, "g");
    const hits = js.match(re)?.length ?? 0;
    if (hits !== 1) fail(`${what}: expected 1 occurrence in frontend.js, found ${hits}`);
    js = js.replace(re, replacement);
  };
  const oldModules = new Set(mapping.imports.map(([module]) => module));
  for (const module of oldModules) {
    replaceExactlyOnce(
      `${escapeRe(JSON.stringify(module))}:`,
      `${JSON.stringify(modules[0])}:`,
      `import module ${module}`,
    );
  }
  for (const [, field, renamed] of mapping.imports) {
    replaceExactlyOnce(`(?<=\\n\\s*)${escapeRe(field)}:`, `${renamed}:`, `import ${field}`);
  }
  const renamedExports = new Set();
  for (const [name, renamed] of mapping.exports) {
    js = js.replace(new RegExp(`\\bwasm\\.${escapeRe(name)}\\b`, "g"), `wasm.${renamed}`);
    renamedExports.add(renamed);
  }
  // The dead classes go whole: class, finalizer registry and `Symbol.dispose` alias.
  for (const name of DEAD_CLASSES) {
    replaceExactlyOnce(`(?:^|\\n)export class ${name} \\{\\n[\\s\\S]*?\\n\\}\\n`, "\n", `class ${name}`);
    replaceExactlyOnce(
      `\\nif \\(Symbol\\.dispose\\) ${name}\\.prototype\\[Symbol\\.dispose\\] = ${name}\\.prototype\\.free;\\n`,
      "\n",
      `${name}[Symbol.dispose]`,
    );
    replaceExactlyOnce(`\\nconst ${name}Finalization = [^;]*;\\n`, "\n", `${name}Finalization`);
    if (new RegExp(`\\b${name}`).test(js)) fail(`${name} is still used by frontend.js`);
  }

  // Every export the glue uses must now be a minified one.
  for (const [, used] of js.matchAll(/\bwasm\.([\w$]+)/g)) {
    if (!renamedExports.has(used)) fail(`frontend.js uses wasm.${used}, which the wasm no longer exports`);
  }

  // --- 3. terser -----------------------------------------------------------------------------
  const glue = join(work, "glue.js");
  const minifiedGlue = join(work, "frontend.js");
  writeFileSync(glue, js);
  execFileSync("terser", [glue, "--module", "--compress", "passes=2", "--mangle", "-o", minifiedGlue], {
    stdio: "inherit",
  });

  // dist/ changes only once every step above succeeded.
  copyFileSync(minifiedGlue, jsPath);
  writeFileSync(wasmPath, wasm);
} catch (error) {
  console.error(`widget-postlink: ${error instanceof PostlinkError ? error.message : error}`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
