// Small helpers shared by the benchmarks: timing, memory and a uniform way to print figures.

export interface Figure {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

export function printFigures(title: string, figures: Figure[]): void {
  process.stdout.write(`\n== ${title}\n`);
  for (const f of figures) {
    const v = f.value >= 100 ? Math.round(f.value).toLocaleString('en-US') : f.value.toFixed(2);
    process.stdout.write(`  ${f.name.padEnd(52)} ${v.padStart(12)} ${f.unit}${f.note ? `   (${f.note})` : ''}\n`);
  }
}

export function seconds(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9;
}

export function cpuMs(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start);
  return (u.user + u.system) / 1000;
}
