// Seeded mutation of real inputs for the fuzz suite: the same seed always yields the same
// inputs, so a failure is reproduced by its input number alone. Each mutator is small and
// says what kind of damage it does; the name ends up in assertion messages.

import { seededRandom } from '../../main/util/seededRandom.js';

/** Seeded choices for mutations. */
export class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

export interface Mutator {
  name: string;
  apply: (input: Buffer, rng: Rng) => Buffer;
  /** The envelope stays well-formed with every HOSO in place: damage is inside one record only. */
  keepsEnvelope?: true;
}

const GARBAGE: readonly Buffer[] = [
  Buffer.from([0xff, 0xfe, 0x00]),
  Buffer.from([0xc3, 0x28]), // invalid UTF-8 sequence
  Buffer.from([0xe2, 0x82]), // cut multi-byte character
  Buffer.from([0x00, 0x00, 0x00, 0x00]),
  Buffer.from('\u200b\ufeff', 'utf8'),
  Buffer.from('<![CDATA[', 'utf8'),
  Buffer.from(']]>', 'utf8'),
  Buffer.from('&unknown;&#xD800;&#0;&amp', 'utf8'),
  Buffer.from('<!-- -- -->', 'utf8'),
  Buffer.from('<?pi ?>', 'utf8'),
  Buffer.from('null', 'utf8'),
  Buffer.from('\r\n\r\n', 'utf8'),
  Buffer.from('\x0b\x1c\x0d', 'latin1'),
  Buffer.from('|^~\\&', 'latin1'),
  Buffer.from('Nguyễn Thị Ánh', 'utf8'),
  Buffer.from('Nguy\xe1\xbb', 'latin1'),
];

const at = (b: Buffer, rng: Rng) => (b.length ? rng.int(b.length) : 0);
const cat = (...parts: Buffer[]) => Buffer.concat(parts);

/** Byte-level damage that knows nothing of the format. */
export const BYTE_MUTATORS: readonly Mutator[] = [
  {
    name: 'flip-bits',
    apply: (b, rng) => {
      const out = Buffer.from(b);
      for (let n = 1 + rng.int(8); n > 0 && out.length; n--) out[at(out, rng)]! ^= 1 << rng.int(8);
      return out;
    },
  },
  {
    name: 'random-bytes',
    apply: (b, rng) => {
      const out = Buffer.from(b);
      for (let n = 1 + rng.int(16); n > 0 && out.length; n--) out[at(out, rng)] = rng.int(256);
      return out;
    },
  },
  { name: 'truncate', apply: (b, rng) => b.subarray(0, at(b, rng)) },
  { name: 'drop-head', apply: (b, rng) => b.subarray(at(b, rng)) },
  {
    name: 'delete-range',
    apply: (b, rng) => {
      const i = at(b, rng);
      return cat(b.subarray(0, i), b.subarray(Math.min(b.length, i + 1 + rng.int(200))));
    },
  },
  {
    name: 'duplicate-range',
    apply: (b, rng) => {
      const i = at(b, rng);
      const j = Math.min(b.length, i + 1 + rng.int(400));
      return cat(b.subarray(0, j), b.subarray(i, j), b.subarray(j));
    },
  },
  {
    name: 'splice-self',
    apply: (b, rng) => {
      const i = at(b, rng);
      const j = at(b, rng);
      return cat(b.subarray(0, i), b.subarray(j));
    },
  },
  {
    name: 'insert-garbage',
    apply: (b, rng) => {
      const i = at(b, rng);
      return cat(b.subarray(0, i), rng.pick(GARBAGE), b.subarray(i));
    },
  },
  { name: 'empty', apply: () => Buffer.alloc(0) },
  { name: 'whitespace-only', apply: () => Buffer.from(' \r\n\t \n') },
];

function replaceOnce(text: string, re: RegExp, rng: Rng, replace: (m: RegExpExecArray) => string): string {
  const all = [...text.matchAll(new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g'))];
  if (all.length === 0) return text;
  const m = rng.pick(all) as RegExpExecArray;
  return text.slice(0, m.index) + replace(m) + text.slice(m.index + m[0].length);
}

const NOIDUNG = /<NOIDUNGFILE>([^<]*)<\/NOIDUNGFILE>/;
const TAGS = ['GIAMDINHHS', 'THONGTINDONVI', 'THONGTINHOSO', 'DANHSACHHOSO', 'HOSO', 'FILEHOSO', 'LOAIHOSO', 'NOIDUNGFILE', 'MACSKCB', 'SOLUONGHOSO'];

/** Damage to one inner document, re-encoded: the envelope stays well-formed. */
function mutateInner(text: string, rng: Rng, change: (inner: string) => string): string {
  return replaceOnce(text, NOIDUNG, rng, (m) => {
    const inner = Buffer.from(m[1]!, 'base64').toString('utf8');
    return `<NOIDUNGFILE>${Buffer.from(change(inner), 'utf8').toString('base64')}</NOIDUNGFILE>`;
  });
}

/** Claim-XML aware damage: tags, base64, inner documents, attributes. */
export const XML_MUTATORS: readonly Mutator[] = [
  {
    name: 'delete-tag',
    apply: (b, rng) => Buffer.from(replaceOnce(b.toString('utf8'), new RegExp(`</?(${TAGS.join('|')})>`), rng, () => ''), 'utf8'),
  },
  {
    name: 'duplicate-tag',
    apply: (b, rng) => Buffer.from(replaceOnce(b.toString('utf8'), new RegExp(`</?(${TAGS.join('|')})>`), rng, (m) => m[0] + m[0]), 'utf8'),
  },
  {
    name: 'rename-tag',
    apply: (b, rng) => Buffer.from(replaceOnce(b.toString('utf8'), new RegExp(`<(/?)(${TAGS.join('|')})>`), rng, (m) => `<${m[1]}${rng.pick(TAGS)}>`), 'utf8'),
  },
  {
    name: 'duplicate-hoso',
    apply: (b, rng) => Buffer.from(replaceOnce(b.toString('utf8'), /<HOSO>[\s\S]*?<\/HOSO>/, rng, (m) => m[0] + m[0]), 'utf8'),
  },
  {
    name: 'corrupt-base64',
    keepsEnvelope: true,
    apply: (b, rng) =>
      Buffer.from(
        replaceOnce(b.toString('utf8'), NOIDUNG, rng, (m) => {
          const s = m[1]!;
          const i = rng.int(Math.max(1, s.length));
          const bad = rng.pick(['!', '*', '=', '==A', '@@', ' ', '-', '_', 'é', '&amp;']);
          return `<NOIDUNGFILE>${s.slice(0, i)}${bad}${s.slice(i + (rng.chance(0.5) ? 1 : 0))}</NOIDUNGFILE>`;
        }),
        'utf8',
      ),
  },
  {
    name: 'truncate-base64',
    keepsEnvelope: true,
    apply: (b, rng) => Buffer.from(replaceOnce(b.toString('utf8'), NOIDUNG, rng, (m) => `<NOIDUNGFILE>${m[1]!.slice(0, rng.int(m[1]!.length + 1))}</NOIDUNGFILE>`), 'utf8'),
  },
  {
    name: 'empty-base64',
    keepsEnvelope: true,
    apply: (b, rng) => Buffer.from(replaceOnce(b.toString('utf8'), NOIDUNG, rng, () => '<NOIDUNGFILE></NOIDUNGFILE>'), 'utf8'),
  },
  {
    name: 'inner-truncate',
    keepsEnvelope: true,
    apply: (b, rng) => Buffer.from(mutateInner(b.toString('utf8'), rng, (x) => x.slice(0, rng.int(x.length + 1))), 'utf8'),
  },
  {
    name: 'inner-delete-element',
    keepsEnvelope: true,
    apply: (b, rng) => Buffer.from(mutateInner(b.toString('utf8'), rng, (x) => replaceOnce(x, /<[A-Z_0-9]+>[^<]*<\/[A-Z_0-9]+>/, rng, () => '')), 'utf8'),
  },
  {
    name: 'inner-delete-tag',
    keepsEnvelope: true,
    apply: (b, rng) => Buffer.from(mutateInner(b.toString('utf8'), rng, (x) => replaceOnce(x, /<\/?[A-Z_0-9]+\/?>/, rng, () => '')), 'utf8'),
  },
  {
    name: 'inner-garbage-value',
    keepsEnvelope: true,
    apply: (b, rng) =>
      Buffer.from(
        mutateInner(b.toString('utf8'), rng, (x) =>
          replaceOnce(x, /<([A-Z_0-9]+)>([^<]*)<\/\1>/, rng, (m) => {
            const v = rng.pick(['', 'null', 'undefined', '-1', '99999999999999999999', '2026-13-45', 'abc', '&nbsp;&#x0;', '1e400', 'NaN', 'ÁÁÁ'.repeat(50), ' '.repeat(3000), '9'.repeat(5000)]);
            return `<${m[1]}>${v}</${m[1]}>`;
          }),
        ),
        'utf8',
      ),
  },
  {
    name: 'inner-duplicate-element',
    keepsEnvelope: true,
    apply: (b, rng) => Buffer.from(mutateInner(b.toString('utf8'), rng, (x) => replaceOnce(x, /<([A-Z_0-9]+)>[^<]*<\/\1>/, rng, (m) => m[0].repeat(1 + rng.int(40)))), 'utf8'),
  },
  {
    name: 'inner-nest',
    keepsEnvelope: true,
    apply: (b, rng) => Buffer.from(mutateInner(b.toString('utf8'), rng, (x) => replaceOnce(x, /<([A-Z_0-9]+)>([^<]*)<\/\1>/, rng, (m) => `<${m[1]}><${m[1]}>${m[2]}</${m[1]}></${m[1]}>`)), 'utf8'),
  },
  {
    name: 'inner-not-xml',
    keepsEnvelope: true,
    apply: (b, rng) => Buffer.from(mutateInner(b.toString('utf8'), rng, () => rng.pick(['', 'hello', '\u0000\u0001', '{"a":1}', '<', '<a>', '<?xml version="1.0"?>'])), 'utf8'),
  },
  {
    name: 'inner-doctype',
    keepsEnvelope: true,
    apply: (b, rng) => Buffer.from(mutateInner(b.toString('utf8'), rng, (x) => `<!DOCTYPE x [<!ENTITY a "${'A'.repeat(100)}">]>${x.replace(/<MA_LK>/, '<MA_LK>&a;')}`), 'utf8'),
  },
  {
    name: 'huge-attribute',
    keepsEnvelope: true,
    apply: (b, rng) => Buffer.from(replaceOnce(b.toString('utf8'), /<(HOSO|FILEHOSO|GIAMDINHHS)/, rng, (m) => `<${m[1]} x="${'A'.repeat(10_000 + rng.int(200_000))}"`), 'utf8'),
  },
  {
    name: 'bad-loaihoso',
    keepsEnvelope: true,
    apply: (b, rng) => Buffer.from(replaceOnce(b.toString('utf8'), /<LOAIHOSO>[^<]*<\/LOAIHOSO>/, rng, () => `<LOAIHOSO>${rng.pick(['', 'XML99', 'xml01', 'XML1', 'XML1 ', '<![CDATA[XML2]]>', 'null'])}</LOAIHOSO>`), 'utf8'),
  },
  {
    name: 'utf16-reencode',
    apply: (b) => cat(Buffer.from([0xff, 0xfe]), Buffer.from(b.toString('utf8'), 'utf16le')),
  },
  {
    name: 'latin1-reencode',
    apply: (b) => Buffer.from(b.toString('utf8'), 'latin1'),
  },
];

/** HL7v2-aware damage: segments, fields, separators, charset. */
export const HL7_MUTATORS: readonly Mutator[] = [
  {
    name: 'delete-segment',
    apply: (b, rng) => {
      const segs = b.toString('latin1').split('\r');
      segs.splice(rng.int(segs.length), 1);
      return Buffer.from(segs.join('\r'), 'latin1');
    },
  },
  {
    name: 'duplicate-segment',
    apply: (b, rng) => {
      const segs = b.toString('latin1').split('\r');
      const i = rng.int(segs.length);
      segs.splice(i, 0, ...Array(1 + rng.int(30)).fill(segs[i]));
      return Buffer.from(segs.join('\r'), 'latin1');
    },
  },
  {
    name: 'swap-segments',
    apply: (b, rng) => {
      const segs = b.toString('latin1').split('\r');
      const i = rng.int(segs.length);
      const j = rng.int(segs.length);
      [segs[i], segs[j]] = [segs[j]!, segs[i]!];
      return Buffer.from(segs.join('\r'), 'latin1');
    },
  },
  {
    name: 'mutate-field',
    apply: (b, rng) => {
      const segs = b.toString('latin1').split('\r');
      const i = rng.int(segs.length);
      const fields = segs[i]!.split('|');
      const f = rng.int(fields.length);
      fields[f] = rng.pick([
        '',
        '""',
        '^^^^^^^^^^',
        '~~~~~',
        '&&&&',
        '\\X0D\\\\E\\\\F\\',
        '\\',
        'x'.repeat(20_000),
        '99999999999999999999',
        '20261345999999',
        'Nguyễn^Văn',
        '\u0000',
        '|'.repeat(50),
        fields[f]!.repeat(50),
      ]);
      segs[i] = fields.join('|');
      return Buffer.from(segs.join('\r'), 'latin1');
    },
  },
  {
    name: 'many-fields',
    apply: (b, rng) => {
      const segs = b.toString('latin1').split('\r');
      const i = rng.int(segs.length);
      segs[i] += '|x'.repeat(1000 + rng.int(5000));
      return Buffer.from(segs.join('\r'), 'latin1');
    },
  },
  {
    name: 'msh-encoding-chars',
    apply: (b, rng) => {
      const s = b.toString('latin1');
      if (!s.startsWith('MSH')) return b;
      return Buffer.from(`MSH${rng.pick(['', '|', '||||', '|^', '\r', 'X^~\\&', '|||||'])}${s.slice(rng.int(9))}`, 'latin1');
    },
  },
  {
    name: 'msh-type',
    apply: (b, rng) => {
      const segs = b.toString('latin1').split('\r');
      const msh = segs[0]!.split('|');
      if (msh.length > 8) msh[8] = rng.pick(['', 'ADT', 'ADT^', '^A01', 'ZZZ^Z99', 'ORU^R01', 'ADT^A40', 'VXU^V04', 'SIU^S12', 'MDM^T02', 'ORM^O01']);
      segs[0] = msh.join('|');
      return Buffer.from(segs.join('\r'), 'latin1');
    },
  },
  {
    name: 'msh-charset',
    apply: (b, rng) => {
      const segs = b.toString('latin1').split('\r');
      const msh = segs[0]!.split('|');
      while (msh.length < 18) msh.push('');
      msh[17] = rng.pick(['UNICODE UTF-8', 'UTF-16', '8859/1', 'GB 18030-2000', 'NOPE', 'ISO IR192', '']);
      segs[0] = msh.join('|');
      return Buffer.from(segs.join('\r'), 'latin1');
    },
  },
  {
    name: 'segment-ends',
    apply: (b, rng) => Buffer.from(b.toString('latin1').replace(/\r/g, rng.pick(['\n', '\r\n', '\n\r', '', '\r\r'])), 'latin1'),
  },
  {
    name: 'utf16-bytes',
    apply: (b) => Buffer.from(b.toString('latin1'), 'utf16le'),
  },
];

/** Applies 1–3 mutators, byte-level and format-aware, and names what was done. */
export function mutate(input: Buffer, rng: Rng, formatMutators: readonly Mutator[]): { bytes: Buffer; how: string; keepsEnvelope: boolean } {
  let bytes = input;
  const names: string[] = [];
  let keepsEnvelope = true;
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const m = rng.chance(0.6) ? rng.pick(formatMutators) : rng.pick(BYTE_MUTATORS);
    bytes = m.apply(bytes, rng);
    names.push(m.name);
    keepsEnvelope &&= m.keepsEnvelope === true;
  }
  return { bytes, how: names.join('+'), keepsEnvelope };
}
