import { Enums, Models, Serialize, Spec, SPDX } from '@cyclonedx/cyclonedx-library';
import type { Inventory, Package } from '../inventory/types.js';
import { isSpdxExpression } from '../inventory/license.js';
import { compareStrings, sortBy } from '../util/index.js';
import { documentUuid, resolveClock } from './determinism.js';
import { osProps, packageProps, targetProps, type Prop } from './properties.js';
import { imagePurl, rootNameVersion, rootRef } from './target.js';
import { rootDependencies } from './graph.js';
import { DEFAULT_TOOL_VERSION, TOOL_NAME, type EncodeOptions } from './options.js';

function properties(props: Prop[]): Models.PropertyRepository {
  return new Models.PropertyRepository(props.map(([k, v]) => new Models.Property(k, v)));
}

/**
 * CycloneDX allows either a list of single licences (id or name) or exactly one
 * expression. One SPDX id → `license.id`; one compound expression → `expression`; several
 * entries → one `license` each, compound ones as names, so none is dropped.
 */
function licenses(input: readonly string[]): Models.LicenseRepository {
  const list = [...new Set(input)].sort(compareStrings);
  const repo = new Models.LicenseRepository();
  if (list.length === 1 && !SPDX.isSupportedSpdxId(list[0]) && isSpdxExpression(list[0])) {
    repo.add(new Models.LicenseExpression(list[0]));
    return repo;
  }
  for (const l of list) repo.add(SPDX.isSupportedSpdxId(l) ? new Models.SpdxLicense(l) : new Models.NamedLicense(l));
  return repo;
}

function packageComponent(p: Package): Models.Component {
  return new Models.Component(Enums.ComponentType.Library, p.name, {
    bomRef: p.id,
    version: p.version,
    purl: p.purl,
    licenses: licenses(p.licenses),
    properties: properties(packageProps(p)),
  });
}

function toolComponent(version: string): Models.Component {
  return new Models.Component(Enums.ComponentType.Application, TOOL_NAME, { version });
}

function buildBom(inv: Inventory, toolVersion: string, date: Date): Models.Bom {
  const t = inv.target;
  const { name, version } = rootNameVersion(t);
  const rootType =
    t.kind === 'image' ? Enums.ComponentType.Container : t.kind === 'filesystem' ? Enums.ComponentType.File : Enums.ComponentType.Application;
  const root = new Models.Component(rootType, name, {
    bomRef: rootRef(t),
    version,
    purl: imagePurl(t),
    properties: properties(targetProps(t)),
  });
  const bom = new Models.Bom({
    metadata: new Models.Metadata({
      timestamp: date,
      component: root,
      tools: new Models.Tools({ components: new Models.ComponentRepository([toolComponent(toolVersion)]) }),
    }),
  });

  // Everything is added in byte order of its reference and serialized with sortLists
  // off: the library's own sort uses localeCompare, whose order follows the process locale
  // (in da_DK "aa" sorts after "z"), which would make the bytes depend on LANG.
  const byId = new Map<string, Models.Component>();
  const components: Models.Component[] = [];
  for (const p of inv.packages) {
    if (byId.has(p.id)) continue;
    const c = packageComponent(p);
    byId.set(p.id, c);
    components.push(c);
  }
  for (const p of inv.packages) {
    const c = byId.get(p.id) as Models.Component;
    for (const d of [...new Set(p.dependsOn ?? [])].sort(compareStrings)) {
      const dep = byId.get(d);
      if (dep && dep !== c) c.dependencies.add(dep.bomRef);
    }
  }
  const rootDeps: Models.Component[] = [];
  if (inv.os) {
    const os = inv.os;
    const osComponent = new Models.Component(Enums.ComponentType.OperatingSystem, os.id, {
      bomRef: `os:${os.id}@${os.versionId ?? ''}`,
      version: os.versionId,
      description: os.prettyName,
      properties: properties(osProps(os)),
    });
    components.push(osComponent);
    rootDeps.push(osComponent);
  }
  for (const id of rootDependencies(inv.packages)) rootDeps.push(byId.get(id) as Models.Component);
  const ref = (c: Models.Component) => c.bomRef.value ?? '';
  for (const c of sortBy(components, ref)) bom.components.add(c);
  for (const c of sortBy(rootDeps, ref)) root.dependencies.add(c.bomRef);
  return bom;
}

const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6));

/**
 * Inventory → CycloneDX 1.6 JSON, through the library's spec-aware normalizer; lists come
 * out in byte order of their references (see buildBom for why we sort, not the library).
 * With a fixed clock (opts.now or SOURCE_DATE_EPOCH) the serial number is derived from
 * the content, so the same inventory gives the same bytes, whatever the locale.
 */
export function encodeCycloneDx(inv: Inventory, opts: EncodeOptions = {}): string {
  const clock = resolveClock(opts.now);
  const bom = buildBom(inv, opts.toolVersion ?? DEFAULT_TOOL_VERSION, clock.date);
  const serialize = () => serializer.serialize(bom, { sortLists: false, space: 2 });
  bom.serialNumber = `urn:uuid:${documentUuid(clock, serialize)}`;
  return serialize() + '\n';
}
