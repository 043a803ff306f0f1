// `vhr-agent convert [--format auto|xml130|hl7v2] [--report] FILE...` (DESIGN §10): one FHIR
// Bundle per record as NDJSON on stdout; one JSON line per rejected record on stderr
// ({"file","record","code","message"}); exit 0 when every record converted, else 1.
// --report (additive) also writes, for each converted record, one JSON line on stderr
// ({"file","record","naturalKey","warnings","notMapped"}): what the conversion warned about
// and which input segments/fields it left unmapped. Rejection lines keep their shape; report
// lines are told apart by having no "code".
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { splitEnvelope, hosoToXml, EnvelopeError } from '../../connectors/formats/xml130/envelope.js';
import { convertClaimRecord } from '../../connectors/formats/xml130/convert.js';
import { convertHl7v2Message } from '../../connectors/formats/hl7v2/convert.js';
import { splitHl7File } from '../../connectors/sources/mllp/fileMessages.js';
import { sniffFileFormat } from '../../connectors/sources/folder/sniff.js';
import { defaultProfilePack } from '../../connectors/profile-pack/index.js';
import type { ConvertContext, ConvertOutcome } from '../../connectors/formats/types.js';

export type InputFormat = 'auto' | 'xml130' | 'hl7v2';

interface Rejection {
  file: string;
  record: number | null;
  code: string;
  message: string;
}

/** Per-record report line of `convert --report`. */
export interface RecordReport {
  file: string;
  record: number;
  naturalKey: string;
  warnings: Array<{ code: string; field: string; message: string }>;
  notMapped: string[];
}

export async function convertFiles(files: string[], opts: { format: InputFormat; facilityCode?: string; report?: boolean }): Promise<number> {
  const profilePack = defaultProfilePack();
  let rejected = 0;
  const out = (line: string) => process.stdout.write(line + '\n');
  const reject = (r: Rejection) => {
    rejected++;
    process.stderr.write(JSON.stringify(r) + '\n');
  };
  const emit = (file: string, record: number, outcome: ConvertOutcome) => {
    if (outcome.ok) {
      out(JSON.stringify(outcome.bundle));
      if (opts.report) {
        const line: RecordReport = { file, record, naturalKey: outcome.naturalKey, warnings: outcome.warnings, notMapped: outcome.notMapped };
        process.stderr.write(JSON.stringify(line) + '\n');
      }
    } else reject({ file, record, code: outcome.code, message: outcome.message });
  };

  for (const file of files) {
    let format: 'xml130' | 'hl7v2' | null;
    try {
      format = opts.format === 'auto' ? await sniffFileFormat(file) : opts.format;
    } catch (err) {
      reject({ file, record: null, code: 'FILE_UNREADABLE', message: `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
      continue;
    }
    if (!format) {
      reject({ file, record: null, code: 'FORMAT_UNKNOWN', message: 'neither claim XML nor HL7v2 (use --format to say which)' });
      continue;
    }
    const ctx = (facility?: string): ConvertContext => ({ facilityCode: opts.facilityCode ?? facility ?? '00000', now: new Date(), profilePack });
    if (format === 'xml130') {
      let header: { maCskcb?: string } = {};
      let record = 0;
      try {
        for await (const ev of splitEnvelope(createReadStream(file))) {
          if (ev.kind === 'header') header = ev.header;
          else {
            record = ev.hoso.index + 1;
            emit(file, record, convertClaimRecord(hosoToXml(ev.hoso, header), ctx(header.maCskcb)));
          }
        }
      } catch (err) {
        if (!(err instanceof EnvelopeError)) throw err;
        const where = err.line ? ` (line ${err.line})` : '';
        reject({ file, record: null, code: err.code, message: `${err.message}${where}; ${record} record(s) before it were read` });
      }
    } else {
      splitHl7File(await readFile(file)).forEach((m, i) => emit(file, i + 1, convertHl7v2Message(m, ctx())));
    }
  }
  return rejected === 0 ? 0 : 1;
}
