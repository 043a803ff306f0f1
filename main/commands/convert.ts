// `vhr-agent convert [--format auto|xml130|hl7v2] [--report] FILE...` (DESIGN §10): one FHIR
// Bundle per record as NDJSON on stdout; one JSON line per rejected record on stderr
// ({"file","record","code","message"}); exit 0 when every record converted, else 1.
// Records convert in parallel on the conversion engine (main/engine); output keeps input order.
// --report (additive) also writes, for each converted record, one JSON line on stderr
// ({"file","record","naturalKey","warnings","notMapped"}): what the conversion warned about
// and which input segments/fields it left unmapped. Rejection lines keep their shape; report
// lines are told apart by having no "code".
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { contentPieces, splitEnvelope, splitHoso, EnvelopeError, type EnvelopeHeader, type HosoRecord } from '../../connectors/formats/xml130/envelope/envelope.js';
import { ConvertErrorCode, recordTooLargeMessage } from '../engine/errorCodes.js';
import { splitHl7File } from '../../connectors/sources/mllp/fileMessages.js';
import { sniffFileFormat } from '../../connectors/sources/folder/sniff.js';
import { defaultProfilePack } from '../../connectors/profile-pack/index.js';
import { ConversionEngine, type EngineResult } from '../engine/pool.js';
import type { EngineInput } from '../engine/recordResult.js';
import { mapInOrder } from '../engine/inOrder.js';
import { defineCommand, UsageError } from './command.js';
// The agent's default (conversion.maxRecordMiB): a bigger record needs about 25× its size in memory.
import { DEFAULT_MAX_RECORD_MIB } from '../config/definition.js';

export type InputFormat = 'auto' | 'xml130' | 'hl7v2';

interface Rejection {
  file: string;
  record: number | null;
  code: string;
  message: string;
}

/** One record read from a file, numbered from 1 within it. */
interface FileRecord {
  record: number;
  raw: EngineInput;
  facilityCode: string;
}

/** Per-record report line of `convert --report`. */
export interface RecordReport {
  file: string;
  record: number;
  naturalKey: string;
  warnings: Array<{ code: string; field: string; message: string }>;
  notMapped: string[];
}

/** Records converting at once per thread: enough that no thread waits for the reader. */
const IN_FLIGHT_PER_THREAD = 4;

/** Characters of a split record's tables: its size, near enough, without joining large tables. */
function hosoChars(hoso: Pick<HosoRecord, 'files'>): number {
  let n = 0;
  for (const f of hoso.files) for (const piece of contentPieces(f)) n += piece.length;
  return n;
}

export async function convertFiles(
  files: string[],
  opts: { format: InputFormat; facilityCode?: string; threads?: number; report?: boolean; maxRecordMiB?: number },
): Promise<number> {
  const maxRecordBytes = (opts.maxRecordMiB ?? DEFAULT_MAX_RECORD_MIB) * 1024 * 1024;
  // The main thread here only splits files and writes lines, so every core converts.
  const engine = new ConversionEngine({ threads: opts.threads ?? availableParallelism(), profilePack: defaultProfilePack(), validates: false });
  let rejected = 0;
  const reject = (r: Rejection) => {
    rejected++;
    process.stderr.write(JSON.stringify(r) + '\n');
  };
  const emit = async (file: string, record: number, result: EngineResult) => {
    if (!result.ok) return reject({ file, record, code: result.code, message: result.message });
    process.stdout.write(result.bundle);
    if (opts.report) {
      const issues = JSON.parse(result.issuesJson) as { warnings: RecordReport['warnings']; notMapped: string[] };
      const line: RecordReport = { file, record, naturalKey: result.naturalKey, warnings: issues.warnings, notMapped: issues.notMapped };
      process.stderr.write(JSON.stringify(line) + '\n');
    }
    // Wait for a slow reader of stdout instead of holding every bundle in memory.
    if (!process.stdout.write('\n')) await new Promise((r) => process.stdout.once('drain', r));
  };
  const convertAll = async (file: string, format: 'xml130' | 'hl7v2', records: AsyncIterable<FileRecord> | Iterable<FileRecord>) => {
    const convert = (r: FileRecord) => {
      const job = { format, raw: r.raw, facilityCode: r.facilityCode, now: new Date(), validate: false };
      // The thread has its own copy now: do not hold the content of every record in flight.
      r.raw = '';
      return engine.convert(job);
    };
    for await (const { item, result } of mapInOrder(records, convert, engine.threads * IN_FLIGHT_PER_THREAD)) await emit(file, item.record, result);
  };

  try {
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
      if (format === 'xml130') {
        let read = 0;
        async function* claimRecords(): AsyncGenerator<FileRecord> {
          let header: EnvelopeHeader = {};
          for await (const ev of splitEnvelope(createReadStream(file))) {
            if (ev.kind === 'header') header = ev.header;
            else {
              read = ev.hoso.index + 1;
              const size = hosoChars(ev.hoso);
              if (size > maxRecordBytes) {
                reject({ file, record: read, code: ConvertErrorCode.tooLarge, message: recordTooLargeMessage(size, maxRecordBytes) });
                continue;
              }
              // Handed over as split: the thread reads the tables without the record written out as text and parsed back.
              yield { record: read, raw: splitHoso(ev.hoso, header), facilityCode: opts.facilityCode ?? header.maCskcb ?? '00000' };
            }
          }
        }
        try {
          await convertAll(file, format, claimRecords());
        } catch (err) {
          if (!(err instanceof EnvelopeError)) throw err;
          const where = err.line ? ` (line ${err.line})` : '';
          reject({ file, record: null, code: err.code, message: `${err.message}${where}; ${read} record(s) before it were read` });
        }
      } else {
        const messages = splitHl7File(await readFile(file)).map((raw, i) => ({ record: i + 1, raw, facilityCode: opts.facilityCode ?? '00000' }));
        const fitting = messages.filter((m) => {
          if (m.raw.length <= maxRecordBytes) return true;
          reject({ file, record: m.record, code: ConvertErrorCode.tooLarge, message: recordTooLargeMessage(m.raw.length, maxRecordBytes) });
          return false;
        });
        await convertAll(file, format, fitting);
      }
    }
  } finally {
    await engine.close();
  }
  return rejected === 0 ? 0 : 1;
}

const FORMATS: readonly InputFormat[] = ['auto', 'xml130', 'hl7v2'];

export const command = defineCommand({
  name: 'convert',
  summary: 'one FHIR Bundle per record as NDJSON on stdout',
  usage: '[--format auto|xml130|hl7v2] [--report] FILE...',
  options: {
    report: { type: 'boolean', description: 'also one JSON line per converted record on stderr: its warnings and the input fields left unmapped' },
    format: { type: 'string', value: 'auto|xml130|hl7v2', description: 'what the files hold (default auto: told by content)' },
    facility: { type: 'string', value: 'MA_CSKCB', description: 'facility code for records that do not carry one' },
    'max-record-mib': { type: 'string', value: 'MiB', description: `records larger than this are rejected, not converted (default ${DEFAULT_MAX_RECORD_MIB}, as the agent; converting takes about 25× a record's size in memory)` },
  },
  details: 'One JSON line per rejected record on stderr ({"file","record","code","message"}); with --report also {"file","record","naturalKey","warnings","notMapped"} per converted record.\nExit 0 when every record converted, 1 when some were rejected, 2 on bad usage.',
  run: ({ values, positionals }) => {
    const format = values.format ?? 'auto';
    if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be auto, xml130 or hl7v2, got ${format}`);
    if (positionals.length === 0) throw new UsageError('convert needs at least one FILE');
    const maxRecordMiB = values['max-record-mib'] === undefined ? undefined : Number(values['max-record-mib']);
    if (maxRecordMiB !== undefined && !(maxRecordMiB >= 1)) throw new UsageError(`--max-record-mib must be a number of MiB, at least 1, got ${values['max-record-mib']}`);
    return convertFiles(positionals, { format: format as InputFormat, facilityCode: values.facility, report: values.report === true, maxRecordMiB });
  },
});
