import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkDockerfile, imageParts, isSecretName } from '../../src/config/dockerfile-checks.js';
import { DOCKERFILE_CHECKS } from '../../src/config/dockerfile-meta.js';
import { registryPatterns } from '../../src/config/registries.js';

const fixtureText = (name: string) => readFileSync(new URL(`../fixtures/config/${name}`, import.meta.url), 'utf8');
const DIGEST = 'sha256:' + 'a'.repeat(64);
// A final stage that passes every check, so a test's lines are the only cause of a finding.
const GOOD_TAIL = `\nHEALTHCHECK CMD ["/app", "-health"]\nUSER 65532:65532\n`;

/** Check IDs found, with their lines, in order. */
function found(text: string, opts: { allowedRegistries?: readonly string[] } = {}): string[] {
  return checkDockerfile(text, 'Dockerfile', opts).findings.map((f) => `${f.checkId}@${f.line}`);
}
const ids = (text: string) => [...new Set(checkDockerfile(text, 'Dockerfile').findings.map((f) => f.checkId))].sort();
/** A Dockerfile line by its text: expectations name lines by content, not by counting. */
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('base images (PCL-DF-001, PCL-DF-002)', () => {
  it.each([
    ['nginx', ['PCL-DF-001', 'PCL-DF-002']],
    ['nginx:latest', ['PCL-DF-001', 'PCL-DF-002']],
    ['nginx:1.27', ['PCL-DF-001']],
    ['localhost:5000/app', ['PCL-DF-001', 'PCL-DF-002']],
    ['localhost:5000/app:v1', ['PCL-DF-001']],
    [`nginx@${DIGEST}`, []],
    [`nginx:latest@${DIGEST}`, []],
    ['scratch', []],
  ])('FROM %s → %j', (image, want) => {
    expect(ids(`FROM ${image}${GOOD_TAIL}`)).toEqual(want);
  });

  it('ignores references to earlier stages and FROMs only a build argument decides', () => {
    expect(ids(`FROM golang:1.22@${DIGEST} AS build\nFROM build${GOOD_TAIL}`)).toEqual([]);
    expect(ids(`ARG BASE\nFROM \${BASE}${GOOD_TAIL}`)).toEqual([]);
  });

  it('checks COPY --from images too', () => {
    const text = `FROM scratch\nCOPY --from=busybox:latest /bin/sh /sh${GOOD_TAIL}`;
    expect(found(text)).toEqual(['PCL-DF-001@2', 'PCL-DF-002@2']);
  });

  it('splits references as Docker does: a port is not a tag', () => {
    expect(imageParts('registry:5000/team/app')).toEqual({ name: 'registry:5000/team/app' });
    expect(imageParts(`app:1@${DIGEST}`)).toEqual({ name: 'app', tag: '1', digest: DIGEST });
  });
});

describe('final USER (PCL-DF-003)', () => {
  const tail = '\nHEALTHCHECK NONE\n';
  it.each([
    ['USER root', true],
    ['USER 0', true],
    ['USER 0:0', true],
    ['USER root:root', true],
    ['USER 0:1000', true],
    ['USER app', false],
    ['USER 1000:1000', false],
    ['USER nonroot', false],
  ])('%s → fail %s', (user, fails) => {
    expect(ids(`FROM scratch\n${user}${tail}`).includes('PCL-DF-003')).toBe(fails);
  });

  it('fails when no USER is set, naming scratch as root', () => {
    const r = checkDockerfile(`FROM scratch${tail}`, 'Dockerfile');
    expect(r.findings.map((f) => f.checkId)).toEqual(['PCL-DF-003']);
    expect(r.findings[0].message).toContain('root');
    expect(r.findings[0].line).toBe(1);
  });

  it('takes the last USER, and a USER in a builder stage does not count', () => {
    expect(found(`FROM scratch\nUSER app\nUSER root${tail}`)).toEqual(['PCL-DF-003@3']);
    expect(found(`FROM scratch AS build\nUSER app\nFROM scratch${tail}`)).toEqual(['PCL-DF-003@3']);
  });

  it('inherits USER from the stage the final stage builds on', () => {
    expect(ids(`FROM scratch AS base\nUSER app\nFROM base${tail}`)).toEqual([]);
  });

  it('expands USER from ARG defaults, and does not judge one a build argument decides', () => {
    expect(ids(`FROM scratch\nARG U=app\nUSER $U${tail}`)).toEqual([]);
    expect(ids(`FROM scratch\nARG U=root\nUSER \${U}${tail}`)).toEqual(['PCL-DF-003']);
    expect(ids(`FROM scratch\nARG U\nUSER $U${tail}`)).toEqual([]);
  });
});

describe('ADD from a URL (PCL-DF-004)', () => {
  it.each([
    ['ADD https://example.com/tool.tgz /tmp/', true],
    ['ADD ["https://example.com/tool.tgz", "/tmp/"]', true],
    ['ARG URL=https://example.com/x\nADD $URL /x', true],
    ['ADD git@github.com:moby/buildkit.git /src', true],
    [`ADD --checksum=${DIGEST} https://example.com/tool.tgz /tmp/`, false],
    ['ADD . /app', false],
    ['COPY https://example.com/x /x', false],
  ])('%s → fail %s', (line, fails) => {
    expect(ids(`FROM scratch\n${line}${GOOD_TAIL}`).includes('PCL-DF-004')).toBe(fails);
  });
});

describe('package caches (PCL-DF-005 … 008)', () => {
  const df = (run: string) => `FROM debian:12@${DIGEST}\n${run}${GOOD_TAIL}`;
  it.each([
    ['RUN apt-get update && apt-get install -y curl', 'PCL-DF-005'],
    ['RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*', undefined],
    ['RUN apt-get -o Dpkg::Options::=--force-confold -y install curl', 'PCL-DF-005'],
    ['RUN apt install -y curl; rm -rf /var/lib/apt/lists', undefined],
    ['RUN --mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y curl', undefined],
    ['RUN apt-get update', undefined],
    ['RUN ["apt-get", "install", "-y", "curl"]', 'PCL-DF-005'],
    ['RUN ["/bin/sh", "-c", "apt-get install -y curl && rm -rf /var/lib/apt/lists/*"]', undefined],
    ['RUN <<EOF\nset -e\napt-get install -y curl\nEOF', 'PCL-DF-005'],
    ['RUN bash -ex <<EOF\napt-get install -y curl\nrm -rf /var/lib/apt/lists/*\nEOF', undefined],
    ['RUN python3 <<EOF\nprint("apt-get install -y curl")\nEOF', undefined],
    ['RUN if [ -x /usr/bin/apt-get ]; then apt-get install -y curl; fi', 'PCL-DF-005'],
    ['RUN apk add curl', 'PCL-DF-006'],
    ['RUN apk add --no-cache curl', undefined],
    ['RUN apk --no-cache add curl', undefined],
    ['RUN apk add --virtual .deps curl && apk del .deps && rm -rf /var/cache/apk/*', undefined],
    ['RUN yum install -y httpd', 'PCL-DF-007'],
    ['RUN yum install -y httpd && yum clean all', undefined],
    ['RUN dnf -y install httpd && dnf clean all', undefined],
    ['RUN microdnf install -y jq', 'PCL-DF-007'],
    ['RUN pip install requests', 'PCL-DF-008'],
    ['RUN pip3 install --no-cache-dir requests', undefined],
    ['RUN python3 -m pip install requests', 'PCL-DF-008'],
    ['RUN PIP_NO_CACHE_DIR=1 pip install requests', undefined],
    ['ENV PIP_NO_CACHE_DIR=1\nRUN pip install requests', undefined],
    ['RUN --mount=type=cache,target=/root/.cache/pip pip install requests', undefined],
    ['RUN pip --version', undefined],
  ])('%s → %s', (run, want) => {
    expect(ids(df(run))).toEqual(want ? [want] : []);
  });

  it('reports the RUN line, and leaves builder stages out', () => {
    const text = `FROM debian:12@${DIGEST} AS build\nRUN apt-get install -y gcc\nFROM debian:12@${DIGEST}\nRUN apk add curl\nRUN pip install x${GOOD_TAIL}`;
    expect(found(text)).toEqual(['PCL-DF-006@4', 'PCL-DF-008@5']);
  });
});

describe('secrets in ENV and ARG (PCL-DF-009)', () => {
  it.each([
    ['ENV DB_PASSWORD=hunter2', true],
    ['ENV SECRET_KEY_BASE abc123', true],
    ['ARG GITHUB_TOKEN=ghp_example', true],
    ['ARG API_KEY="k"', true],
    ['ARG GITHUB_TOKEN', false],
    ['ARG NPM_TOKEN=', false],
    ['ARG NPM_TOKEN=$CI_TOKEN', false],
    ['ARG NPM_TOKEN\nENV NPM_TOKEN=${NPM_TOKEN}', true],
    ['ENV GPG_KEY 7169605F62C751356D054A26A821E680E5FA6305', false],
    ['ENV TOKENIZERS_PARALLELISM=false', false],
    ['ENV API_KEY_FILE=/run/secrets/api_key', false],
    ['ENV AWS_ACCESS_KEY_ID=AKIAEXAMPLE', false],
    ['ENV PASSWORD=', false],
  ])('%s → fail %s', (line, fails) => {
    expect(ids(`FROM scratch\n${line}${GOOD_TAIL}`).includes('PCL-DF-009')).toBe(fails);
  });

  it('checks global ARGs and builder stages too', () => {
    expect(found(`ARG REGISTRY_PASSWORD=s3cret\nFROM scratch AS build\nENV ADMIN_TOKEN=t\nFROM scratch${GOOD_TAIL}`)).toEqual(['PCL-DF-009@1', 'PCL-DF-009@3']);
  });

  it.each(['PASSWORD', 'db_password', 'MYSQL_ROOT_PASSWORD', 'GITHUB_TOKEN', 'API_KEY', 'apikey', 'KEY', 'client-secret'])('%s is a secret name', (n) => {
    expect(isSecretName(n)).toBe(true);
  });
  it.each(['GPG_KEY', 'PUBLIC_KEY', 'KEYRING', 'TOKENIZERS_PARALLELISM', 'PASSWORD_FILE', 'MONKEY_PATCH', 'PATH'])('%s is not', (n) => {
    expect(isSecretName(n)).toBe(false);
  });
});

describe('HEALTHCHECK (PCL-DF-010)', () => {
  it('fails without one in the final stage, passes with one or with NONE', () => {
    expect(found(`FROM scratch AS b\nHEALTHCHECK CMD true\nFROM scratch\nUSER 1`)).toEqual(['PCL-DF-010@3']);
    expect(ids(`FROM scratch\nHEALTHCHECK --interval=30s CMD ["/app", "-health"]\nUSER 1`)).toEqual([]);
    expect(ids(`FROM scratch\nHEALTHCHECK NONE\nUSER 1`)).toEqual([]);
  });
});

describe('allowed registries (PCL-DF-011)', () => {
  it('runs only when a list is given, and matches the normalized reference', () => {
    const text = `FROM nginx@${DIGEST}\nFROM gcr.io/distroless/static@${DIGEST}${GOOD_TAIL}`;
    const r = checkDockerfile(text, 'Dockerfile');
    expect(r.passed).not.toContain('PCL-DF-011');
    const allowed = registryPatterns(['docker.io']);
    expect(found(text, { allowedRegistries: allowed })).toEqual(['PCL-DF-011@2']);
    expect(found(text, { allowedRegistries: registryPatterns(['docker.io', 'gcr.io/distroless']) })).toEqual([]);
    expect(found(text, { allowedRegistries: registryPatterns(['gcr.io/distroless/static']) })).toEqual(['PCL-DF-011@1']);
  });
});

describe('findings carry the check metadata', () => {
  it('severity, title and remediation come from the catalogue; passed lists the rest', () => {
    const r = checkDockerfile(`FROM nginx${GOOD_TAIL}`, 'web/Dockerfile');
    const meta = DOCKERFILE_CHECKS.find((c) => c.id === 'PCL-DF-002');
    expect(r.findings.find((f) => f.checkId === 'PCL-DF-002')).toMatchObject({ severity: meta?.severity, title: meta?.title, remediation: meta?.remediation, file: 'web/Dockerfile', line: 1, resource: 'stage 0', status: 'fail' });
    expect([...r.passed, ...new Set(r.findings.map((f) => f.checkId))].sort()).toEqual(DOCKERFILE_CHECKS.map((c) => c.id).filter((id) => id !== 'PCL-DF-011'));
  });
});

describe('real Dockerfiles', () => {
  const scan = (name: string) => {
    const text = fixtureText(`dockerfiles/${name}/Dockerfile`);
    return { text, r: checkDockerfile(text, name) };
  };

  it('docker-library/python slim-bookworm: apt lists cleaned, GPG_KEY is not a secret; unpinned base, root, no HEALTHCHECK', () => {
    const { text, r } = scan('python-slim-bookworm');
    const from = lineOf(text, 'FROM debian:bookworm-slim');
    expect(r.findings.map((f) => `${f.checkId}@${f.line}`).sort()).toEqual([`PCL-DF-001@${from}`, `PCL-DF-003@${from}`, `PCL-DF-010@${from}`]);
  });

  it('docker-library/golang alpine: apk --no-cache passes; both stages unpinned', () => {
    const { text, r } = scan('golang-alpine');
    const build = lineOf(text, 'FROM alpine:3.20 AS build');
    const final = text.split('\n').lastIndexOf('FROM alpine:3.20') + 1;
    expect(final).toBeGreaterThan(build);
    expect(r.findings.map((f) => `${f.checkId}@${f.line}`).sort()).toEqual([`PCL-DF-001@${build}`, `PCL-DF-001@${final}`, `PCL-DF-003@${final}`, `PCL-DF-010@${final}`].sort());
  });

  it('distroless go example: USER nonroot passes; the bare distroless base has no tag', () => {
    const { text, r } = scan('distroless-go');
    const build = lineOf(text, 'FROM golang:1.13.1-alpine');
    const final = lineOf(text, 'FROM gcr.io/distroless/base');
    expect(r.findings.map((f) => `${f.checkId}@${f.line}`).sort()).toEqual([`PCL-DF-001@${build}`, `PCL-DF-001@${final}`, `PCL-DF-002@${final}`, `PCL-DF-010@${final}`].sort());
  });

  it('distroless python3-requirements: apt and pip in builder stages are not reported', () => {
    const { r } = scan('distroless-python3-requirements');
    expect([...new Set(r.findings.map((f) => f.checkId))].sort()).toEqual(['PCL-DF-001', 'PCL-DF-002', 'PCL-DF-003', 'PCL-DF-010']);
    expect(r.findings.filter((f) => f.checkId === 'PCL-DF-002').map((f) => f.message)).toEqual(['FROM gcr.io/distroless/python3-debian12 has no tag: it pulls whatever :latest is']);
  });

  it('distroless node-express: no USER in the final stage', () => {
    const { r } = scan('distroless-node-express');
    expect(r.findings.map((f) => f.checkId).sort()).toEqual(['PCL-DF-001', 'PCL-DF-001', 'PCL-DF-003', 'PCL-DF-010']);
  });

  it('dotnet-framework-docker (escape=`): the FROM from a global ARG is checked', () => {
    const { text, r } = scan('dotnet-framework-sdk');
    const from = lineOf(text, 'FROM $REPO');
    expect(r.findings.map((f) => `${f.checkId}@${f.line}`).sort()).toEqual([`PCL-DF-001@${from}`, `PCL-DF-003@${from}`, `PCL-DF-010@${from}`]);
  });

  it('go boring Dockerfile (Debian golang-1.19-src): apt-get install without removing the lists', () => {
    const { text, r } = scan('go-boring');
    const from = lineOf(text, 'FROM ubuntu:focal');
    expect(r.findings.map((f) => `${f.checkId}@${f.line}`).sort()).toEqual([`PCL-DF-001@${from}`, `PCL-DF-003@${from}`, `PCL-DF-005@${lineOf(text, 'RUN apt-get update')}`, `PCL-DF-010@${from}`].sort());
  });

  it('pyenv test Dockerfile: FROM bash:$BASH is left to the build; two apk adds keep their cache', () => {
    const { text, r } = scan('pyenv-test');
    const from = lineOf(text, 'FROM bash:$BASH');
    expect(r.findings.map((f) => `${f.checkId}@${f.line}`).sort()).toEqual(
      [`PCL-DF-001@${lineOf(text, 'FROM alpine/git')}`, `PCL-DF-003@${from}`, `PCL-DF-006@${lineOf(text, 'RUN if [[')}`, `PCL-DF-006@${lineOf(text, 'RUN apk add --update')}`, `PCL-DF-010@${from}`].sort(),
    );
  });

  it('moby/buildkit: thirteen unpinned FROMs; pinned ones and a final FROM decided by build args are not judged', () => {
    const { r } = scan('buildkit');
    expect(new Set(r.findings.map((f) => f.checkId))).toEqual(new Set(['PCL-DF-001']));
    const images = r.findings.map((f) => f.message.replace(/^FROM (\S+) is not pinned by digest$/, '$1')).sort();
    expect(images).toEqual(
      ['minio/minio:RELEASE.2022-05-03T20-36-08Z', 'minio/mc:RELEASE.2022-05-04T06-07-55Z', 'tonistiigi/xx:1.3.0', 'golang:1.21-alpine3.18', 'registry:2.8.3', ...Array(8).fill('alpine:3.18')].sort(),
    );
    expect(r.passed).not.toContain('PCL-DF-003');
    expect(r.passed).not.toContain('PCL-DF-010');
  });

  it('the Bookstore catalog, as the chapter builds it: distroless/static nonroot, but tags not digests', () => {
    const text = fixtureText('bookstore/catalog/Dockerfile');
    const r = checkDockerfile(text, 'Dockerfile');
    expect(r.findings.map((f) => `${f.checkId}@${f.line}`).sort()).toEqual([`PCL-DF-001@${lineOf(text, 'FROM --platform')}`, `PCL-DF-001@${lineOf(text, 'FROM gcr.io/distroless')}`].sort());
  });

  it('the Bookstore catalog pinned by digest: clean', () => {
    const r = checkDockerfile(fixtureText('bookstore/catalog/Dockerfile.pinned'), 'Dockerfile.pinned', { allowedRegistries: registryPatterns(['docker.io/library', 'gcr.io/distroless']) });
    expect(r.findings).toEqual([]);
    expect(r.passed).toEqual(DOCKERFILE_CHECKS.map((c) => c.id));
  });
});
