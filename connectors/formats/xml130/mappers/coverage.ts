// XML1 MA_THE_BHYT (4210: MA_THE), MA_DKBD, GT_THE_TU, GT_THE_DEN → Coverage (vn-core-coverage),
// one per card: when the card changed during the stay these are `;` lists aligned by
// position (standards/XML130.md §4).
import type { Coverage, Extension } from '@medplum/fhirtypes';
import { resourceId } from '../../../fhir/ids.js';
import { Xml130WarningCode, type MapContext } from './context.js';
import { claimDate, splitList } from './datatypes.js';
import { BHYT_LEGACY_CARD, BHYT_PAYER_DISPLAY } from './mappingTables.js';
import type { TableRow } from './row.js';

export function buildCoverages(ctx: MapContext, row: TableRow): Coverage[] {
  const { pack } = ctx;
  const cards = splitList(row.get('MA_THE_BHYT'));
  // Without a card, the card's other elements have nothing to attach to: left unconsumed, they are reported.
  if (cards.length === 0) return [];
  const dkbd = splitList(row.get('MA_DKBD'));
  const from = splitList(row.get('GT_THE_TU'));
  const to = splitList(row.get('GT_THE_DEN'));
  const mienCct = row.get('NGAY_MIEN_CCT');
  const khuVuc = row.get('MA_KHUVUC');
  const namNam = row.get('NAM_NAM_LIEN_TUC');
  if (cards.length > 1 && (from.length !== cards.length || to.length !== cards.length)) {
    ctx.warn(Xml130WarningCode.inconsistent, row.field('MA_THE_BHYT'), `${cards.length} cards but ${from.length} GT_THE_TU and ${to.length} GT_THE_DEN values; periods matched by position`);
  }
  return cards.map((card, i) => {
    const coverage: Coverage = {
      resourceType: 'Coverage',
      // Scoped by the sending facility: two facilities that send the same card keep a Coverage each.
      id: resourceId('Coverage', ctx.keys.maCskcb, card),
      meta: pack.meta('Coverage'),
      status: 'active',
      beneficiary: ctx.patientRef(),
      payor: [{ display: BHYT_PAYER_DISPLAY }],
    };
    const extension: Extension[] = [];
    const prefix = BHYT_LEGACY_CARD.test(card) ? card.slice(0, 2) : undefined;
    if (prefix) extension.push({ url: pack.ext('bhytCardType'), valueCoding: pack.coding('bhytCardType', prefix) });
    if (dkbd[i]) extension.push({ url: pack.ext('primaryCareFacility'), valueReference: ctx.otherFacilityRef(dkbd[i]) });
    const current = i === cards.length - 1;
    if (current && khuVuc) extension.push({ url: pack.ext('bhytLivingArea'), valueCoding: pack.coding('livingArea', khuVuc) });
    if (current && namNam) {
      const d = claimDate(namNam);
      if (d.ok) extension.push({ url: pack.ext('bhytFiveYearsContinuous'), valueDate: d.value });
      else ctx.warn(Xml130WarningCode.invalidValue, row.field('NAM_NAM_LIEN_TUC'), d.reason);
    }
    if (mienCct && current) {
      const d = claimDate(mienCct);
      if (d.ok) extension.push({ url: pack.ext('coverageCumulativeCopay'), valueDate: d.value });
      else ctx.warn(Xml130WarningCode.invalidValue, row.field('NGAY_MIEN_CCT'), d.reason);
    }
    if (extension.length) coverage.extension = extension;
    coverage.identifier = [pack.identifier('bhyt', card)];
    coverage.subscriberId = card;
    const start = periodDate(ctx, row, 'GT_THE_TU', from[i]);
    const end = periodDate(ctx, row, 'GT_THE_DEN', to[i]);
    if (start || end) {
      coverage.period = {};
      if (start) coverage.period.start = start;
      if (end && (!start || end >= start)) coverage.period.end = end;
      else if (end) ctx.warn(Xml130WarningCode.inconsistent, row.field('GT_THE_DEN'), 'card valid-to date is before its valid-from date; end not sent');
    }
    return reorder(coverage);
  });
}

function periodDate(ctx: MapContext, row: TableRow, name: string, raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const d = claimDate(raw);
  if (d.ok) return d.value;
  ctx.warn(Xml130WarningCode.invalidValue, row.field(name), d.reason);
  return undefined;
}

/** Element order as in the FHIR definition, so that stored and golden JSON read naturally. */
function reorder(c: Coverage): Coverage {
  const { resourceType, id, meta, extension, identifier, status, subscriberId, beneficiary, period, payor, ...rest } = c;
  return { resourceType, id, meta, extension, identifier, status, subscriberId, beneficiary, period, payor, ...rest };
}
