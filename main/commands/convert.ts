// `vhr-agent convert [--format auto|xml130|hl7v2] FILE...` (DESIGN §10): one FHIR Bundle per
// record as NDJSON on stdout; one JSON line per rejected record on stderr
// ({"file","record","code","message"}); exit 0 when every record converted, else 1.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { splitEnvelope, hosoToXml, EnvelopeError } from '../../connectors/formats/xml130/envelope/envelope.js';
import { convertClaimRecord } from '../../connectors/formats/xml130/convert.js';
import { convertHl7v2Message } from '../../connectors/formats/hl7v2/convert.js';
import { splitHl7File } from '../../connectors/sources/mllp/fileMessages.js';
import { sniffFileFormat } from '../../connectors/sources/folder/sniff.js';
import { defaultProfilePack } from '../../connectors/profile-pack/index.js';
import type { ConvertContext, ConvertOutcome } from '../../connectors/formats/types.js';
import { defineCommand, UsageError } from './command.js';

export type InputFormat = 'auto' | 'xml130' | 'hl7v2';

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

const FORMATS: readonly InputFormat[] = ['auto', 'xml130', 'hl7v2'];

export const command = defineCommand({
  name: 'convert',
  summary: 'one FHIR Bundle per record as NDJSON on stdout',
  usage: '[--format auto|xml130|hl7v2] FILE...',
  options: {
    format: { type: 'string', value: 'auto|xml130|hl7v2', description: 'what the files hold (default auto: told by content)' },
    facility: { type: 'string', value: 'MA_CSKCB', description: 'facility code for records that do not carry one' },
  },
  details: 'One JSON line per rejected record on stderr ({"file","record","code","message"}).\nExit 0 when every record converted, 1 when some were rejected, 2 on bad usage.',
  run: ({ values, positionals }) => {
    const format = values.format ?? 'auto';
    if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be auto, xml130 or hl7v2, got ${format}`);
    if (positionals.length === 0) throw new UsageError('convert needs at least one FILE');
    return convertFiles(positionals, { format: format as InputFormat, facilityCode: values.facility });
  },
});
