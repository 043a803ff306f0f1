// `vhr-agent check [--format auto|xml130] FILE...` (DESIGN §10): pre-submission checks of claim
// XML. One JSON finding a line on stdout: {"file","record","maLk","rule","severity","table",
// "row","field","message"} (plus "messageEn", and "expected" for amounts); never a personal
// value. Exit 0 when no finding is an error, 1 when some are, 2 on bad usage. Streams every
// file through the envelope reader, one record in memory at a time (speed: bench/check.ts).
import { createReadStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { defineCommand, UsageError } from './command.js';
import { EnvelopeError, splitEnvelope } from '../../connectors/formats/xml130/envelope/envelope.js';
import { checkClaimRecord } from '../../connectors/formats/xml130/checks/engine.js';
import type { Finding, Severity } from '../../connectors/formats/xml130/checks/findings.js';
import { sniffFileFormat } from '../../connectors/sources/folder/sniff.js';

export interface CheckLine {
  file: string;
  /** 1-based HOSO position in the file; null for a finding about the file itself. */
  record: number | null;
  maLk: string | null;
  rule: string;
  severity: Severity;
  table: string | null;
  row: number | null;
  field: string | null;
  message: string;
  messageEn: string;
  expected?: string;
}

/** Findings about a file as a whole (it cannot be read as claim XML): not rules of a record. */
export const FILE_RULES = {
  unreadable: { rule: 'FILE.UNREADABLE', vi: 'Không đọc được tệp', en: 'The file cannot be read' },
  notClaimXml: { rule: 'FILE.NOT_CLAIM_XML', vi: 'Tệp không phải XML giám định BHYT (GIAMDINHHS)', en: 'The file is not claim XML (GIAMDINHHS)' },
  envelope: { rule: 'FILE.ENVELOPE_BROKEN', vi: 'Tệp XML hỏng, các hồ sơ sau chỗ hỏng không được kiểm tra', en: 'The claim XML is damaged; records after the damage were not checked' },
} as const;

/** Checks every record of `files`, calling `emit` per finding; resolves to the exit code. */
export async function checkFiles(files: readonly string[], format: 'auto' | 'xml130', emit: (line: CheckLine) => void): Promise<0 | 1> {
  let errors = 0;
  const out = (line: CheckLine) => {
    if (line.severity === 'error') errors++;
    emit(line);
  };
  const fileFinding = (file: string, kind: keyof typeof FILE_RULES, detail: string, record: number | null = null) => {
    const r = FILE_RULES[kind];
    out({ file, record, maLk: null, rule: r.rule, severity: 'error', table: null, row: null, field: null, message: `${r.vi}: ${detail}`, messageEn: `${r.en}: ${detail}` });
  };
  for (const file of files) {
    if (format === 'auto') {
      let sniffed: string | null;
      try {
        sniffed = await sniffFileFormat(file);
      } catch (err) {
        fileFinding(file, 'unreadable', (err as NodeJS.ErrnoException).code ?? (err as Error).message);
        continue;
      }
      if (sniffed !== 'xml130') {
        fileFinding(file, 'notClaimXml', sniffed ?? 'unknown');
        continue;
      }
    }
    let record = 0;
    try {
      for await (const ev of splitEnvelope(createReadStream(file))) {
        if (ev.kind !== 'hoso') continue;
        record = ev.hoso.index + 1;
        const result = checkClaimRecord(ev.hoso.files);
        for (const f of result.findings) out(line(file, record, result.maLk, f));
      }
    } catch (err) {
      if (err instanceof EnvelopeError) fileFinding(file, 'envelope', `${err.code}${err.line ? ` (line ${err.line})` : ''}`, record + 1);
      else if ((err as NodeJS.ErrnoException).code) fileFinding(file, 'unreadable', (err as NodeJS.ErrnoException).code!);
      else throw err;
    }
  }
  return errors > 0 ? 1 : 0;
}

function line(file: string, record: number, maLk: string | null, f: Finding): CheckLine {
  return {
    file,
    record,
    maLk,
    rule: f.rule,
    severity: f.severity,
    table: f.table,
    row: f.row,
    field: f.field,
    message: f.message,
    messageEn: f.messageEn,
    ...(f.expected !== undefined ? { expected: f.expected } : {}),
  };
}

export const command = defineCommand({
  name: 'check',
  summary: 'pre-submission checks of claim XML: one JSON finding a line',
  usage: '[--format auto|xml130] FILE...',
  options: {
    format: { type: 'string', value: 'auto|xml130', description: 'what the files hold (default auto: told by content)' },
  },
  details:
    'One JSON line per finding on stdout: {"file","record","maLk","rule","severity","table","row","field","message"}.\n' +
    'Never a name or other personal value. Exit 0 when no finding is an error, 1 when some are, 2 on bad usage.',
  run: ({ values, positionals }) => checkWith(values, positionals, process.stdout),
});

/** The command's one path: its arguments checked, findings as NDJSON on `stdout`. */
function checkWith(values: { format?: string }, positionals: readonly string[], stdout: NodeJS.WritableStream): Promise<0 | 1> {
  const format = values.format ?? 'auto';
  if (format !== 'auto' && format !== 'xml130') throw new UsageError(`--format must be auto or xml130, got ${format}`);
  if (positionals.length === 0) throw new UsageError('check needs at least one FILE');
  return checkFiles(positionals, format, (l) => stdout.write(`${JSON.stringify(l)}\n`));
}

/** The command with its own streams (tests): arguments after `check`; exit 2 on bad usage, as from the CLI. */
export async function runCheck(argv: string[], stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr): Promise<number> {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { format: { type: 'string' } }, allowPositionals: true, strict: true });
    return await checkWith(values, positionals, stdout);
  } catch (err) {
    const parseProblem = typeof (err as { code?: unknown }).code === 'string' && (err as { code: string }).code.startsWith('ERR_PARSE_ARGS');
    if (!(err instanceof UsageError) && !parseProblem) throw err;
    stderr.write(`vhr-agent: ${(err as Error).message}\nUsage: vhr-agent check ${command.usage}\n`);
    return 2;
  }
}
