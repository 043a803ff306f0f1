// Agent release versions (semver: MAJOR.MINOR.PATCH with an optional -prerelease), compared
// for a document's minAgentVersion and for the update feed. Build metadata (+…) is ignored.

const SEMVER = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

export function isVersion(text: string): boolean {
  return SEMVER.test(text.trim());
}

/** Negative when a < b, 0 when equal, positive when a > b. Throws on text that is not a version. */
export function compareVersions(a: string, b: string): number {
  const pa = SEMVER.exec(a.trim());
  const pb = SEMVER.exec(b.trim());
  if (!pa || !pb) throw new RangeError(`not a version: ${JSON.stringify(pa ? b : a)}`);
  for (let i = 1; i <= 3; i++) {
    const d = Number(pa[i]) - Number(pb[i]);
    if (d !== 0) return d;
  }
  // A release is newer than any of its prereleases (1.2.0-beta.1 < 1.2.0).
  const [ra, rb] = [pa[4], pb[4]];
  if (ra === undefined || rb === undefined) return ra === rb ? 0 : ra === undefined ? 1 : -1;
  const xa = ra.split('.');
  const xb = rb.split('.');
  for (let i = 0; i < Math.max(xa.length, xb.length); i++) {
    if (xa[i] === undefined) return -1;
    if (xb[i] === undefined) return 1;
    const na = /^\d+$/.test(xa[i]!) ? Number(xa[i]) : NaN;
    const nb = /^\d+$/.test(xb[i]!) ? Number(xb[i]) : NaN;
    if (!Number.isNaN(na) && !Number.isNaN(nb)) {
      if (na !== nb) return na - nb;
    } else if (Number.isNaN(na) !== Number.isNaN(nb)) return Number.isNaN(na) ? 1 : -1;
    else if (xa[i] !== xb[i]) return xa[i]! < xb[i]! ? -1 : 1;
  }
  return 0;
}
