// Which senders an MLLP source accepts (docs/security.md): a list of CIDR blocks, IPv4 and IPv6.
// An empty list accepts every address — allowed, but shown as a warning in the status.
import { BlockList, isIP } from 'node:net';

export interface AllowList {
  /** True when `address` (as node:net reports a peer, IPv4-mapped IPv6 included) may connect. */
  allows(address: string | undefined): boolean;
  readonly openToAll: boolean;
}

/** Parses one entry: `10.20.0.0/16`, `192.168.1.7` (one host), `fd00::/8`, `::1`. Throws saying why. */
export function parseCidr(entry: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const [address = '', prefixText, extra] = entry.trim().split('/');
  const version = isIP(address);
  if (extra !== undefined || version === 0) throw new RangeError(`"${entry}" is not an IPv4 or IPv6 address or CIDR block (e.g. 10.20.0.0/16, fd00::/8)`);
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= max)) throw new RangeError(`"${entry}": the prefix length must be 0 to ${max}`);
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

export function allowListOf(entries: readonly string[]): AllowList {
  if (entries.length === 0) return { allows: () => true, openToAll: true };
  const list = new BlockList();
  for (const e of entries) {
    const { address, prefix, family } = parseCidr(e);
    list.addSubnet(address, prefix, family);
  }
  return {
    openToAll: false,
    allows(address) {
      if (!address) return false;
      // A listener bound to :: sees IPv4 senders as ::ffff:a.b.c.d.
      const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
      const plain = mapped ? mapped[1]! : address;
      const version = isIP(plain);
      if (version === 0) return false;
      return list.check(plain, version === 4 ? 'ipv4' : 'ipv6');
    },
  };
}
