// Shared by the vulndb tests: the real OSV fixtures, zips built from them with fflate's
// zip writer, and a real node:http server on 127.0.0.1 that serves files (the stand-in for
// osv-vulnerabilities.storage.googleapis.com, which tests must not reach).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import type { OsvRecord } from '../../src/vulndb/index.js';
import { VulnDbError } from '../../src/vulndb/index.js';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'vulndb', 'osv');

export interface FixtureFile {
  /** Path relative to FIXTURES, e.g. `PyPI/GHSA-9v2f-6vcg-3hgv.json`. */
  rel: string;
  bytes: Buffer;
  record: OsvRecord;
}

/** Every OSV record under the fixture directory, sorted by path. */
export function fixtureFiles(dir = FIXTURES): FixtureFile[] {
  const out: FixtureFile[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.json')) {
        const bytes = readFileSync(p);
        out.push({ rel: relative(dir, p), bytes, record: JSON.parse(bytes.toString('utf8')) as OsvRecord });
      }
    }
  };
  walk(dir);
  return out;
}

/** A zip holding `files` (name → bytes), as OSV's exports do: flat `<ID>.json` members. */
export function buildZip(files: Record<string, Uint8Array | string>): Buffer {
  const z: Zippable = {};
  for (const [name, data] of Object.entries(files)) z[name] = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.from(zipSync(z, { level: 6 }));
}

export function tempDir(prefix = 'portcullis-vulndb-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface FileServer {
  url(path: string): string;
  /** Requests answered, by path. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

/** Serves `files` (path → bytes) over plain HTTP on 127.0.0.1; anything else is a 404. */
export async function serveFiles(files: Map<string, Buffer>): Promise<FileServer> {
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const body = files.get(path);
    if (!body) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/zip', 'Content-Length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (p) => `http://127.0.0.1:${port}${p}`,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The VulnDbError code a promise (or function) fails with; a non-VulnDbError fails the test. */
export async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (e instanceof VulnDbError) return e.code;
    throw e;
  }
  return undefined;
}

/** The error itself, for tests that also check what it names. */
export async function errorOf(p: Promise<unknown> | (() => unknown)): Promise<VulnDbError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (e instanceof VulnDbError) return e;
    throw e;
  }
  throw new Error('expected a VulnDbError, but it succeeded');
}
