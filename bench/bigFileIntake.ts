// Child process of bench/bigFile.ts: ingests one claim file into a fresh encrypted store through
// the folder intake and prints its figures as one JSON line: the peak RSS of the process and
// its baseline, the same process with the store open, before the file.
import { join } from 'node:path';
import { Store } from '../main/store/store.js';
import { openKeyring } from '../main/store/keyring.js';
import { intakeClaimFile } from '../connectors/sources/folder/claimFileIntake.js';
import { peakRssKiB } from './peakMemory.js';

const [file, dataDir] = process.argv.slice(2) as [string, string];
const store = Store.open(join(dataDir, 'vhr-agent.db'), openKeyring({ path: join(dataDir, 'keys.json') }));
const baselineKiB = peakRssKiB().kib;
const start = process.hrtime.bigint();
const result = await intakeClaimFile({ store, sourceId: 'his', path: file, batchRecords: 200 });
const secs = Number(process.hrtime.bigint() - start) / 1e9;
const stored = store.messageCounts();
store.close();
process.stdout.write(
  JSON.stringify({
    outcome: result.outcome,
    records: result.newRecords,
    received: stored.received,
    secs,
    baselineKiB,
    maxRssKiB: peakRssKiB().kib,
    peakSource: peakRssKiB().source,
    heapUsedMiB: process.memoryUsage().heapUsed / 1024 ** 2,
  }) + '\n',
);
