import { PortcullisError } from '../errors/index.js';

export type SbomErrorCode = 'INVALID_SBOM' | 'UNSUPPORTED_FORMAT';

/** A document we were asked to read is not an SBOM we can use; `input` names the file. */
export class SbomError extends PortcullisError<SbomErrorCode> {}
