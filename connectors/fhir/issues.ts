// The shape every validation check reports in, shared by the fast checks and the
// @medplum reference validator so callers see one format whichever check found a problem.

export interface ValidationIssue {
  severity: 'error' | 'warning' | 'information';
  /** FHIRPath-like location of the problem, e.g. `Bundle.entry[2].resource.birthDate`. */
  path: string;
  message: string;
}

export function error(path: string, message: string): ValidationIssue {
  return { severity: 'error', path, message };
}

/** `Bundle.entry` + 2 → `Bundle.entry[2]`; `Patient` + `gender` → `Patient.gender`. */
export function childPath(parent: string, key: string | number): string {
  return typeof key === 'number' ? `${parent}[${key}]` : `${parent}.${key}`;
}
