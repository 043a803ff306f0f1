// Public sample data (real claim exports, public HL7v2 messages) lives beside the repository in
// ../shared/samples, never inside it: tests and benches read it from there. A clone without it
// fails loudly here instead of passing over an empty list.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../main/paths.js';

/** `<repo>/../shared/samples`. */
export const SHARED_SAMPLES_DIR = join(PACKAGE_ROOT, '..', 'shared', 'samples');

export type SampleKind = 'xml130' | 'hl7v2';

/** Absolute path of `../shared/samples/<parts…>`; throws a clear message when it is not there. */
export function sharedSamplePath(...parts: string[]): string {
  const path = join(SHARED_SAMPLES_DIR, ...parts);
  if (!existsSync(path)) {
    throw new Error(
      `../shared/samples is missing: ${path} does not exist. The public samples are kept beside the repository ` +
        `(<repo>/../shared/samples/{xml130,hl7v2}), not inside it; check them out there to run this test.`,
    );
  }
  return path;
}

/** Directory of one kind of sample. */
export const sharedSamplesDir = (kind: SampleKind): string => sharedSamplePath(kind);

/** Names (sorted) of the samples of one kind: `*.xml` for claim XML, `*.hl7` for HL7v2. */
export function sharedSampleNames(kind: SampleKind): string[] {
  const ext = kind === 'xml130' ? '.xml' : '.hl7';
  const names = readdirSync(sharedSamplesDir(kind))
    .filter((f) => f.endsWith(ext))
    .sort();
  if (names.length === 0) throw new Error(`../shared/samples is missing: no ${ext} file in ${sharedSamplesDir(kind)}`);
  return names;
}

/** Bytes of one sample, e.g. `readSharedSample('xml130', 'outpatient-visit.xml')`. */
export const readSharedSample = (kind: SampleKind, name: string): Buffer => readFileSync(sharedSamplePath(kind, name));
