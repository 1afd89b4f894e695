// Parses Power Query M files with @microsoft/powerquery-parser; prints [{file, ok, error}].
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

async function main() {
  const [nodeModules, ...files] = process.argv.slice(2);
  const PQP = require(join(nodeModules, "@microsoft", "powerquery-parser"));
  const results = [];
  for (const file of files) {
    const task = await PQP.TaskUtils.tryLexParse(PQP.DefaultSettings, readFileSync(file, "utf8"));
    const ok = PQP.TaskUtils.isParseStageOk(task);
    results.push({ file, ok, error: ok ? null : String(task.error && task.error.message) });
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
