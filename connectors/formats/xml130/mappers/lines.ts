// Helpers shared by the line tables (XML2 drugs, XML3 services and supplies).
import type { Location } from '@medplum/fhirtypes';
import { resourceId } from '../../../fhir/ids.js';
import type { MapContext } from './context.js';
import type { TableRow } from './row.js';

/**
 * The stable part of each line's id: its STT (number within the table) when every row has a
 * distinct one, else its position, so two rows never share an id.
 */
export function lineKeys(rows: readonly TableRow[]): Map<TableRow, string> {
  const stt = rows.map((r) => r.get('STT'));
  const usable = stt.every((s) => s !== undefined) && new Set(stt).size === stt.length;
  return new Map(rows.map((r, i) => [r, usable ? stt[i]! : `#${r.position}`]));
}

/** The department Location of a MA_KHOA, created once per record. */
export function departmentLocation(ctx: MapContext, departments: Map<string, Location>, maKhoa: string): Location {
  const known = departments.get(maKhoa);
  if (known) return known;
  const { pack } = ctx;
  const location: Location = {
    resourceType: 'Location',
    id: resourceId('Location', ctx.keys.maCskcb, maKhoa),
    meta: pack.meta('Location'),
    identifier: [pack.identifier('maKhoa', maKhoa)],
    status: 'active',
    name: maKhoa,
    mode: 'instance',
    type: [pack.concept('department', maKhoa)],
    physicalType: pack.concept('locationPhysicalType', 'wa'),
    managingOrganization: ctx.facilityRef(),
  };
  departments.set(maKhoa, location);
  return location;
}
