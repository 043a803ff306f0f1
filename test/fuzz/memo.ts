// A pure function remembered by the content of its argument (hashed, so big inputs are not kept).
import { createHash } from 'node:crypto';

export function memoByContent<A extends object, R>(fn: (a: A) => R): (a: A) => R {
  const cache = new Map<string, R>();
  return (a) => {
    const key = createHash('sha256').update(JSON.stringify(a)).digest('hex');
    let r = cache.get(key);
    if (r === undefined) {
      r = fn(a);
      cache.set(key, r);
    }
    return r;
  };
}
