// Reading typed values from a row: parse, and on failure warn (naming the field) and go
// on without the value — a record is never lost for one bad field (DESIGN §5).
import type { Money } from '@medplum/fhirtypes';
import { Xml130WarningCode, type MapContext } from './context.js';
import { claimDateTime, decimal, integer, type DecimalValue } from './datatypes.js';
import type { TableRow } from './row.js';

export function dateTimeOf(ctx: MapContext, row: TableRow, name: string): string | undefined {
  const raw = row.get(name);
  if (raw === undefined) return undefined;
  const p = claimDateTime(raw);
  if (p.ok) return p.value;
  ctx.warn(Xml130WarningCode.invalidValue, row.field(name), p.reason);
  return undefined;
}

export function decimalOf(ctx: MapContext, row: TableRow, name: string): DecimalValue | undefined {
  const raw = row.get(name);
  if (raw === undefined) return undefined;
  const p = decimal(raw);
  if (!p.ok) {
    ctx.warn(Xml130WarningCode.invalidValue, row.field(name), p.reason);
    return undefined;
  }
  if (p.value.normalised) ctx.normalise({ field: row.field(name), rule: 'decimal-comma', from: raw, to: p.value.text });
  return p.value;
}

export function integerOf(ctx: MapContext, row: TableRow, name: string): number | undefined {
  const raw = row.get(name);
  if (raw === undefined) return undefined;
  const p = integer(raw);
  if (p.ok) return p.value;
  ctx.warn(Xml130WarningCode.invalidValue, row.field(name), p.reason);
  return undefined;
}

/** Money in VND (the claim XML has no currency element: everything is VND). */
export function moneyOf(ctx: MapContext, row: TableRow, name: string): Money | undefined {
  const d = decimalOf(ctx, row, name);
  return d === undefined ? undefined : { value: d.value, currency: 'VND' };
}
