// The lockfile catalogers, for `portcullis fs DIR` and any scan of a source tree. Each
// reads one lockfile format into packages with purls, dev flags and, where the format
// records one, the dependency graph.
import type { Cataloger } from '../types.js';
import { cargoLockCataloger } from './lock-cargo.js';
import { goModCataloger } from './lock-go.js';
import { npmLockCataloger } from './lock-npm.js';
import { composerLockCataloger } from './lock-php.js';
import { pnpmLockCataloger } from './lock-pnpm.js';
import { pipfileLockCataloger, poetryLockCataloger, pythonRequirementsCataloger } from './lock-python.js';
import { gemfileLockCataloger } from './lock-ruby.js';
import { yarnLockCataloger } from './lock-yarn.js';

export {
  cargoLockCataloger,
  composerLockCataloger,
  gemfileLockCataloger,
  goModCataloger,
  npmLockCataloger,
  pipfileLockCataloger,
  pnpmLockCataloger,
  poetryLockCataloger,
  pythonRequirementsCataloger,
  yarnLockCataloger,
};

export const lockfileCatalogers: Cataloger[] = [
  npmLockCataloger,
  yarnLockCataloger,
  pnpmLockCataloger,
  pythonRequirementsCataloger,
  poetryLockCataloger,
  pipfileLockCataloger,
  goModCataloger,
  cargoLockCataloger,
  gemfileLockCataloger,
  composerLockCataloger,
];
