// Parse-checks Mermaid diagrams with the real Mermaid parser (node + jsdom, no browser).
//
// usage: node mermaid_parse.mjs PATH...
//
// PATH is a file or a directory (searched recursively). Every `.mmd` file is one diagram; every
// `.md` file contributes each of its ```mermaid fenced blocks. Each diagram must parse
// (`mermaid.parse` throws on a syntax error). For ER diagrams it also checks what Mermaid does
// not: an entity that only appears in a relationship gets an empty box silently, so every
// entity of the parsed diagram must have been declared with a `{ ... }` attribute block.
// Exit status 0 when every diagram passes; otherwise every failure is printed and the status is 1
// (also when no diagram was found at all).

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!DOCTYPE html><html><body></body></html>', { pretendToBeVisual: true });
globalThis.window = dom.window;
globalThis.document = dom.window.document;

const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });

function walk(p, out) {
  if (statSync(p).isDirectory()) {
    for (const e of readdirSync(p).sort()) walk(join(p, e), out);
  } else if (p.endsWith('.mmd')) {
    out.push({ where: p, text: readFileSync(p, 'utf8') });
  } else if (p.endsWith('.md')) {
    const text = readFileSync(p, 'utf8');
    const re = /^```mermaid\n([\s\S]*?)^```$/gm;
    let m;
    let i = 0;
    while ((m = re.exec(text)) !== null) {
      i += 1;
      out.push({ where: `${p} (block ${i})`, text: m[1] });
    }
  }
}

const diagrams = [];
for (const p of process.argv.slice(2)) walk(p, diagrams);

let failures = 0;
for (const d of diagrams) {
  try {
    await mermaid.parse(d.text);
    if (/^\s*erDiagram\b/.test(d.text)) {
      const diagram = await mermaid.mermaidAPI.getDiagramFromText(d.text);
      const declared = new Set(
        [...d.text.matchAll(/^\s*([A-Za-z_][A-Za-z0-9_-]*)(?:\["[^"]*"\])?\s*\{\s*$/gm)].map((m) => m[1]),
      );
      const entities = [...diagram.db.getEntities().keys()];
      const invented = entities.filter((e) => !declared.has(e));
      if (invented.length > 0) throw new Error(`entities used but never declared: ${invented.join(', ')}`);
      const rels = diagram.db.getRelationships().length;
      const relLines = (d.text.match(/^\s*\S+ [|}][o|](?:--|\.\.)[o|][|{] \S+ : /gm) || []).length;
      if (rels !== relLines) throw new Error(`parsed ${rels} relationships, the text has ${relLines}`);
    }
  } catch (e) {
    failures += 1;
    console.log(`FAIL ${d.where}: ${String(e && e.message ? e.message : e).split('\n').slice(0, 6).join('\n    ')}`);
  }
}
const here = dirname(fileURLToPath(import.meta.url));
const { version } = JSON.parse(readFileSync(join(here, 'node_modules/mermaid/package.json'), 'utf8'));
console.log(`mermaid ${version}: ${diagrams.length} diagrams, ${failures} failures`);
process.exit(failures > 0 || diagrams.length === 0 ? 1 : 0);
