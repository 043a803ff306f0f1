// What the Records screen searches by, read from a converted record's FHIR Bundle: the
// patient's name, MA_BN (identifier typed MR) and CCCD, and when the encounter ended.

export interface SearchFields {
  patientName: string | null;
  maBn: string | null;
  cccd: string | null;
  encounterEnd: string | null;
}

interface Identifier {
  value?: string;
  type?: { coding?: { code?: string }[] };
}
interface Entry {
  resource?: {
    resourceType?: string;
    name?: { text?: string; family?: string; given?: string[] }[];
    identifier?: Identifier[];
    period?: { end?: string };
  };
}

const typed = (ids: Identifier[] | undefined, code: string) => ids?.find((i) => i.type?.coding?.some((c) => c.code === code))?.value ?? null;

export function searchFieldsOf(bundle: { entry?: Entry[] }): SearchFields {
  const patient = bundle.entry?.find((e) => e.resource?.resourceType === 'Patient')?.resource;
  const encounter = bundle.entry?.find((e) => e.resource?.resourceType === 'Encounter')?.resource;
  const name = patient?.name?.[0];
  const patientName = name ? (name.text ?? [name.family, ...(name.given ?? [])].filter(Boolean).join(' ')) || null : null;
  return {
    patientName,
    maBn: typed(patient?.identifier, 'MR'),
    cccd: typed(patient?.identifier, 'CCCD'),
    encounterEnd: encounter?.period?.end ?? null,
  };
}

/** Lower case, without Vietnamese diacritics (đ → d), single spaces: "Nguyễn  Văn An" → "nguyen van an". */
export function foldName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** The distinct words of a folded name, each searchable on its own. */
export function nameWords(name: string): string[] {
  return [...new Set(foldName(name).split(' ').filter(Boolean))];
}
