// `npm run bench`: every benchmark, one after the other, each printing its figures.
const only = process.argv.slice(2);
const benches: [string, () => Promise<{ run: () => Promise<void> }>][] = [
  ['convert', () => import('./convert.js')],
  ['convertCli', () => import('./convertCli.js')],
  ['validate', () => import('./validate.js')],
  ['check', () => import('./check.js')],
  ['endToEnd', () => import('./endToEnd.js')],
  ['mllp', () => import('./mllp.js')],
  ['mllpUnderLoad', () => import('./mllpUnderLoad.js')],
  ['backlog', () => import('./backlog.js')],
  ['bigFile', () => import('./bigFile.js')],
  ['largeRecords', () => import('./largeRecords.js')],
];

process.stdout.write(`vhr-agent benchmarks — node ${process.version}, ${new Date().toISOString()}\n`);
for (const [name, load] of benches) {
  if (only.length && !only.includes(name)) continue;
  const mod = await load();
  await mod.run();
}
