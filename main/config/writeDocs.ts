// `npm run docs:config`: writes docs/configuration.md from the configuration schema.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../paths.js';
import { renderConfigDoc } from './docs.js';

const target = join(PACKAGE_ROOT, 'docs', 'configuration.md');
writeFileSync(target, renderConfigDoc());
process.stdout.write(`wrote ${target}\n`);
