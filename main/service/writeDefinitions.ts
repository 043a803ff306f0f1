// Writes the service definitions (definitions.ts) where electron-builder packs them from:
// `node dist/main/service/writeDefinitions.js build/service` (run by `npm run dist:*`).
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { serviceFiles, WINSW_BASENAME } from './definitions.js';

const outDir = resolve(process.argv[2] ?? join('build', 'service'));
mkdirSync(outDir, { recursive: true });
for (const [name, text] of Object.entries(serviceFiles())) {
  writeFileSync(join(outDir, name), text);
  if (name.endsWith('.sh') || name === 'vhr-agent-cli') chmodSync(join(outDir, name), 0o755);
}
// The WinSW binary comes inside the node-windows package from the npm registry: nothing is
// downloaded while installing.
const require = createRequire(import.meta.url);
const winsw = join(dirname(require.resolve('node-windows/package.json')), 'bin', 'winsw', 'winsw.exe');
copyFileSync(winsw, join(outDir, `${WINSW_BASENAME}.exe`));
process.stdout.write(`service definitions written to ${outDir}\n`);
