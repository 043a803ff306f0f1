import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultProfilePack, loadProfilePack, ProfilePackError } from './index.js';

describe('profile packs', () => {
  it('ships the VN Core default with the IG canonicals', () => {
    const pack = defaultProfilePack();
    expect(pack.canonicalBase).toBe('http://fhir.hl7.org.vn/core');
    expect(pack.identifierSystems.cccd).toBe('http://fhir.hl7.org.vn/core/sid/cccd');
    expect(pack.identifierSystems.maLk).toBe('http://fhir.hl7.org.vn/core/sid/ma-lk');
    expect(pack.profiles.Patient).toBe('http://fhir.hl7.org.vn/core/StructureDefinition/vn-core-patient');
    expect(pack.codeSystems.icd10).toBe('http://fhir.hl7.org.vn/core/CodeSystem/vn-icd10-cs');
    expect(pack.codeMaps.GIOI_TINH).toEqual({ '1': 'male', '2': 'female', '3': 'unknown' });
  });

  it('hands out copies, so a caller cannot change the default', () => {
    defaultProfilePack().profiles.Patient = 'http://example.org/x';
    expect(defaultProfilePack().profiles.Patient).toBe('http://fhir.hl7.org.vn/core/StructureDefinition/vn-core-patient');
  });

  it('loads a pack file and refuses one that lacks a required entry, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pack-'));
    const good = join(dir, 'good.json');
    writeFileSync(good, `\uFEFF${JSON.stringify({ ...defaultProfilePack(), version: '9.9.9' })}`);
    expect(loadProfilePack(good).version).toBe('9.9.9');
    const bad = join(dir, 'bad.json');
    const { cccd: _drop, ...systems } = defaultProfilePack().identifierSystems;
    writeFileSync(bad, JSON.stringify({ ...defaultProfilePack(), identifierSystems: systems }));
    expect(() => loadProfilePack(bad)).toThrow(ProfilePackError);
    expect(() => loadProfilePack(bad)).toThrow(/identifierSystems lacks cccd/);
    expect(() => loadProfilePack(join(dir, 'missing.json'))).toThrow(/cannot read/);
  });
});
