import { Readable } from 'node:stream';
import type { Claim, MedicationRequest, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { hasErrors, validateR4 } from '../../connectors/fhir/validator.js';
import { defaultProfilePack } from '../../connectors/profile-pack/index.js';
import type { ConvertContext } from '../../connectors/formats/types.js';
import { convertClaimRecord } from '../../connectors/formats/xml130/convert.js';
import { hosoToXml, splitEnvelope } from '../../connectors/formats/xml130/envelope/envelope.js';
import { generateEnvelope, generateEnvelopes, generateRecordDocuments, generateStoredRecords } from './generate.js';

const ctx: ConvertContext = { facilityCode: '00000', now: new Date('2026-04-01T00:00:00Z'), profilePack: defaultProfilePack() };

async function hosoOf(xml: string) {
  const out: { stored: string }[] = [];
  let header = {};
  for await (const ev of splitEnvelope(Readable.from([Buffer.from(xml)]))) {
    if (ev.kind === 'header') header = ev.header;
    else out.push({ stored: hosoToXml(ev.hoso, header) });
  }
  return { header, records: out };
}

describe('generated claim records', () => {
  it('is deterministic for a seed, and record i does not depend on the batch', () => {
    expect(generateEnvelope({ records: 3, seed: 7 })).toBe(generateEnvelope({ records: 3, seed: 7 }));
    expect(generateEnvelope({ records: 3, seed: 7 })).not.toBe(generateEnvelope({ records: 3, seed: 8 }));
    expect(generateRecordDocuments(7, 2)).toEqual(generateRecordDocuments(7, 2));
    const [, second] = generateEnvelopes({ records: 4, seed: 7, hosoPerFile: 2 });
    expect(second).toBe(generateEnvelope({ records: 2, seed: 7, firstRecord: 2 }));
  });

  it('writes envelopes the splitter reads, with realistic values, that convert to valid bundles', async () => {
    const { header, records } = await hosoOf(generateEnvelope({ records: 20, seed: 42, facilityCode: '79025' }));
    expect(header).toMatchObject({ maCskcb: '79025', soLuongHoso: 20 });
    expect(records).toHaveLength(20);
    const keys = new Set<string>();
    for (const { stored } of records) {
      const out = convertClaimRecord(stored, ctx);
      if (!out.ok) throw new Error(out.message);
      keys.add(out.naturalKey);
      expect(out.warnings).toEqual([]);
      expect(out.notMapped).toEqual([]);
      expect(hasErrors(validateR4(out.bundle))).toBe(false);
      const patient = out.bundle.entry!.map((e) => e.resource).find((r): r is Patient => r?.resourceType === 'Patient')!;
      expect(patient.identifier?.find((i) => i.system?.endsWith('/sid/cccd'))?.value).toMatch(/^\d{12}$/);
      expect(patient.identifier?.find((i) => i.system?.endsWith('/sid/bhyt'))?.value).toMatch(/^[A-Z]{2}\d{13}$/);
      expect(patient.name?.[0]?.text).toMatch(/^\p{Lu}\p{Ll}+ \p{Lu}\p{Ll}* ?\p{Lu}?\p{Ll}*/u);
    }
    expect(keys.size).toBe(20);
  });

  it('keeps the totals equal to the sum of the lines, to the xu', () => {
    for (const stored of generateStoredRecords({ records: 15, seed: 3 })) {
      const out = convertClaimRecord(stored, ctx);
      if (!out.ok) throw new Error(out.message);
      const claim = out.bundle.entry!.map((e) => e.resource).find((r): r is Claim => r?.resourceType === 'Claim')!;
      const lines = Math.round((claim.item ?? []).reduce((a, i) => a + (i.net?.value ?? 0) * 100, 0));
      expect(Math.round(claim.total!.value! * 100)).toBe(lines);
    }
  });

  it('can write large records and only the tables asked for', () => {
    const [stored] = generateStoredRecords({ records: 1, seed: 1, lines: 60, tables: ['XML1', 'XML2'] });
    const out = convertClaimRecord(stored!, ctx);
    if (!out.ok) throw new Error(out.message);
    expect(out.bundle.entry!.filter((e) => e.resource?.resourceType === 'MedicationRequest' as MedicationRequest['resourceType'])).toHaveLength(60);
    expect(() => generateEnvelope({ records: 1, seed: 1, tables: ['XML6'] })).toThrow(/cannot generate table XML6/);
  });
});
