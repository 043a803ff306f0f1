// Broken files are visible (DESIGN §8): a file moved to error/ shows in /api/status (additive
// errorFiles), in the error-files list with its reason in Vietnamese, and keeps health amber
// until an officer marks the list as seen — which survives a restart of the agent.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiInfo, ErrorFileListResponse, StatusResponse } from '../../main/api/contract.js';
import { assessHealth } from '../../main/api/health.js';
import { pathTo, ROUTES } from '../../main/api/routeTable.js';
import { startHarness, type Harness } from '../support/agentHarness.js';
import { envelopeOf, manyClaims } from '../support/claimXml.js';
import { waitFor } from '../support/waitFor.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function call<T>(info: ApiInfo, method: string, path: string): Promise<T> {
  const res = await fetch(`${info.url}${path}`, { method, headers: { Authorization: `Bearer ${info.token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

describe('error files', () => {
  it('are counted in /api/status, listed with a Vietnamese reason, amber until seen', async () => {
    h = await startHarness();
    const info = JSON.parse(readFileSync(join(h.dataDir, 'api.json'), 'utf8')) as ApiInfo;
    h.drop('good.xml', envelopeOf(manyClaims(2)));
    h.drop('cut.xml', envelopeOf(manyClaims(3, 'CT')).slice(0, 300));
    h.drop('empty.xml', '');
    await waitFor(() => (h!.agent.status().errorFiles?.count ?? 0) >= 2 && h!.drained(2)(), { what: 'two files in error/, good records delivered', timeoutMs: 30_000 });

    const status = await call<StatusResponse>(info, 'GET', pathTo(ROUTES.status));
    // The §10 shape is kept; errorFiles is added beside it.
    expect(Object.keys(status)).toEqual(expect.arrayContaining(['version', 'sources', 'destinations', 'counts', 'errorFiles']));
    expect(status.errorFiles).toMatchObject({ count: 2, new: 2 });
    expect(assessHealth(status).problems.filter((p) => p.code === 'error_files')).toEqual([{ code: 'error_files', level: 'warning', count: 2 }]);

    const list = await call<ErrorFileListResponse>(info, 'GET', pathTo(ROUTES.errorFiles));
    expect(list.total).toBe(2);
    const byName = Object.fromEntries(list.items.map((f) => [f.name, f]));
    expect(byName['empty.xml']).toMatchObject({ sourceId: 'his', code: 'ENVELOPE_EMPTY', reason: 'Tệp rỗng, không có nội dung.', isNew: true, folder: join(h.dataDir, 'inbox', 'error') });
    expect(byName['cut.xml']).toMatchObject({ code: 'ENVELOPE_TRUNCATED', reason: expect.stringMatching(/^Tệp bị cắt ngang/), action: expect.stringMatching(/xuất lại tệp/) });

    const seen = await call<{ seenAt: string }>(info, 'POST', pathTo(ROUTES.errorFilesSeen));
    expect(Date.parse(seen.seenAt)).toBeGreaterThan(0);
    const after = await call<StatusResponse>(info, 'GET', pathTo(ROUTES.status));
    expect(after.errorFiles).toMatchObject({ count: 2, new: 0 });
    expect(assessHealth(after).problems.map((p) => p.code)).not.toContain('error_files');
    expect(JSON.parse(readFileSync(join(h.dataDir, 'error-files-seen.json'), 'utf8'))).toEqual({ seenAt: Date.parse(seen.seenAt) });
  });
});
