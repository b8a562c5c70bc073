import type { OsInfo, Target } from '../inventory/types.js';
import type { PropBag } from './properties.js';

/** One package as a format reader found it, before it becomes a `Package`. */
export interface PackageDraft {
  /** The document's own reference for it (bom-ref, SPDXID). */
  ref: string;
  name?: string;
  version?: string;
  purl?: string;
  /** Licences as written (ids, names, expressions). */
  licenses: string[];
  /** Our `portcullis:` properties and other tools' (syft:, aquasecurity:trivy:). */
  props: PropBag;
  /** SPDX `sourceInfo`, which syft and Trivy fill with location or source-package text. */
  sourceInfo?: string;
  /** CycloneDX 1.5+ `evidence.occurrences[].location` (cdxgen writes locations there). */
  evidencePaths?: string[];
  /** Our package id, when the document is ours and carries it. */
  ownId?: string;
}

/** What a format reader hands to the assembler. */
export interface DecodedDocument {
  producer?: string;
  /** Written by Portcullis: our properties and ids can be trusted to round-trip. */
  ours: boolean;
  target: Target;
  os?: OsInfo;
  drafts: PackageDraft[];
  /** ref → refs it depends on (non-package refs are dropped later). */
  dependsOn: Map<string, string[]>;
}

export interface DecodeLimits {
  /** Largest document accepted, in characters (default 256 MiB). */
  maxChars: number;
  /** Most components/packages accepted, nested ones included (default 1,000,000). */
  maxPackages: number;
  /** Deepest nesting of CycloneDX components (default 32). */
  maxDepth: number;
}

export const DEFAULT_LIMITS: DecodeLimits = { maxChars: 256 * 1024 * 1024, maxPackages: 1_000_000, maxDepth: 32 };
