// One health verdict for the status banner and the tray icon (DESIGN §8): what is wrong, in
// order of urgency, as codes with parameters. The UI turns each code into plain words and the
// action to take, in the officer's language; the tray only needs the level. Pure: no I/O.
import type { StatusResponse } from './contract.js';

export const HealthLevel = { ok: 'ok', warning: 'warning', error: 'error' } as const;
export type HealthLevel = (typeof HealthLevel)[keyof typeof HealthLevel];

export const HealthProblemCode = {
  sourceError: 'source_error',
  destinationAuth: 'destination_auth',
  destinationDown: 'destination_down',
  destinationRetrying: 'destination_retrying',
  pausedByOperator: 'paused_by_operator',
  rejected: 'rejected',
  invalid: 'invalid',
  backlog: 'backlog',
  noInput: 'no_input',
  errorFiles: 'error_files',
} as const;
export type HealthProblemCode = (typeof HealthProblemCode)[keyof typeof HealthProblemCode];

export interface HealthProblem {
  code: HealthProblemCode;
  level: Exclude<HealthLevel, 'ok'>;
  /** The source or destination concerned. */
  subject?: string;
  count?: number;
  /** The last error in the agent's words, shown under the plain explanation. */
  detail?: string;
}

export interface Health {
  level: HealthLevel;
  problems: HealthProblem[];
}

/** Codes a delivery client reports when credentials or the URL need a person (auth / misconfigured). */
const NEEDS_OPERATOR_STATE = 'paused';

export interface HealthExtras {
  /** Destinations an operator paused on purpose: a warning, not a failure. */
  pausedByOperator?: readonly string[];
  /** Invalid records not yet superseded by a newer version of the same MA_LK. */
  openInvalid?: number;
}

export function assessHealth(status: StatusResponse, extras: HealthExtras = {}): Health {
  const pausedByOperator = extras.pausedByOperator ?? [];
  const problems: HealthProblem[] = [];
  for (const s of status.sources) {
    if (s.state === 'error') problems.push({ code: HealthProblemCode.sourceError, level: HealthLevel.error, subject: s.id, detail: s.detail });
  }
  for (const d of status.destinations) {
    const detail = d.lastError?.messageVi ? `${d.lastError.code}: ${d.lastError.message}` : undefined;
    if (pausedByOperator.includes(d.id)) {
      problems.push({ code: HealthProblemCode.pausedByOperator, level: HealthLevel.warning, subject: d.id, count: d.pending });
    } else if (d.state === NEEDS_OPERATOR_STATE) {
      problems.push({ code: HealthProblemCode.destinationAuth, level: HealthLevel.error, subject: d.id, count: d.pending, detail });
    } else if (d.state === 'down') {
      problems.push({ code: HealthProblemCode.destinationDown, level: HealthLevel.error, subject: d.id, count: d.pending, detail });
    } else if (d.state === 'retrying') {
      problems.push({ code: HealthProblemCode.destinationRetrying, level: HealthLevel.warning, subject: d.id, count: d.pending, detail });
    }
    if (d.rejected > 0) problems.push({ code: HealthProblemCode.rejected, level: HealthLevel.warning, subject: d.id, count: d.rejected });
  }
  // Incidents the agent raised itself (pipeline/alerts.ts) that no state above already shows.
  for (const a of status.alerts ?? []) {
    if (a.kind === 'backlog') problems.push({ code: HealthProblemCode.backlog, level: HealthLevel.warning, subject: a.target, detail: a.messageVi });
    if (a.kind === 'no_input') problems.push({ code: HealthProblemCode.noInput, level: HealthLevel.warning, detail: a.messageVi });
  }
  // Files moved to error/ stay amber until an officer has seen them in the "Tệp lỗi" panel.
  const newErrorFiles = status.errorFiles?.new ?? 0;
  if (newErrorFiles > 0) problems.push({ code: HealthProblemCode.errorFiles, level: HealthLevel.warning, count: newErrorFiles });
  const invalid = extras.openInvalid ?? 0;
  if (invalid > 0) problems.push({ code: HealthProblemCode.invalid, level: HealthLevel.warning, count: invalid });
  const rank = { error: 0, warning: 1 } as const;
  problems.sort((a, b) => rank[a.level] - rank[b.level]);
  return { level: problems[0]?.level ?? HealthLevel.ok, problems };
}
