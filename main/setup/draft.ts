// What the first-run setup page sends (docs/configuration.md, "First run"): the few answers
// a facility gives, turned into the agent's YAML. Secrets never go into the YAML: each is kept
// in its own 0600 file under <dataDir>/secrets and referenced as `file:` (DESIGN §9).
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { SetupDestination, SetupDraft } from './routes.js';

/** MA_CSKCB: five letters or digits (the schema's own pattern, definition.ts). */
export const FACILITY_CODE = /^[0-9A-Za-z]{5}$/;

export const secretFile = (dataDir: string, destinationId: string): string => join(dataDir, 'secrets', `${destinationId}.secret`);

/** The configuration document of a draft, with `file:` references where secrets go. */
export function draftToDocument(draft: SetupDraft): Record<string, unknown> {
  const sources: Record<string, unknown>[] = [{ id: 'his-xml', type: 'folder', path: draft.folder }];
  if (draft.mllpPort !== undefined) sources.push({ id: 'his-hl7', type: 'mllp', host: '0.0.0.0', port: draft.mllpPort });
  return {
    facility: { code: draft.facility.code, ...(draft.facility.name ? { name: draft.facility.name } : {}) },
    dataDir: draft.dataDir,
    sources,
    destinations: draft.destinations.map((d) => ({
      id: d.id,
      name: d.name,
      baseUrl: d.baseUrl,
      auth:
        d.auth === 'bearer'
          ? { type: 'bearer', token: `file:${secretFile(draft.dataDir, d.id)}` }
          : d.auth === 'oauth2'
            ? { type: 'oauth2', tokenUrl: d.tokenUrl ?? '', clientId: d.clientId ?? '', clientSecret: `file:${secretFile(draft.dataDir, d.id)}` }
            : { type: 'none' },
    })),
  };
}

/**
 * YAML of the draft. Every scalar is written by the YAML library, so a code such as 01001
 * stays a quoted string and a Windows path needs no escaping by hand (the traps load.ts explains).
 */
export function draftToYaml(draft: SetupDraft): string {
  const header = '# Written by `vhr-agent setup`. Secrets are in the files named by file: references, readable by the agent only.\n';
  return header + stringify(draftToDocument(draft), { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' });
}

/** Checks the shape of a posted draft; returns the reason in Vietnamese and English, or the draft. */
export function readDraft(body: unknown): { draft: SetupDraft } | { error: string } {
  if (!body || typeof body !== 'object') return { error: 'Thiếu dữ liệu cấu hình. / The setup form is missing.' };
  const b = body as Partial<SetupDraft>;
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const facility = { code: text(b.facility?.code), name: text(b.facility?.name) };
  const port = b.mllpPort === undefined || b.mllpPort === null || (b.mllpPort as unknown) === '' ? undefined : Number(b.mllpPort);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) return { error: 'Cổng MLLP phải là số từ 1 đến 65535. / The MLLP port must be 1–65535.' };
  const destinations = Array.isArray(b.destinations) ? b.destinations : [];
  const out: SetupDestination[] = [];
  for (const d of destinations) {
    const auth = d?.auth === 'bearer' || d?.auth === 'oauth2' ? d.auth : 'none';
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(text(d?.id))) return { error: 'Mã nơi nhận không hợp lệ. / Invalid destination id.' };
    out.push({ id: text(d.id), name: text(d.name) || text(d.id), baseUrl: text(d.baseUrl), auth, secret: typeof d.secret === 'string' ? d.secret : undefined, tokenUrl: text(d.tokenUrl) || undefined, clientId: text(d.clientId) || undefined });
  }
  return { draft: { facility, dataDir: text(b.dataDir), folder: text(b.folder), mllpPort: port, destinations: out } };
}
