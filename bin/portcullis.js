#!/usr/bin/env node
import { main } from '../dist/portcullis.mjs';

// A closed pipe (`portcullis … | head`) is not an error worth a stack trace.
for (const s of [process.stdout, process.stderr]) {
  s.on('error', (e) => {
    if (e && e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`portcullis: error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
