// The server's own words from an OperationOutcome, for the records officer's screen
// (DESIGN §4.5: a rejected record is shown with what the store said).

/** Issues beyond this many are counted, not quoted, so one message stays readable. */
const MAX_QUOTED_ISSUES = 10;

interface IssueLike {
  severity?: unknown;
  diagnostics?: unknown;
  details?: { text?: unknown; coding?: { display?: unknown; code?: unknown }[] };
  expression?: unknown;
  location?: unknown;
}

/**
 * `details.text` (or `diagnostics`, or a coding's display) of each issue, errors first
 * (warnings only when there is no error), each followed by where it is:
 * `Invalid date format (Bundle.entry[1].resource.birthDate)`. Undefined when the body
 * is not an OperationOutcome or says nothing.
 */
export function operationOutcomeText(body: unknown): string | undefined {
  if (!isObject(body) || body.resourceType !== 'OperationOutcome' || !Array.isArray(body.issue)) return undefined;
  const issues = (body.issue as unknown[]).filter(isObject) as IssueLike[];
  const errors = issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
  const chosen = errors.length > 0 ? errors : issues;
  const texts = chosen.map(issueText).filter((t): t is string => t !== undefined);
  if (texts.length === 0) return undefined;
  const quoted = texts.slice(0, MAX_QUOTED_ISSUES).join('; ');
  return texts.length > MAX_QUOTED_ISSUES ? `${quoted}; … and ${texts.length - MAX_QUOTED_ISSUES} more` : quoted;
}

function issueText(issue: IssueLike): string | undefined {
  const words = firstString(issue.details?.text, issue.diagnostics, issue.details?.coding?.[0]?.display, issue.details?.coding?.[0]?.code);
  if (!words) return undefined;
  const where = stringList(issue.expression) ?? stringList(issue.location);
  return where ? `${words} (${where})` : words;
}

function firstString(...values: unknown[]): string | undefined {
  for (const v of values) if (typeof v === 'string' && v.trim() !== '') return v.trim();
  return undefined;
}

function stringList(value: unknown): string | undefined {
  if (!Array.isArray(value)) return undefined;
  const items = value.filter((v): v is string => typeof v === 'string' && v !== '');
  return items.length ? items.join(', ') : undefined;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
