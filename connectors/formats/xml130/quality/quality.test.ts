import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultProfilePack } from '../../../profile-pack/index.js';
import type { ConvertContext } from '../../types.js';
import { hosoToXml, splitEnvelope } from '../envelope/envelope.js';
import { assessClaimRecord } from './quality.js';
import { storedHosoXml, xmlElements } from '../envelope/storedForm.js';
import { sharedSamplesDir } from '../../../../test/support/sharedSamples.js';

const fixtures = sharedSamplesDir('xml130');
const ctx: ConvertContext = { facilityCode: '00000', now: new Date('2026-03-20T08:00:00Z'), profilePack: defaultProfilePack() };

async function stored(name: string): Promise<string> {
  let header = {};
  for await (const ev of splitEnvelope(createReadStream(join(fixtures, name)))) {
    if (ev.kind === 'header') header = ev.header;
    else return hosoToXml(ev.hoso, header);
  }
  throw new Error('no HOSO');
}

describe('data quality (đúng – đủ – sạch – sống)', () => {
  it('rates the samples: correct, with what is missing and what was cleaned', async () => {
    const visit = assessClaimRecord(await stored('outpatient-visit.xml'), ctx).quality;
    expect(visit.correct).toBe(true);
    expect(visit.sufficient.missing).toEqual([]);
    expect(visit.clean.normalisations).toEqual([{ field: 'XML4[1]/KET_LUAN', rule: 'zero-width-removed' }]);
    expect(visit.alive).toEqual({ encounterEnd: '2026-02-23T17:25:00+07:00', hoursAfterEncounter: 598 });

    const bom = assessClaimRecord(await stored('inpatient-bom-cdata-xml5.xml'), ctx).quality;
    expect(bom.sufficient.missing).toEqual(['XML1/SO_CCCD']);
    expect(bom.clean.normalisations).toContainEqual({ field: 'XML2[1]/T_BNCCT', rule: 'decimal-comma', from: '518,4', to: '518.4' });

    const delivery = assessClaimRecord(await stored('inpatient-delivery.xml'), ctx).quality;
    expect(delivery.sufficient.missing).toEqual(['XML1/MA_BENH_CHINH']);
    expect(delivery.clean.normalisations).toContainEqual({ field: 'XML2[23]/HAM_LUONG', rule: 'sentinel-as-absent', from: 'null' });
    expect(delivery.clean.warnings).toBe(2);
  });

  it('reports a record that cannot be converted as not correct, with the reason', () => {
    const { quality } = assessClaimRecord(storedHosoXml([['XML1', '<TONG_HOP><HO_TEN>A</HO_TEN></TONG_HOP>']]), ctx);
    expect(quality).toMatchObject({ correct: false, errors: ['MA_LK_MISSING: XML1 has no MA_LK (the episode key)'] });
  });

  it('counts a malformed citizen id and a sentinel phone as missing and cleaned', () => {
    const xml1 = `<TONG_HOP>${xmlElements({ MA_LK: 'Q1', MA_BN: 'B', SO_CCCD: '1', DIEN_THOAI: 'null', MA_LOAI_KCB: '1', MA_CSKCB: '94170' })}</TONG_HOP>`;
    const { quality } = assessClaimRecord(storedHosoXml([['XML1', xml1]]), ctx);
    expect(quality.correct).toBe(true);
    expect(quality.sufficient.missing).toContain('XML1/SO_CCCD');
    expect(quality.clean.normalisations).toEqual([
      { field: 'XML1/DIEN_THOAI', rule: 'sentinel-as-absent', from: 'null' },
      { field: 'XML1/MA_LOAI_KCB', rule: 'code-leading-zero', from: '1', to: '01' },
    ]);
  });
});
