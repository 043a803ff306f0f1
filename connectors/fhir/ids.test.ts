import { describe, expect, it } from 'vitest';
import { resourceId, uuidV5 } from './ids.js';

describe('uuidV5', () => {
  it('matches the RFC 9562 example (DNS namespace, www.example.com)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('keeps the ids already sent: same key, same id, Vietnamese text hashed as UTF-8', () => {
    expect(uuidV5('Bệnh viện|x')).toBe('29d842ad-bfc3-537b-8f60-e6e57af5a781');
    expect(resourceId('Bệnh viện', 'x')).toBe('29d842ad-bfc3-537b-8f60-e6e57af5a781');
  });
});
