import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Walk up from this module to our package.json: the path differs between dist/cli/*.js
// and the bundled dist/portcullis.mjs.
function readVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'portcullis') return pkg.version ?? '0.0.0';
    } catch {
      /* keep walking */
    }
    dir = dirname(dir);
  }
  return '0.0.0';
}

export const VERSION = readVersion();
