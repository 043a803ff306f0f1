// The catalogue covers every fixed code in both languages, and says for each what the
// operator does next. Expected steps follow the plain meaning of each code (DESIGN §4.5).
import { describe, expect, it } from 'vitest';
import { DeliveryCode, describe as describeCode, nextStep, OPERATOR_STEP_TEXTS, OperatorStep } from './deliveryCodes.js';

const VIETNAMESE = /[ăâđêôơưáàảãạếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]/i;

describe('delivery code catalogue', () => {
  it.each(Object.values(DeliveryCode))('%s reads in English and Vietnamese', (code) => {
    const t = describeCode(code, { httpStatus: 500, errorCode: 'ECONNRESET', detail: 'chi tiết', entryIndex: 0 });
    expect(t.message.length).toBeGreaterThan(15);
    expect(t.messageVi).toMatch(VIETNAMESE);
    expect(t.messageVi).not.toBe(t.message);
    expect(t.message).not.toContain('undefined');
  });

  it.each([
    ['DELIVERED', {}, OperatorStep.none],
    ['HTTP_503', { httpStatus: 503 }, OperatorStep.wait],
    ['HTTP_429', { httpStatus: 429 }, OperatorStep.wait],
    ['HTTP_422', { httpStatus: 422 }, OperatorStep.fixRecord],
    ['HTTP_401', { httpStatus: 401 }, OperatorStep.fixDestination],
    ['HTTP_403', { httpStatus: 403 }, OperatorStep.askStore],
    ['HTTP_407', { httpStatus: 407 }, OperatorStep.askIt],
    ['ENTRY_HTTP_409', { httpStatus: 409, entryIndex: 2 }, OperatorStep.fixRecord],
    ['ENTRY_HTTP_503', { httpStatus: 503, entryIndex: 2 }, OperatorStep.wait],
    ['ENTRY_HTTP_403', { httpStatus: 403, entryIndex: 2 }, OperatorStep.askStore],
    ['NET_ECONNRESET', { errorCode: 'ECONNRESET' }, OperatorStep.wait],
    ['NET_EHOSTUNREACH', { errorCode: 'EHOSTUNREACH' }, OperatorStep.wait],
    ['ENDPOINT_NOT_FOUND', { httpStatus: 404 }, OperatorStep.fixDestination],
    ['TIMEOUT_AFTER_SEND', {}, OperatorStep.wait],
  ] as const)('%s: the next step is %s', (code, ctx, step) => {
    expect(nextStep(code, ctx)).toEqual({ step, ...OPERATOR_STEP_TEXTS[step] });
  });

  it('reads a family code by the HTTP status it came with', () => {
    expect(describeCode('ENTRY_HTTP_503', { httpStatus: 503, entryIndex: 1 }).messageVi).toBe('Một phần hồ sơ chưa lưu được lúc này (mục 2, HTTP 503); hệ thống sẽ gửi lại hồ sơ.');
    expect(describeCode('HTTP_418', { httpStatus: 418, serverText: 'no tea' }).message).toBe('The store rejected the record (HTTP 418): no tea. Fix the data, then send it again.');
    expect(describeCode('NET_EHOSTUNREACH').message).toBe('Network problem talking to the store (NET_EHOSTUNREACH); the agent will retry automatically.');
  });

  it('has a next step in both languages for every step', () => {
    for (const t of Object.values(OPERATOR_STEP_TEXTS)) {
      expect(t.messageVi).toMatch(VIETNAMESE);
      expect(t.messageVi).not.toBe(t.message);
    }
  });
});
