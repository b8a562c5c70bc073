// Bundles the CLI into one ES module (dist/portcullis.mjs) after tsc has built dist/.
// Why: start-up. Resolving and compiling ~150 small modules costs more than the work of a
// cached `portcullis sbom` rerun; one file halves that. The library keeps dist/**.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/cli/main.js'],
  outfile: 'dist/portcullis.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Native or optional modules stay outside; they are loaded with require on use.
  external: ['better-sqlite3'],
  banner: { js: "import { createRequire as __portcullisRequire } from 'node:module'; const require = __portcullisRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
