// `vhr-agent validate [FILE|-]`: each NDJSON line is a FHIR Bundle, validated against base R4.
// Prints one JSON line per invalid bundle on stdout and a summary on stderr.
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Resource } from '@medplum/fhirtypes';
import { hasErrors, validateR4 } from '../../connectors/fhir/validator.js';
import { defineCommand, UsageError } from './command.js';

export async function validateNdjson(input: Readable): Promise<number> {
  let total = 0;
  let invalid = 0;
  let lineNo = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    lineNo++;
    if (line.trim() === '') continue;
    total++;
    let resource: Resource;
    try {
      resource = JSON.parse(line) as Resource;
    } catch (err) {
      invalid++;
      process.stdout.write(JSON.stringify({ line: lineNo, valid: false, issues: [{ severity: 'error', path: '', message: `not JSON: ${(err as Error).message}` }] }) + '\n');
      continue;
    }
    if (typeof resource !== 'object' || resource === null || typeof resource.resourceType !== 'string') {
      invalid++;
      process.stdout.write(JSON.stringify({ line: lineNo, valid: false, issues: [{ severity: 'error', path: '', message: 'not a FHIR resource (no resourceType)' }] }) + '\n');
      continue;
    }
    const issues = validateR4(resource);
    if (hasErrors(issues)) {
      invalid++;
      const id = (resource as { identifier?: { value?: string } }).identifier?.value;
      process.stdout.write(JSON.stringify({ line: lineNo, valid: false, id, issues: issues.filter((i) => i.severity === 'error') }) + '\n');
    }
  }
  if (total === 0) {
    process.stderr.write('vhr-agent validate: no bundles in the input\n');
    return 1;
  }
  process.stderr.write(`vhr-agent validate: ${total - invalid} of ${total} valid${invalid ? `, ${invalid} not valid` : ''}\n`);
  return invalid === 0 ? 0 : 1;
}

export const command = defineCommand({
  name: 'validate',
  summary: 'validate NDJSON Bundles against FHIR R4',
  usage: '[FILE|-]',
  options: {},
  details: 'Reads standard input without FILE or with -. Exit 0 only when every Bundle is valid.',
  run: ({ positionals }) => {
    if (positionals.length > 1) throw new UsageError('validate takes one FILE (or - for standard input)');
    const input = positionals[0] ?? '-';
    if (input !== '-' && !existsSync(input)) throw new UsageError(`no such file: ${input}`);
    return validateNdjson(input === '-' ? process.stdin : createReadStream(input));
  },
});
