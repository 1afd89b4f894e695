// Parses Power Query M files with @microsoft/powerquery-parser; prints [{file, ok, error, pairs}].
// `pairs`: every `name = value` in the document (let steps, record fields), in source order,
// with the value's leaves (literals as written, identifiers by name), read from the parse tree.
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

function leaves(node, out) {
  if (node === null || typeof node !== "object") return out;
  if (Array.isArray(node)) {
    for (const item of node) leaves(item, out);
    return out;
  }
  if (node.kind === "LiteralExpression" || node.kind === "Identifier") {
    out.push(node.literal);
    return out;
  }
  for (const [key, value] of Object.entries(node)) {
    if (key !== "tokenRange" && key !== "maybeCommonWords") leaves(value, out);
  }
  return out;
}

function pairs(node, out) {
  if (node === null || typeof node !== "object") return out;
  if (Array.isArray(node)) {
    for (const item of node) pairs(item, out);
    return out;
  }
  if (
    node.kind === "IdentifierPairedExpression" ||
    node.kind === "GeneralizedIdentifierPairedExpression"
  ) {
    out.push({ key: node.key.literal, leaves: leaves(node.value, []) });
  }
  for (const [key, value] of Object.entries(node)) {
    if (key !== "tokenRange") pairs(value, out);
  }
  return out;
}

async function main() {
  const [nodeModules, ...files] = process.argv.slice(2);
  const PQP = require(join(nodeModules, "@microsoft", "powerquery-parser"));
  const results = [];
  for (const file of files) {
    const task = await PQP.TaskUtils.tryLexParse(PQP.DefaultSettings, readFileSync(file, "utf8"));
    const ok = PQP.TaskUtils.isParseStageOk(task);
    results.push({
      file,
      ok,
      error: ok ? null : String(task.error && task.error.message),
      pairs: ok ? pairs(task.ast, []) : [],
    });
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
