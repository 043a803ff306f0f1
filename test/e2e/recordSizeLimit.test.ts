// A record too large to convert within the memory allowed (conversion.maxRecordMiB) is kept as
// received and shown invalid with its size and what to do, never loaded for conversion; the
// records beside it in the same file convert and reach the stores.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiInfo, MessageDetailResponse } from '../../main/api/contract.js';
import { pathTo, ROUTES } from '../../main/api/routeTable.js';
import { generateEnvelope } from '../../tools/claimXml/generate.js';
import { startHarness, type Harness } from '../support/agentHarness.js';
import { readStoredMessages } from '../support/storedRows.js';
import { waitFor } from '../support/waitFor.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('conversion.maxRecordMiB', () => {
  it('leaves a record over the limit invalid with its size, bytes kept, and converts the others', async () => {
    h = await startHarness({ extra: 'conversion: { maxRecordMiB: 1 }\nsecurity: { encryptAtRest: false }' });
    // Records of the same file: two small ones and one of 1,500 lines (well over 1 MiB).
    const small = generateEnvelope({ records: 2, seed: 21, lines: 5 });
    const big = generateEnvelope({ records: 1, seed: 22, lines: 1500, firstRecord: 2 });
    const bodyOf = (env: string) => env.slice(env.indexOf('<DANHSACHHOSO>') + 14, env.lastIndexOf('</DANHSACHHOSO>'));
    const file = small.replace('</DANHSACHHOSO>', `${bodyOf(big)}</DANHSACHHOSO>`);
    h.drop('mixed.xml', file);
    await waitFor(() => h!.agent.status().counts.invalid === 1 && h!.agent.status().counts.converted === 2, { what: 'two converted, one left invalid' });

    const rows = readStoredMessages(join(h.dataDir, 'vhr-agent.db'), { sourceId: 'his' });
    const tooBig = rows.filter((r) => r.state === 'invalid');
    expect(tooBig).toHaveLength(1);
    expect(tooBig[0]!.raw!.length).toBeGreaterThan(1024 * 1024); // its bytes kept
    const detail = h.agent.store.message(tooBig[0]!.id)!;
    expect(detail.errorCode).toBe('CONVERT_RECORD_TOO_LARGE');
    expect(detail.errorMessage).toMatch(/^the record is \d+\.\d MiB, more than the 1 MiB converted at most \(conversion\.maxRecordMiB, or --max-record-mib\); it is kept as received/);
    // The records officer reads why in Vietnamese, with the file and the HOSO number.
    const info = JSON.parse(readFileSync(join(h.dataDir, 'api.json'), 'utf8')) as ApiInfo;
    const res = await fetch(`${info.url}${pathTo(ROUTES.message, { params: { id: tooBig[0]!.id } })}`, { headers: { Authorization: `Bearer ${info.token}` } });
    const page = (await res.json()) as MessageDetailResponse;
    expect(page.origin).toEqual({ file: 'mixed.xml', recordNumber: 3 });
    expect(page.problem?.reason).toMatch(/^Hồ sơ quá lớn để chuyển đổi/);
    await waitFor(h.drained(2), { what: 'the two others delivered' });
    expect(await h.fhir.countResources('province', 'Claim')).toBe(2);
  });
});
