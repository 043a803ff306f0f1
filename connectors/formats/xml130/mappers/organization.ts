// MA_CSKCB → Organization (vn-core-organization): the treating facility, known by its code.
import type { Organization } from '@medplum/fhirtypes';
import type { MapContext } from './context.js';

export function buildFacility(ctx: MapContext): Organization {
  const { pack } = ctx;
  return {
    resourceType: 'Organization',
    id: ctx.facilityId,
    meta: pack.meta('Organization'),
    identifier: [pack.identifier('maCskcb', ctx.keys.maCskcb)],
    active: true,
  };
}
