// Where a worker thread's entry module is. Built code starts its threads from the built file
// beside it; code run from its TypeScript sources (the tests) starts the same file from
// dist/, since a thread cannot load TypeScript — so those threads need `npm run build` first.
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `file` (e.g. './worker.js') next to the module at `callerUrl`, in its built form. */
export function threadEntry(callerUrl: string, file: string, what: string): URL {
  if (!callerUrl.endsWith('.ts')) return new URL(file, callerUrl);
  const dir = relative(REPO_ROOT, dirname(fileURLToPath(callerUrl)));
  const built = pathToFileURL(join(REPO_ROOT, 'dist', dir, file));
  if (!existsSync(built)) throw new Error(`${what} need${what.endsWith('s') ? '' : 's'} the built ${fileURLToPath(built)}: run \`npm run build\` first`);
  return built;
}
