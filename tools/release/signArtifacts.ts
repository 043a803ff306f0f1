// Release step: writes `<artifact>.sig` beside each built installer/package, signed with the
// ministry's Ed25519 key (the key that signs managed configuration, docs/managed-config.md).
//   node dist/tools/release/signArtifacts.js --key ministry.key --version 1.4.0 [--rollback] release/*.exe release/*.AppImage
// The private key path comes from the command line or VHR_RELEASE_SIGNING_KEY (a CI secret).
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { parsePrivateKey } from '../../main/config/managed/signing.js';
import { signArtifact } from '../../main/electron/artifactSignature.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { key: { type: 'string' }, version: { type: 'string' }, rollback: { type: 'boolean', default: false } },
});
const keyPath = values.key ?? process.env.VHR_RELEASE_SIGNING_KEY;
if (!keyPath || !values.version || positionals.length === 0) {
  process.stderr.write('usage: signArtifacts --key FILE (or VHR_RELEASE_SIGNING_KEY) --version X.Y.Z [--rollback] ARTIFACT...\n');
  process.exit(2);
}
const key = parsePrivateKey(readFileSync(keyPath, 'utf8'));
for (const path of positionals) {
  const envelope = await signArtifact(path, { file: basename(path), version: values.version, rollback: values.rollback }, key);
  writeFileSync(`${path}.sig`, `${JSON.stringify(envelope, null, 2)}\n`);
  process.stdout.write(`signed ${basename(path)} → ${basename(path)}.sig\n`);
}
