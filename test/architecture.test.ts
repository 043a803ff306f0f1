// The store's connection stays inside main/store (docs/DESIGN.md §3): everything
// else reaches the database through the ports of main/store/ports.ts. Read from the source
// text, so that a new `.db` use or a direct better-sqlite3 import fails here, not in review.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const SCANNED = ['main', 'connectors', 'renderer'];
const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;

function sourcesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourcesUnder(p));
    else if (SOURCE.test(e.name)) out.push(p);
  }
  return out;
}

/** Repository-relative path with forward slashes. */
const rel = (p: string) => relative(ROOT, p).split(sep).join('/');

/**
 * The code of a line without its string literals' contents and its comment: a file name such
 * as 'Thumbs.db' or 'vhr-agent.db' in a string is data, not a use of a connection.
 */
function codeOf(line: string): string {
  return line
    .replace(/'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|`(?:\\.|[^`\\])*`/g, "''")
    .replace(/\/\/.*$/, '')
    .replace(/\/\*.*?\*\//g, '');
}

/** Module specifiers a line imports (static, dynamic or require). */
function importsOf(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)(['"])([^'"]+)\1/g)) out.push(m[2]!);
  return out;
}

interface Finding {
  file: string;
  line: number;
  text: string;
  why: string;
}

/** What a file outside main/store must not do with the database. */
function storeLeaks(file: string, text: string): Finding[] {
  const found: Finding[] = [];
  let inBlockComment = false;
  text.split('\n').forEach((raw, i) => {
    let line = raw;
    if (inBlockComment) {
      const end = line.indexOf('*/');
      if (end < 0) return;
      line = line.slice(end + 2);
      inBlockComment = false;
    }
    const code = codeOf(line);
    const open = code.indexOf('/*');
    const checked = open >= 0 ? code.slice(0, open) : code;
    if (open >= 0) inBlockComment = true;
    const at = (why: string) => found.push({ file, line: i + 1, text: raw.trim(), why });
    if (/\.db\b/.test(checked)) at('uses a `.db` handle');
    if (/\bhandleOf\s*\(/.test(checked)) at("takes the store's connection (handleOf)");
    for (const spec of importsOf(line)) {
      if (spec === 'better-sqlite3') at('imports better-sqlite3');
      if (/(^|\/)store\/(database|prepared)(\.js)?$/.test(spec)) at(`imports ${spec}, which hands out the connection`);
    }
  });
  return found;
}

describe('the store keeps its connection', () => {
  const files = SCANNED.flatMap((d) => sourcesUnder(join(ROOT, d)));

  it('scans the sources it claims to (main, connectors, renderer)', () => {
    for (const d of SCANNED) expect(files.filter((f) => rel(f).startsWith(`${d}/`)).length, d).toBeGreaterThan(5);
    expect(files.some((f) => rel(f) === 'main/agent/agent.ts')).toBe(true);
  });

  it('finds a leak where there is one, and not in file names or comments', () => {
    const sample = [
      "const n = store.db.prepare('SELECT 1').get();",
      "import Database from 'better-sqlite3';",
      "import { handleOf } from '../store/database.js';",
      'const rows = handleOf(store);',
      "if (name === 'Thumbs.db') skip();",
      "Store.open(join(dir, 'vhr-agent.db'));",
      '// the file is vhr-agent.db, opened by main/store',
      '/* a block comment about this.db',
      '   still the comment: x.db */ const ok = 1;',
    ].join('\n');
    expect(storeLeaks('sample.ts', sample).map((f) => [f.line, f.why])).toEqual([
      [1, 'uses a `.db` handle'],
      [2, 'imports better-sqlite3'],
      [3, 'imports ../store/database.js, which hands out the connection'],
      [4, "takes the store's connection (handleOf)"],
    ]);
  });

  it('no source outside main/store touches a `.db` handle or better-sqlite3', () => {
    const leaks = files.filter((f) => !rel(f).startsWith('main/store/')).flatMap((f) => storeLeaks(rel(f), readFileSync(f, 'utf8')));
    expect(leaks.map((l) => `${l.file}:${l.line} ${l.why}: ${l.text}`)).toEqual([]);
  });

  it('the store depends on nothing of the pipeline, the API or the connectors (only on main/util)', () => {
    const outward = sourcesUnder(join(ROOT, 'main', 'store')).flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .flatMap(importsOf)
        .filter((spec) => spec.startsWith('.') && !spec.startsWith('./') && !spec.startsWith('../util/') && !(f.endsWith('.test.ts') && spec.startsWith('../../test/support/')))
        .map((spec) => `${rel(f)} imports ${spec}`),
    );
    // Its own tests may drive it from outside (e.g. the operator routes); its code may not.
    expect(outward.filter((o) => !o.includes('.test.ts '))).toEqual([]);
  });

  it('the test oracle opens its own connection, not the store\'s', () => {
    const oracle = readFileSync(join(ROOT, 'test', 'support', 'dbOracle.ts'), 'utf8');
    expect(oracle.split('\n').flatMap(importsOf).filter((s) => s.includes('main/store'))).toEqual([]);
  });
});
