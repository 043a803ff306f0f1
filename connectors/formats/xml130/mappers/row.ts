// A row of a claim table as the mappers read it: values by 130-era element name (4210
// names are renamed on the way in), with every read remembered so that the converter can
// report what no mapping consumed (STYLE habit 7: "they report what they did not map").
import type { InnerRow } from '../envelope/innerXml.js';
import { ERA_4210_ALIASES } from './mappingTables.js';

export class TableRow {
  private readonly values: ReadonlyMap<string, string>;
  /** 130 name → the element name actually written, when a 4210 name was renamed. */
  private readonly written = new Map<string, string>();
  private readonly consumed = new Set<string>();

  constructor(
    /** LOAIHOSO: XML1 … XML15. */
    readonly table: string,
    row: InnerRow,
    /** True for single-record tables, whose fields are named `XML1/NAME` rather than `XML2[3]/NAME`. */
    readonly single: boolean,
  ) {
    this.position = row.position;
    const aliases = ERA_4210_ALIASES[table];
    if (!aliases || !usesAlias(aliases, row)) {
      // A 130-era row (nearly all): nothing to rename, so its values are read as they are.
      this.values = row.values;
      return;
    }
    const values = new Map<string, string>();
    this.values = values;
    for (const [name, value] of row.values) {
      const target = aliases[name];
      if (target && !row.values.has(target)) {
        values.set(target, value);
        this.written.set(target, name);
      } else if (!values.has(name)) values.set(name, value);
    }
    for (const name of row.empty) {
      const target = aliases[name];
      if (target && !row.values.has(target)) this.written.set(target, name);
    }
  }

  /** 1-based position of the row in its table. */
  readonly position: number;

  /** The value of an element (130 name), or undefined when absent, empty or a sentinel. Marks it consumed. */
  get(name: string): string | undefined {
    this.consumed.add(name);
    return this.values.get(name);
  }

  /** Reads without consuming (for decisions that do not map the value). */
  peek(name: string): string | undefined {
    return this.values.get(name);
  }

  /** The path of an element for warnings: `XML1/MA_THE` (the name as written), `XML2[3]/SO_LUONG`. */
  field(name: string): string {
    const written = this.written.get(name) ?? name;
    return this.single ? `${this.table}/${written}` : `${this.table}[${this.position}]/${written}`;
  }

  /** Names (as written) of elements with a value that no mapping read. */
  unconsumed(): string[] {
    const out: string[] = [];
    for (const name of this.values.keys()) {
      if (!this.consumed.has(name)) out.push(this.written.get(name) ?? name);
    }
    return out;
  }

  /** Every element name with a value (130 names). */
  names(): string[] {
    return [...this.values.keys()];
  }
}

/** True when the row holds (with a value or empty) an element name that has a 130-era target. */
function usesAlias(aliases: Readonly<Record<string, string>>, row: InnerRow): boolean {
  for (const name in aliases) if (row.values.has(name) || row.empty.has(name)) return true;
  return false;
}
