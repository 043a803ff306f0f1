// Base R4 validation speed: @medplum's validateResource (the validator the agent used) against
// the fast validator (compiled R4 JSON schema + invariants + required bindings), on the same
// converted claim records of ~60 resources, one core, warm. Conversion is done up front:
// only validation is timed. Also the one-time cost of loading each.
import type { Bundle } from '@medplum/fhirtypes';
import { validateWithMedplum } from '../connectors/fhir/medplumValidator.js';
import { ensureR4DefinitionsLoaded } from '../connectors/fhir/r4Definitions.js';
import { hasErrors, validateR4 } from '../connectors/fhir/validator.js';
import { convertClaimRecord } from '../connectors/formats/xml130/convert.js';
import { generateStoredRecords } from '../tools/claimXml/generate.js';
import { defaultProfilePack } from '../connectors/profile-pack/index.js';
import { printFigures, seconds } from './support.js';

function records(): Bundle[] {
  const ctx = { facilityCode: '94170', now: new Date('2026-04-01T00:00:00Z'), profilePack: defaultProfilePack() };
  // 20 drug + service lines per record gives ~60 resources, the size the figures are quoted for.
  return generateStoredRecords({ records: 200, seed: 3, lines: 20 }).flatMap((x) => {
    const o = convertClaimRecord(x, ctx);
    return o.ok ? [o.bundle] : [];
  });
}

/** Seconds for one pass of `validate` over all bundles, after `warm` untimed passes. */
function timed(bundles: Bundle[], validate: (b: Bundle) => unknown, warm: number, passes: number): number {
  for (let i = 0; i < warm; i++) for (const b of bundles) validate(b);
  const start = process.hrtime.bigint();
  for (let i = 0; i < passes; i++) for (const b of bundles) validate(b);
  return seconds(start) / passes;
}

export async function run(): Promise<void> {
  const bundles = records();
  const resources = bundles.reduce((n, b) => n + (b.entry?.length ?? 0), 0) / bundles.length;

  let start = process.hrtime.bigint();
  ensureR4DefinitionsLoaded();
  const indexSecs = seconds(start);
  start = process.hrtime.bigint();
  // First use of the fast validator: JSON schema patch + compile of the types met, value sets.
  const firstInvalid = hasErrors(validateR4(bundles[0]!));
  const compileSecs = seconds(start);

  let invalidFast = 0;
  let invalidMedplum = 0;
  for (const b of bundles) {
    if (hasErrors(validateR4(b))) invalidFast++;
    if (hasErrors(validateWithMedplum(b))) invalidMedplum++;
  }
  const medplum = timed(bundles, validateWithMedplum, 1, 1);
  const fast = timed(bundles, validateR4, 3, 5);
  const n = bundles.length;
  printFigures(`R4 validation (${n} claim records, ${resources.toFixed(1)} resources/record, one core, warm)`, [
    { name: '@medplum validateResource', value: n / medplum, unit: 'records/s', note: `${((medplum * 1000) / n).toFixed(2)} ms/record, ${invalidMedplum} invalid` },
    { name: 'fast validator (schema + invariants + bindings)', value: n / fast, unit: 'records/s', note: `${((fast * 1000) / n).toFixed(2)} ms/record, ${invalidFast} invalid` },
    { name: 'speed-up', value: medplum / fast, unit: '×' },
    { name: 'one-time: index R4 StructureDefinitions (both)', value: indexSecs * 1000, unit: 'ms' },
    { name: 'one-time: fast validator first record (compile)', value: compileSecs * 1000, unit: 'ms', note: firstInvalid ? 'first record invalid' : 'schema patch, ajv compile, value sets' },
    { name: 'heap after both', value: process.memoryUsage().heapUsed / 1e6, unit: 'MB' },
  ]);
}
