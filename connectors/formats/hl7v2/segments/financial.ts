// FT1 (financial transaction) → ChargeItem (DFT^P03, DFT^P11, BAR). The charge is kept as
// what was done and billed (code, quantity, amount, dates, performer, diagnoses); the
// settlement itself belongs to the claim XML path (DESIGN §4).
import type { ChargeItem, Money } from '@medplum/fhirtypes';
import type { Conversion } from '../context.js';
import { compact, toNumber, toPersonReference } from '../datatypes.js';
import type { Seg } from '../reader.js';

const TRANSACTION_STATUS: Record<string, ChargeItem['status']> = { CG: 'billable', CD: 'not-billable' };

function currencyOf(code: string): Money['currency'] {
  return /^[A-Z]{3}$/.test(code) ? (code as Money['currency']) : undefined;
}

export function mapCharges(conv: Conversion, ft1s: readonly Seg[]): void {
  if (!conv.patient) return;
  for (const ft1 of ft1s) {
    const code = conv.concept(ft1.rep(7), 'FT1-7') ?? conv.concept(ft1.rep(25), 'FT1-25');
    if (!code) {
      conv.warn('HL7V2_CHARGE_WITHOUT_CODE', `FT1[${ft1.position}]-7`, 'FT1 without a transaction code: no ChargeItem made');
      continue;
    }
    const key = ft1.get(2) ? `${ft1.get(2)}|${ft1.get(1)}` : `${conv.header.controlId}#${ft1.position}`;
    const quantity = toNumber(ft1.get(10));
    const amount = toNumber(ft1.get(11, 1, 1));
    const start = ft1.get(4, 1);
    const end = ft1.get(4, 2);
    const service = ft1.rep(25);
    const product = ft1.rep(29);
    const charge: ChargeItem = {
      resourceType: 'ChargeItem',
      id: conv.id('ChargeItem', conv.encounter?.reference ?? conv.patient.reference!, key),
      identifier: ft1.get(2) ? [{ value: ft1.get(2) }] : undefined,
      // FT1-6 transaction type (table 0017): CG charge, CD credit (not billable), others unknown.
      status: TRANSACTION_STATUS[ft1.get(6).toUpperCase()] ?? 'unknown',
      code,
      subject: conv.patient,
      context: conv.encounter,
      occurrenceDateTime: end ? undefined : conv.dateTime(start, 'FT1-4'),
      occurrencePeriod: end ? compact({ start: conv.dateTime(start, 'FT1-4'), end: conv.dateTime(end, 'FT1-4') }) : undefined,
      enteredDate: conv.dateTime(ft1.get(5), 'FT1-5'),
      quantity: quantity !== undefined ? { value: quantity } : undefined,
      priceOverride: amount !== undefined ? compact({ value: amount, currency: currencyOf(ft1.get(11, 1, 2)) }) : undefined,
      performer: [...ft1.reps(20), ...ft1.reps(21)]
        .map(toPersonReference)
        .filter((p) => p !== undefined)
        .map((actor) => ({ actor })),
      reason: ft1.reps(19).map((r) => conv.concept(r, 'FT1-19')).filter((c) => c !== undefined),
      productCodeableConcept: product.empty ? undefined : conv.concept(product, 'FT1-29'),
      note: [
        ft1.get(13) ? { text: `department: ${[ft1.get(13), ft1.get(13, 2)].filter(Boolean).join(' ')}` } : undefined,
        !service.empty && ft1.get(7) ? { text: `procedure: ${[service.c(1), service.c(2)].filter(Boolean).join(' ')}` } : undefined,
      ].filter((n) => n !== undefined),
    };
    conv.add(compact(charge));
  }
}
