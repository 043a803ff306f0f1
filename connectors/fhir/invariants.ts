// FHIRPath invariants (bdl-3, bdl-7, obs-6, ext-1…) — what no JSON schema can say. The
// expressions come from the R4 StructureDefinitions and run on @medplum's FHIRPath engine
// with the variables @medplum's validator gives them, on exactly the elements it runs them
// on — but only on elements that are present and carry an invariant, found by elementWalk —
// and after invariantShortcuts.ts has had the chance to see at a glance that one holds.
import { evalFhirPathTyped, parseFhirPath, toTypedValue, type Constraint, type TypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { InternalTypeSchema } from '@medplum/core';
import type { ElementVisitor, PresentElement } from './elementWalk.js';
import { SHORTCUTS } from './invariantShortcuts.js';
import { error, type ValidationIssue } from './issues.js';

/**
 * Invariants left out, as @medplum's validator leaves them out: ele-1 is what the structural
 * check's empty-value rules enforce; dom-3 needs descendants() over the whole resource;
 * org-1 is kept off for backward compatibility; sdf-19 concerns StructureDefinitions only.
 */
const SKIPPED = new Set(['ele-1', 'dom-3', 'org-1', 'sdf-19']);

/** UCUM system for the %ucum variable some invariants compare against. */
const UCUM = 'http://unitsofmeasure.org';

type Atom = ReturnType<typeof parseFhirPath>;
const parsed = new Map<string, Atom>();
const applicable = new WeakMap<readonly Constraint[], Constraint[]>();

function applicableOf(constraints: readonly Constraint[] | undefined): Constraint[] {
  if (!constraints?.length) return [];
  let list = applicable.get(constraints);
  if (!list) {
    list = constraints.filter((c) => c.severity === 'error' && !SKIPPED.has(c.key));
    applicable.set(constraints, list);
  }
  return list;
}

function atomOf(expression: string): Atom {
  let atom = parsed.get(expression);
  if (!atom) {
    atom = parseFhirPath(expression);
    parsed.set(expression, atom);
  }
  return atom;
}

/** Collects invariant issues while elementWalk visits one root resource. */
export class InvariantChecker implements ElementVisitor {
  readonly issues: ValidationIssue[] = [];
  private readonly rootTyped: TypedValue;
  private readonly resourceTyped = new WeakMap<Resource, TypedValue>();
  private readonly ucum = toTypedValue(UCUM);

  constructor(root: Resource) {
    this.rootTyped = toTypedValue(root);
    this.resourceTyped.set(root, this.rootTyped);
  }

  private typedResource(r: Resource): TypedValue {
    let t = this.resourceTyped.get(r);
    if (!t) {
      t = toTypedValue(r);
      this.resourceTyped.set(r, t);
    }
    return t;
  }

  /**
   * A resource's own invariants (dom-2, bdl-7, obs-6…). @medplum checks them on the root
   * only; here nested resources (Bundle entries, contained) get them too, as R4 requires.
   */
  resource(resource: Resource, schema: InternalTypeSchema, path: string, _isRoot: boolean): void {
    const list = applicableOf(schema.constraints);
    if (list.length) this.check(list, this.typedResource(resource), path, resource);
  }

  element(e: PresentElement): void {
    const list = applicableOf(e.element.constraints);
    if (list.length) this.check(list, { type: e.type, value: e.value }, e.path, e.resource);
  }

  private check(constraints: Constraint[], context: TypedValue, path: string, resource: Resource): void {
    for (const c of constraints) {
      const shortcut = SHORTCUTS[c.key];
      const value = context.value as Record<string, unknown>;
      const holds = (shortcut !== undefined && typeof value === 'object' && value !== null && !Array.isArray(value) && shortcut(value)) || this.evaluate(c, context, resource, path);
      if (!holds) {
        this.issues.push(error(path, `Constraint ${c.key} not met: ${c.description}`));
        // One broken invariant per element is enough to refuse it, as the reference does.
        return;
      }
    }
  }

  private evaluate(c: Constraint, context: TypedValue, resource: Resource, path: string): boolean {
    const variables: Record<string, TypedValue> = {
      '%context': context,
      '%ucum': this.ucum,
      '%resource': this.typedResource(resource),
      '%rootResource': this.rootTyped,
    };
    try {
      const result = evalFhirPathTyped(atomOf(c.expression), [context], variables);
      return result.length === 1 && result[0]!.value === true;
    } catch (err) {
      this.issues.push(error(path, `Error evaluating invariant ${c.key}: ${(err as Error).message}`));
      return false;
    }
  }
}

