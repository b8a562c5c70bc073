// Digest and size checks for blobs, whole (Buffer) or streamed.
import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { digestProblem } from './reference.js';
import { OciError } from './types.js';

function hasherFor(digest: string, input: string): Hash {
  const problem = digestProblem(digest);
  if (problem) throw new OciError('INVALID_MANIFEST', problem, { input });
  return createHash(digest.slice(0, digest.indexOf(':')));
}

/** The digest of `data` with the same algorithm as `like` (sha256 unless told otherwise). */
export function digestOf(data: Buffer, like = 'sha256:'): string {
  const algorithm = like.slice(0, like.indexOf(':'));
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

/** Throws DIGEST_MISMATCH unless `data` hashes to `digest` (and has `size` bytes, when ≥ 0). */
export function verifyBuffer(data: Buffer, digest: string, size: number, input: string): void {
  if (size >= 0 && data.length !== size) {
    throw new OciError('DIGEST_MISMATCH', `blob ${digest} has ${data.length} bytes, expected ${size}`, { input });
  }
  const actual = `${digest.slice(0, digest.indexOf(':'))}:${hasherFor(digest, input).update(data).digest('hex')}`;
  if (actual !== digest) throw new OciError('DIGEST_MISMATCH', `blob content hashes to ${actual}, expected ${digest}`, { input });
}

/**
 * A pass-through stream that hashes what flows and fails with DIGEST_MISMATCH at the end
 * if the bytes do not hash to `digest`, or as soon as they exceed `size` (when ≥ 0).
 */
export function createVerifier(digest: string, size: number, input: string): Transform {
  const hash = hasherFor(digest, input);
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      seen += chunk.length;
      if (size >= 0 && seen > size) {
        cb(new OciError('DIGEST_MISMATCH', `blob ${digest} is longer than its recorded size ${size}`, { input }));
        return;
      }
      hash.update(chunk);
      cb(null, chunk);
    },
    flush(cb: TransformCallback) {
      if (size >= 0 && seen !== size) {
        cb(new OciError('DIGEST_MISMATCH', `blob ${digest} has ${seen} bytes, expected ${size}`, { input }));
        return;
      }
      const actual = `${digest.slice(0, digest.indexOf(':'))}:${hash.digest('hex')}`;
      if (actual !== digest) {
        cb(new OciError('DIGEST_MISMATCH', `blob content hashes to ${actual}, expected ${digest}`, { input }));
        return;
      }
      cb();
    },
  });
}

/**
 * Pipes `source` through a verifier and returns the verified end. A source error reaches
 * the consumer (through `mapError`, e.g. to make socket errors NETWORK), and a consumer
 * that stops early also closes the source (file or socket).
 */
export function verifiedStream(source: Readable, digest: string, size: number, input: string, mapError: (e: Error) => Error = (e) => e): Readable {
  const verifier = createVerifier(digest, size, input);
  source.on('error', (e: Error) => verifier.destroy(mapError(e)));
  verifier.on('close', () => {
    if (!source.readableEnded) source.destroy();
  });
  source.pipe(verifier);
  return verifier;
}
