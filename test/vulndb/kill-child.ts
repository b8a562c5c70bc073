// Run by kill.test.ts in a child process (bundled with esbuild): imports COUNT synthetic
// records, shaped like the real fixtures, into DB. With PAUSE_AT, it reports "midway" on
// stdout after that many records and then waits, mid-transaction, to be killed.
import { readFileSync } from 'node:fs';
import { importSources, type OsvRecord } from '../../src/vulndb/index.js';

const [dbPath, count, pauseAt, fixtureList] = [process.env.DB!, Number(process.env.COUNT), Number(process.env.PAUSE_AT ?? -1), process.env.FIXTURES!];
const shapes = (JSON.parse(readFileSync(fixtureList, 'utf8')) as string[]).map((p) => JSON.parse(readFileSync(p, 'utf8')) as OsvRecord);

async function* synthetic(): AsyncGenerator<OsvRecord> {
  for (let i = 0; i < count; i++) {
    if (i === pauseAt) {
      process.stdout.write('midway\n');
      await new Promise((r) => setTimeout(r, 60_000));
    }
    const rec = structuredClone(shapes[i % shapes.length]);
    rec.id = `${rec.id}-syn${i}`;
    for (const a of rec.affected ?? []) if (a.package) a.package.name = `${a.package.name}-syn${i}`;
    yield rec;
  }
}

await importSources(dbPath, [{ source: { name: 'synthetic', location: 'kill-child', kind: 'osv' }, records: synthetic() }], {
  onProgress: (done) => process.stdout.write(`progress ${done}\n`),
});
process.stdout.write('done\n');
