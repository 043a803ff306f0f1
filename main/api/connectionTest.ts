// "Test connection" on the settings screen: the same step-by-step check the delivery client
// would go through (DNS, TCP, TLS, credentials, /metadata, what the delivery mode needs), with
// the destination's real auth and TLS settings, told in plain words. Nothing is written.
import type { DestinationConfig } from '../config/schema.js';
import { testConnection as checkConnection, type ConnectionCheck, type StepName } from '../../connectors/destinations/fhir/connectionCheck.js';
import type { ConnectionTestResponse } from './contract.js';

/** The UI's coarse verdict from the first step that failed. */
const CODE_OF_STEP: Record<StepName, ConnectionTestResponse['code']> = {
  dns: 'unreachable',
  tcp: 'unreachable',
  tls: 'unreachable',
  auth: 'auth',
  metadata: 'not_fhir',
  capabilities: 'ok',
};

export function toConnectionTestResponse(destinationId: string, check: ConnectionCheck, durationMs: number): ConnectionTestResponse {
  const failed = check.steps.find((s) => !s.ok);
  const last = check.steps[check.steps.length - 1];
  const warnings = check.warnings.map((w) => w.message);
  const warningsVi = check.warnings.map((w) => w.messageVi);
  const what = `FHIR ${check.fhirVersion ?? '?'}${check.software ? ` (${check.software})` : ''}`;
  return {
    destinationId,
    ok: check.ok,
    code: failed ? CODE_OF_STEP[failed.name] : 'ok',
    fhirVersion: check.fhirVersion,
    software: check.software,
    durationMs,
    message: (failed ? [failed.detail] : [`Connection good: ${what}.`, ...warnings]).join(' ') || (last?.detail ?? ''),
    messageVi: (failed ? [failed.detailVi] : [`Kết nối tốt: ${what}.`, ...warningsVi]).join(' ') || (last?.detailVi ?? ''),
    steps: check.steps,
  };
}

export async function testConnection(dest: DestinationConfig): Promise<ConnectionTestResponse> {
  const started = Date.now();
  const check = await checkConnection(dest);
  return toConnectionTestResponse(dest.id, check, Date.now() - started);
}
