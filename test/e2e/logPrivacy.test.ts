// No patient data in the operations log (DESIGN §9, STYLE habit 11, docs/security.md): a real
// agent takes in the samples, generated records, a record the store rejects with 400 (its
// answer quoting the patient), an invalid record and an HL7v2 message over MLLP; then every
// file under <dataDir>/logs is searched for every name, CCCD and insurance card number of the
// inputs, with and without Vietnamese diacritics.
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Agent } from '../../main/agent/agent.js';
import { parseConfigText } from '../../main/config/load.js';
import { closeLogger } from '../../main/log.js';
import { startLocalFhirStore, type LocalFhirStore } from '../../main/localstore/fhirStore.js';
import { generateEnvelope } from '../../tools/claimXml/generate.js';
import { encodeFrame, MllpDecoder } from '../../connectors/sources/mllp/framing.js';
import { readAck } from '../../connectors/sources/mllp/ack.js';
import { envelopeOf } from '../support/claimXml.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';
import { readSharedSample } from '../support/sharedSamples.js';


/** Known patients of the hand-made inputs. */
const PATIENTS = [
  { maLk: 'LP1', hoTen: 'TRẦN THỊ HỒNG NHUNG', soCccd: '079188004321', maTheBhyt: 'HN4790111222333' },
  { maLk: 'LP2', hoTen: 'LÊ VĂN ĐỨC', soCccd: '001099012345', maTheBhyt: 'DN4010987654321' },
  // Rejected by the ministry with a 400 that quotes the patient.
  { maLk: 'LP3', hoTen: 'PHẠM THỊ THU HƯƠNG', soCccd: '036185007777', maTheBhyt: 'GD4360246813579' },
];
/** Invalid at intake (no MA_LK), kept for review. */
const INVALID = { maLk: '', hoTen: 'ĐẶNG QUỐC BẢO', soCccd: '024077009999', maTheBhyt: 'CH4240135792468' };
/** The outpatient sample's patient (../shared/samples/README.md). */
const SAMPLE = ['NGUYEN VAN AN', '771512744463', 'AK2921794823346'];
const HL7 = { family: 'HOÀNG', given: 'MINH TUẤN', id: 'CCCD079099123456', cccd: '079099123456' };

const stripMarks = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D');

/** HO_TEN, SO_CCCD and MA_THE_BHYT of every record of a generated envelope. */
function secretsOfEnvelope(xml: string): string[] {
  const out: string[] = [];
  for (const m of xml.matchAll(/<LOAIHOSO>XML1<\/LOAIHOSO><NOIDUNGFILE>([^<]+)<\/NOIDUNGFILE>/g)) {
    const inner = Buffer.from(m[1]!, 'base64').toString('utf8');
    for (const tag of ['HO_TEN', 'SO_CCCD', 'MA_THE_BHYT']) {
      const v = new RegExp(`<${tag}>([^<]+)</${tag}>`).exec(inner)?.[1];
      if (v) out.push(...v.split(';'));
    }
  }
  return out;
}

let agent: Agent | undefined;
let fhir: LocalFhirStore | undefined;
let tmp: ReturnType<typeof tempDir> | undefined;
afterEach(async () => {
  await agent?.stop().catch(() => undefined);
  await fhir?.close();
  tmp?.cleanup();
  agent = fhir = tmp = undefined;
});

describe('operations log privacy', () => {
  it('holds no name, CCCD or card number of any input, whatever happened to the records', async () => {
    tmp = tempDir('vhr-logs-');
    fhir = await startLocalFhirStore({ bases: ['province', 'ministry'] });
    const inbox = join(tmp.path, 'inbox');
    const yaml = `
facility: { code: "94170" }
dataDir: ${JSON.stringify(tmp.path)}
logging: { level: info }
sources:
  - { id: his, type: folder, path: ${JSON.stringify(inbox)}, quietMs: 30 }
  - { id: lab, type: mllp, host: 127.0.0.1, port: 0 }
destinations:
  - { id: province, type: fhir, baseUrl: "${fhir.baseUrl('province')}", timeoutMs: 5000 }
  - { id: ministry, type: fhir, baseUrl: "${fhir.baseUrl('ministry')}", timeoutMs: 5000 }
retry: { baseDelayMs: 20, maxDelayMs: 200, jitter: 0 }
`;
    const rejection = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', diagnostics: `Bệnh nhân ${PATIENTS[2]!.hoTen} (CCCD ${PATIENTS[2]!.soCccd}, thẻ ${PATIENTS[2]!.maTheBhyt}): thẻ BHYT hết hạn` }] };
    fhir.faults('ministry').push({ status: 400, body: rejection, times: 100, method: 'POST', bodyIncludes: 'LP3' });
    agent = new Agent(parseConfigText(yaml, tmp.path));
    await agent.start();

    const drop = (name: string, body: string | Buffer) => {
      writeFileSync(join(inbox, `${name}.tmp`), body);
      renameSync(join(inbox, `${name}.tmp`), join(inbox, name));
    };
    const generated = generateEnvelope({ seed: 91, records: 3 });
    drop('sample.xml', readSharedSample('xml130', 'outpatient-visit.xml'));
    drop('generated.xml', generated);
    drop('known.xml', envelopeOf([...PATIENTS, INVALID]));

    // One HL7v2 admission over MLLP.
    const address = agent.status().sources.find((s) => s.id === 'lab')!.address!;
    const acks: string[] = [];
    const decoder = new MllpDecoder(1 << 20);
    const socket = connect({ host: '127.0.0.1', port: Number(address.split(':').pop()) });
    socket.on('data', (c) => {
      for (const e of decoder.push(c)) if (e.kind === 'frame') acks.push(e.payload.toString('utf8'));
    });
    const adt = `MSH|^~\\&|HIS|BV|VHR|BV|20260223101500||ADT^A01^ADT_A01|LOGP-1|P|2.5|||||VNM|UNICODE UTF-8\rPID|1||${HL7.id}^^^BV^MR~${HL7.cccd}^^^BCA^NI||${HL7.family}^${HL7.given}||19990115|M\rPV1|1|O`;
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(encodeFrame(adt));
    await waitFor(() => acks.length === 1, { what: 'MLLP ACK' });
    expect(readAck(acks[0]!).code).toBe('AA');
    socket.destroy();

    // 1 sample + 3 generated + 3 known + 1 HL7v2 converted; the record without MA_LK invalid.
    await waitFor(
      () => {
        const s = agent!.status();
        return s.counts.converted === 8 && s.counts.invalid === 1 && s.destinations.every((d) => d.pending === 0 && d.delivered + d.rejected === 8);
      },
      { what: 'every record settled', timeoutMs: 30_000 },
    );
    expect(agent.status().destinations.map((d) => [d.id, d.delivered, d.rejected])).toEqual([
      ['province', 8, 0],
      ['ministry', 7, 1],
    ]);
    await agent.stop();
    await closeLogger(agent.logger);
    agent = undefined;

    const secrets = [
      ...PATIENTS.flatMap((p) => [p.hoTen, p.soCccd, p.maTheBhyt]),
      INVALID.hoTen,
      INVALID.soCccd,
      INVALID.maTheBhyt,
      ...SAMPLE,
      ...secretsOfEnvelope(generated),
      `${HL7.family} ${HL7.given}`,
      HL7.given,
      HL7.id,
      HL7.cccd,
    ];
    expect(secrets.length).toBeGreaterThan(25);
    const logDir = join(tmp.path, 'logs');
    const files = readdirSync(logDir);
    expect(files.length).toBeGreaterThan(0);
    const text = files.map((f) => readFileSync(join(logDir, f), 'utf8')).join('\n');
    expect(text).toContain('record rejected by destination'); // the log did record the events…
    const haystacks = [text.toLowerCase(), stripMarks(text).toLowerCase()];
    const found = secrets.flatMap((s) => [s, stripMarks(s)]).filter((s) => haystacks.some((h) => h.includes(s.toLowerCase())));
    expect(found).toEqual([]); // …but none of the patients in them
  });
});
