// Where the installed package lives, whether running from source (tests) or from dist/.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'vhr-agent') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the vhr-agent package root');
    dir = parent;
  }
}

export const PACKAGE_ROOT = findPackageRoot();
export const AGENT_VERSION: string = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** Built status UI (renderer/), served by the status API. */
export const UI_DIR = join(PACKAGE_ROOT, 'dist', 'renderer');
