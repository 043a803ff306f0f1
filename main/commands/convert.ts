// `vhr-agent convert [--format auto|xml130|hl7v2] FILE...` (DESIGN §10): one FHIR Bundle per
// record as NDJSON on stdout; one JSON line per rejected record on stderr
// ({"file","record","code","message"}); exit 0 when every record converted, else 1.
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { splitEnvelope, hosoToXml, EnvelopeError } from '../../connectors/formats/xml130/envelope.js';
import { convertClaimRecord } from '../../connectors/formats/xml130/convert.js';
import { convertHl7v2Message } from '../../connectors/formats/hl7v2/convert.js';
import { splitHl7Messages } from '../../connectors/sources/folder/hl7File.js';
import { defaultProfilePack } from '../../connectors/profile-pack/index.js';
import type { ConvertContext, ConvertOutcome } from '../../connectors/formats/types.js';

export type InputFormat = 'auto' | 'xml130' | 'hl7v2';

/** Claim XML starts with `<` (after a BOM and blanks); HL7v2 with MSH (or a batch header). */
export async function sniffFormat(path: string): Promise<'xml130' | 'hl7v2' | null> {
  const fh = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(512), 0, 512, 0);
    const head = buffer.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '').trimStart();
    if (head.startsWith('<')) return 'xml130';
    if (/^(MSH|FHS|BHS)/.test(head)) return 'hl7v2';
    return null;
  } finally {
    await fh.close();
  }
}

interface Rejection {
  file: string;
  record: number | null;
  code: string;
  message: string;
}

export async function convertFiles(files: string[], opts: { format: InputFormat; facilityCode?: string }): Promise<number> {
  const profilePack = defaultProfilePack();
  let rejected = 0;
  const out = (line: string) => process.stdout.write(line + '\n');
  const reject = (r: Rejection) => {
    rejected++;
    process.stderr.write(JSON.stringify(r) + '\n');
  };
  const emit = (file: string, record: number, outcome: ConvertOutcome) => {
    if (outcome.ok) out(JSON.stringify(outcome.bundle));
    else reject({ file, record, code: outcome.code, message: outcome.message });
  };

  for (const file of files) {
    let format: 'xml130' | 'hl7v2' | null;
    try {
      format = opts.format === 'auto' ? await sniffFormat(file) : opts.format;
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
      const text = (await readFile(file)).toString('utf8');
      splitHl7Messages(text).forEach((m, i) => emit(file, i + 1, convertHl7v2Message(Buffer.from(m, 'utf8'), ctx())));
    }
  }
  return rejected === 0 ? 0 : 1;
}
