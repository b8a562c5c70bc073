import type { Cataloger } from '../types.js';
import { apkCataloger } from './apk.js';
import { dpkgCataloger } from './dpkg.js';
import { goBinaryCataloger } from './go-binary.js';
import { javaArchiveCataloger } from './java.js';
import { lockfileCatalogers } from './lockfiles.js';
import { npmPackageCataloger } from './npm.js';
import { pythonPackageCataloger } from './python.js';
import { rpmCataloger } from './rpm.js';

/** Every cataloger; `scopes` says which run for images and which for source trees. */
export const defaultCatalogers: readonly Cataloger[] = [
  dpkgCataloger,
  apkCataloger,
  rpmCataloger,
  npmPackageCataloger,
  pythonPackageCataloger,
  goBinaryCataloger,
  javaArchiveCataloger,
  ...lockfileCatalogers,
];
