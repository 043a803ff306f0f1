// RF1 (+PRD) → ServiceRequest for a referral ("chuyển tuyến", REF^I12/I14): who refers, to
// whom, why, when it is valid. RF1-6 (the referral's own id) is the referral paper number:
// its system is the facility's giay-chuyen-tuyen namespace in the VN Core pack.
import type { ServiceRequest } from '@medplum/fhirtypes';
import type { Conversion } from '../context.js';
import { compact, toPersonReference, type Ref } from '../datatypes.js';
import type { Seg } from '../reader.js';
import { notesAfter } from './results.js';

/** RF1-1 referral status (HL7 table 0283). */
const STATUS: Record<string, ServiceRequest['status']> = { A: 'active', P: 'draft', R: 'revoked', E: 'completed' };
/** RF1-2 referral priority (HL7 table 0280). */
const PRIORITY: Record<string, ServiceRequest['priority']> = { S: 'stat', A: 'asap', R: 'routine' };

export function mapReferral(conv: Conversion, rf1: Seg): Ref | undefined {
  if (!conv.patient) return undefined;
  const referralId = rf1.get(6);
  const externalId = rf1.get(11);
  const key = referralId || externalId || `${conv.header.controlId}#${rf1.position}`;
  const providers = conv.reader.all('PRD');
  // PRD-1 provider role (table 0286): RP referring, RT referred to, CP consulting, PP primary care.
  const byRole = (roles: string[]) =>
    providers
      .filter((prd) => prd.reps(1).some((r) => roles.includes(r.c(1).toUpperCase())))
      .map((prd) => toPersonReference(prd.rep(7)) ?? (prd.get(2) ? { display: [prd.get(2, 1), prd.get(2, 2)].filter(Boolean).join(' ') } : undefined))
      .filter((r): r is Ref => r !== undefined);
  const type = rf1.rep(3);
  const disposition = rf1.rep(4);
  const category = rf1.rep(5);
  const request: ServiceRequest = {
    resourceType: 'ServiceRequest',
    id: conv.id('ServiceRequest', 'referral', key),
    identifier: [
      referralId ? compact({ system: conv.ids.systemOf('giayChuyenTuyen'), value: referralId, assigner: rf1.get(6, 2) ? { display: rf1.get(6, 2) } : undefined }) : undefined,
      externalId ? compact({ value: externalId, assigner: rf1.get(11, 2) ? { display: rf1.get(11, 2) } : undefined }) : undefined,
    ].filter((i) => i !== undefined),
    status: STATUS[rf1.get(1).toUpperCase()] ?? 'unknown',
    intent: 'order',
    category: [
      { coding: [{ system: 'http://snomed.info/sct', code: '3457005', display: 'Patient referral' }] },
      type.empty ? undefined : conv.concept(type, 'RF1-3'),
      category.empty ? undefined : conv.concept(category, 'RF1-5'),
    ].filter((c) => c !== undefined),
    priority: PRIORITY[rf1.get(2).toUpperCase()],
    code: disposition.empty ? undefined : conv.concept(disposition, 'RF1-4'),
    subject: conv.patient,
    encounter: conv.encounter,
    authoredOn: conv.dateTime(rf1.get(9) || rf1.get(7), rf1.get(9) ? 'RF1-9' : 'RF1-7'),
    occurrencePeriod: rf1.get(7) || rf1.get(8) ? compact({ start: conv.dateTime(rf1.get(7), 'RF1-7'), end: conv.dateTime(rf1.get(8), 'RF1-8') }) : undefined,
    requester: byRole(['RP', 'PP'])[0] ?? toPersonReference(rf1.rep(19)),
    performer: byRole(['RT', 'CP']),
    reasonCode: [
      ...rf1.reps(10).map((r) => conv.concept(r, 'RF1-10')),
      ...conv.reader.all('DG1').map((dg1) => conv.concept(dg1.rep(3), 'DG1-3')),
    ].filter((c) => c !== undefined),
    note: [...notesAfter(conv, rf1), ...(rf1.get(18) ? [{ text: rf1.get(18) }] : []), ...(rf1.get(21) ? [{ text: rf1.get(21) }] : [])],
  };
  return conv.add(compact(request));
}
