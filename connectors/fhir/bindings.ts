// Required bindings: a coded element bound with strength "required" must hold a code from
// its value set. @medplum's validator does not check these; the JSON schema does for plain
// `code` elements (as enums) but not for Coding and CodeableConcept (Condition.clinicalStatus,
// AllergyIntolerance.verificationStatus…). Value sets that cannot be expanded locally are
// skipped (see valueSets.ts).
import type { ElementDefinitionBinding } from '@medplum/fhirtypes';
import type { PresentElement } from './elementWalk.js';
import { childPath, error, type ValidationIssue } from './issues.js';
import { expandValueSet, type Expansion } from './valueSets.js';

type Json = Record<string, unknown>;

function codingOk(coding: unknown, vs: Expansion): boolean {
  if (typeof coding !== 'object' || coding === null) return false;
  const { system, code } = coding as Json;
  return typeof system === 'string' && typeof code === 'string' && (vs.get(system)?.has(code) ?? false);
}

function valueSetName(binding: ElementDefinitionBinding): string {
  return (binding.valueSet ?? '').split('|')[0]!;
}

/** The issue, if any, of one present element with a required binding. */
export function checkBinding(e: PresentElement): ValidationIssue | undefined {
  const binding = e.element.binding;
  if (binding?.strength !== 'required' || !binding.valueSet) return undefined;
  const vs = expandValueSet(binding.valueSet);
  if (!vs) return undefined;
  const name = valueSetName(binding);
  switch (e.type) {
    case 'code':
    case 'string':
    case 'uri': {
      if (typeof e.value !== 'string') return undefined;
      const code = e.value;
      for (const codes of vs.values()) if (codes.has(code)) return undefined;
      return error(e.path, `Value "${code}" is not in the required value set ${name}`);
    }
    case 'Coding':
      return codingOk(e.value, vs) ? undefined : error(e.path, `Coding is not in the required value set ${name}`);
    case 'CodeableConcept': {
      const codings = (e.value as Json).coding;
      if (Array.isArray(codings) && codings.some((c) => codingOk(c, vs))) return undefined;
      const where = Array.isArray(codings) && codings.length ? childPath(e.path, 'coding') : e.path;
      return error(where, `None of the codings is in the required value set ${name}`);
    }
    default:
      return undefined;
  }
}
