// Tables 13 and 14 repeat XML1's patient and visit elements. They are read to check that
// they agree with XML1 (a disagreement is a warning: the record mixes two episodes or the
// HIS exported stale data), not mapped a second time.
import { Xml130WarningCode, type MapContext } from './context.js';
import { birthDate, padCode, patientCategoryCode, splitList } from './datatypes.js';
import type { TableRow } from './row.js';

/** How two writings of an element are compared: birth dates by value, codes without leading zeros, lists by items. */
const COMPARE: Readonly<Record<string, (v: string) => string>> = {
  NGAY_SINH: (v) => {
    const b = birthDate(v);
    return b.ok ? b.value.date : v;
  },
  MA_DOITUONG_KCB: patientCategoryCode,
  MA_LOAI_KCB: (v) => padCode(v, 2),
  MA_THE_BHYT: (v) => splitList(v).join(';'),
  GT_THE_DEN: (v) => splitList(v).slice(-1).join(''),
  MA_BENH_KT: (v) => splitList(v).join(';'),
};

export function crossCheckWithXml1(ctx: MapContext, row: TableRow, xml1: TableRow, names: readonly string[]): void {
  for (const name of names) {
    const here = row.get(name);
    const there = xml1.peek(name);
    if (here === undefined || there === undefined) continue;
    const norm = COMPARE[name] ?? ((v: string) => v.replace(/\s+/g, ' ').trim().toUpperCase());
    let left = norm(here);
    let right = norm(there);
    if (name === 'MA_THE_BHYT') {
      // The paper may name only the current card.
      left = splitList(here).slice(-1).join('');
      right = splitList(there).slice(-1).join('');
    }
    if (left !== right) ctx.warn(Xml130WarningCode.inconsistent, row.field(name), `${name} differs from XML1`);
  }
}
