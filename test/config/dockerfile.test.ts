import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDockerfile, type Instruction } from '../../src/config/dockerfile.js';
import { buildStages, envPairs, finalChain, imageUses, stageEnv } from '../../src/config/dockerfile-stages.js';
import { commandOf, expandWord, splitCommands } from '../../src/config/shell.js';
import { ConfigError } from '../../src/config/types.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/config/dockerfiles/${name}/Dockerfile`, import.meta.url), 'utf8');
const keywords = (ins: Instruction[]) => ins.map((i) => i.keyword);
const parse = (text: string) => parseDockerfile(text, 'Dockerfile');

function parseError(text: string): ConfigError {
  try {
    parse(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a parse error');
}

describe('parseDockerfile: lines', () => {
  it('joins continuation lines, dropping comment and empty lines inside them', () => {
    const ast = parse('FROM alpine:3.20\nRUN apk add \\\n# a comment\n    curl \\\n\n    jq\nUSER app\n');
    expect(keywords(ast.instructions)).toEqual(['FROM', 'RUN', 'USER']);
    const run = ast.instructions[1];
    expect(run.args).toBe('apk add     curl     jq');
    expect([run.startLine, run.endLine]).toEqual([2, 6]);
    expect(ast.instructions[2].startLine).toBe(7);
    expect(ast.warnings).toHaveLength(1);
  });

  it('does not continue a line ending in an escaped escape token', () => {
    const ast = parse('FROM x\nRUN echo a\\\\\nUSER root\n');
    expect(keywords(ast.instructions)).toEqual(['FROM', 'RUN', 'USER']);
    expect(ast.instructions[1].args).toBe('echo a\\\\');
  });

  it('reads keywords case-insensitively, strips a BOM and CRLF line ends', () => {
    const ast = parse('\uFEFFfrom debian:12\r\nrun apt-get update\r\n  user 1000\r\n');
    expect(keywords(ast.instructions)).toEqual(['FROM', 'RUN', 'USER']);
    expect(ast.instructions[2].args).toBe('1000');
  });

  it('takes builder flags off the arguments, with quotes removed', () => {
    const ast = parse('FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nCOPY --from=build --chown="app:app" /out /out\n');
    expect(ast.instructions[0].flags).toEqual(['--platform=$BUILDPLATFORM']);
    expect(ast.instructions[0].args).toBe('golang:1.22 AS build');
    expect(ast.instructions[1].flags).toEqual(['--from=build', '--chown=app:app']);
    expect(ast.instructions[1].args).toBe('/out /out');
  });

  it('tells the JSON form from the shell form', () => {
    const ast = parse('FROM x\nRUN ["apt-get", "install", "-y", "curl"]\nRUN [not json\nCMD ["a", 1]\n');
    expect(ast.instructions[1].json).toEqual(['apt-get', 'install', '-y', 'curl']);
    expect(ast.instructions[2].json).toBeUndefined();
    expect(ast.instructions[2].args).toBe('[not json');
    // A non-string element is not the exec form: BuildKit runs it through the shell.
    expect(ast.instructions[3].json).toBeUndefined();
  });
});

describe('parseDockerfile: parser directives', () => {
  it('switches the escape token to a backtick, so Windows paths keep their backslashes', () => {
    const ast = parse('# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nCOPY testfile.txt c:\\\nRUN dir c:\\\n');
    expect(ast.escape).toBe('`');
    expect(keywords(ast.instructions)).toEqual(['FROM', 'COPY', 'RUN']);
    expect(ast.instructions[1].args).toBe('testfile.txt c:\\');
  });

  it('continues with a backtick under escape=`, and a backslash no longer continues', () => {
    const ast = parse('# escape=`\nFROM x\nRUN echo a `\n  b\nRUN echo \\\nUSER root\n');
    expect(keywords(ast.instructions)).toEqual(['FROM', 'RUN', 'RUN', 'USER']);
    expect(ast.instructions[1].args).toBe('echo a   b');
  });

  it('ignores a directive after a comment, an empty line or an instruction', () => {
    expect(parse('# hello\n# escape=`\nFROM x\nRUN a \\\n b\n').escape).toBe('\\');
    expect(parse('\n# escape=`\nFROM x\n').escape).toBe('\\');
    const ast = parse('# syntax=docker/dockerfile:1\n# check=skip=JSONArgsRecommended\n# escape=`\nFROM x\n');
    expect(ast.directives).toEqual({ syntax: 'docker/dockerfile:1', check: 'skip=JSONArgsRecommended', escape: '`' });
  });

  it('rejects a repeated directive and an escape token other than \\ or `', () => {
    expect(parseError('# escape=`\n# escape=\\\nFROM x\n').code).toBe('INVALID_DOCKERFILE');
    expect(parseError('# escape=!\nFROM x\n').code).toBe('INVALID_DOCKERFILE');
  });

  it('rejects a file with no instructions', () => {
    expect(parseError('').code).toBe('INVALID_DOCKERFILE');
    expect(parseError('# only a comment\n\n').code).toBe('INVALID_DOCKERFILE');
  });
});

describe('parseDockerfile: here-documents', () => {
  it('takes a RUN heredoc body as the script, not as instructions', () => {
    const ast = parse('FROM debian:12\nRUN <<EOF\napt-get update\nUSER root\nEOF\nUSER app\n');
    expect(keywords(ast.instructions)).toEqual(['FROM', 'RUN', 'USER']);
    const run = ast.instructions[1];
    expect(run.heredocs).toEqual([{ name: 'EOF', fd: 0, expand: true, chomp: false, content: 'apt-get update\nUSER root\n' }]);
    expect([run.startLine, run.endLine]).toEqual([2, 5]);
    expect(ast.instructions[2].args).toBe('app');
  });

  it('reads several heredocs in order, with file descriptors, quoting and <<- tab stripping', () => {
    const ast = parse("FROM x\nRUN cat /proc/self/fd/5 /proc/self/fd/6 5<<FILE1 6<<-'FILE2' > out\none\nFILE1\n\ttwo\n\tFILE2\nCOPY <<EOF /etc/motd\nhi\nEOF\n");
    const [, run, copy] = ast.instructions;
    expect(run.heredocs.map((h) => [h.name, h.fd, h.expand, h.chomp, h.content])).toEqual([
      ['FILE1', 5, true, false, 'one\n'],
      ['FILE2', 6, false, true, 'two\n'],
    ]);
    expect(copy.heredocs[0].content).toBe('hi\n');
    expect(keywords(ast.instructions)).toEqual(['FROM', 'RUN', 'COPY']);
  });

  it('has no heredocs in the JSON form or in other instructions', () => {
    const ast = parse('FROM x\nRUN ["sh", "-c", "cat <<EOF"]\nENV A=<<EOF\nUSER app\n');
    expect(keywords(ast.instructions)).toEqual(['FROM', 'RUN', 'ENV', 'USER']);
    expect(ast.instructions.every((i) => i.heredocs.length === 0)).toBe(true);
  });

  it('reads a heredoc opened by an ONBUILD trigger', () => {
    const ast = parse('FROM x\nONBUILD RUN <<EOF\necho hi\nEOF\nUSER app\n');
    expect(ast.instructions[1].trigger?.heredocs[0].content).toBe('echo hi\n');
    expect(keywords(ast.instructions)).toEqual(['FROM', 'ONBUILD', 'USER']);
  });

  it('rejects an unterminated heredoc', () => {
    expect(parseError('FROM x\nRUN <<EOF\necho hi\n').code).toBe('INVALID_DOCKERFILE');
  });
});

describe('stages', () => {
  it('expands global ARGs in FROM and resolves stage references and scratch', () => {
    const m = buildStages(parse('ARG BASE=debian:12\nARG TAG\nFROM ${BASE} AS Build\nFROM build AS final\nFROM scratch\nFROM app:${TAG}\nFROM ${MISSING:-alpine:3.20}\n'));
    expect(m.stages.map((s) => s.base)).toEqual([
      { kind: 'image', raw: '${BASE}', image: 'debian:12' },
      { kind: 'stage', raw: 'build', stage: 0 },
      { kind: 'scratch', raw: 'scratch' },
      { kind: 'unresolved', raw: 'app:${TAG}', vars: ['TAG'] },
      { kind: 'image', raw: '${MISSING:-alpine:3.20}', image: 'alpine:3.20' },
    ]);
    expect(m.stages.map((s) => s.label)).toEqual(['stage build', 'stage final', 'stage 2', 'stage 3', 'stage 4']);
  });

  it('follows the final stage down to the stages it builds on', () => {
    const m = buildStages(parse('FROM golang:1.22 AS build\nFROM debian:12 AS base\nFROM base AS app\nFROM app\n'));
    expect(finalChain(m).map((s) => s.index)).toEqual([3, 2, 1]);
  });

  it('names external COPY --from images but not stages or indexes', () => {
    const m = buildStages(parse('FROM golang:1.22 AS build\nFROM alpine:3.20\nCOPY --from=build /a /a\nCOPY --from=0 /b /b\nCOPY --from=nginx:1.27 /c /c\n'));
    expect(imageUses(m).map((u) => `${u.via} ${u.image}`)).toEqual(['FROM golang:1.22', 'FROM alpine:3.20', 'COPY --from nginx:1.27']);
  });

  it('sees ENV inherited from a parent stage, and ARG defaults re-imported from global scope', () => {
    const m = buildStages(parse('ARG USERNAME=app\nFROM python:3.12 AS base\nENV PIP_NO_CACHE_DIR=1\nARG LOCAL=x\nFROM base\nARG USERNAME\nUSER $USERNAME\n'));
    const env = stageEnv(m, m.stages[1]);
    expect(env.get('PIP_NO_CACHE_DIR')).toBe('1');
    expect(env.get('USERNAME')).toBe('app');
    expect(env.has('LOCAL')).toBe(false);
  });
});

describe('shell words', () => {
  it('expands variables as BuildKit does', () => {
    const env = new Map([['A', 'x'], ['E', '']]);
    expect(expandWord('${A}-$A-${B:-d}-${E:-e}-${E-f}-${A:+p}-\\$A-\'$A\'-"$A"', env).value).toBe('x-x-d-e--p-$A-$A-x');
    expect(expandWord('$B', env)).toEqual({ value: '', unresolved: ['B'], inexact: false });
    expect(expandWord('${A%%.*}', env).inexact).toBe(true);
  });

  it('gives up on hostile nesting instead of exhausting the stack', () => {
    const n = 20_000;
    const r = expandWord('${A:-'.repeat(n) + 'x' + '}'.repeat(n), new Map());
    expect(r.inexact).toBe(true);
    const m = buildStages(parse(`FROM ${'${A:-'.repeat(n)}x${'}'.repeat(n)}\n`));
    expect(m.stages[0].base.kind).toBe('unresolved');
  });

  it('splits a script into simple commands across operators, quotes, comments and heredocs', () => {
    const cmds = splitCommands("set -eux; apt-get update && apt-get install -y 'a b' \\\n  c | tee log # apt-get install d\ncat <<EOF > f\napt-get install e\nEOF\n(cd x && rm -rf /var/lib/apt/lists/*)");
    expect(cmds).toEqual([
      ['set', '-eux'],
      ['apt-get', 'update'],
      ['apt-get', 'install', '-y', 'a b', 'c'],
      ['tee', 'log'],
      ['cat', '<<EOF', '>', 'f'],
      ['cd', 'x'],
      ['rm', '-rf', '/var/lib/apt/lists/*'],
    ]);
  });

  it('finds the program behind assignments, sudo/env wrappers and reserved words', () => {
    expect(commandOf(['DEBIAN_FRONTEND=noninteractive', 'sudo', '-E', '/usr/bin/apt-get', 'install'])).toEqual({ program: 'apt-get', args: ['install'], assignments: ['DEBIAN_FRONTEND=noninteractive'] });
    expect(commandOf(['then', 'apk', 'add', 'x'])?.program).toBe('apk');
    expect(commandOf(['A=1'])).toBeUndefined();
  });
});

describe('real Dockerfiles', () => {
  it('docker-library/golang: a comment line inside a continued RUN is dropped', () => {
    const ast = parse(fixture('golang-alpine'));
    expect(keywords(ast.instructions)).toEqual(['FROM', 'ENV', 'ENV', 'RUN', 'FROM', 'RUN', 'ENV', 'ENV', 'ENV', 'ENV', 'COPY', 'RUN', 'WORKDIR']);
    const run = ast.instructions[3];
    expect(run.args).toContain('tar');
    expect(run.args).not.toContain("busybox's");
    expect(run.args.endsWith('[ "$SOURCE_DATE_EPOCH" = "$epoch" ]')).toBe(true);
  });

  it('microsoft/dotnet-framework-docker: escape=`, ENV pairs across commented continuation lines, FROM from a global ARG', () => {
    const m = buildStages(parse(fixture('dotnet-framework-sdk')));
    expect(m.ast.escape).toBe('`');
    expect(keywords(m.ast.instructions)).toEqual(['ARG', 'FROM', 'ENV', 'RUN', 'RUN', 'RUN', 'RUN']);
    expect(m.stages[0].base).toEqual({ kind: 'image', raw: '$REPO:4.8.1-20250410-windowsservercore-ltsc2022', image: 'mcr.microsoft.com/dotnet/framework/runtime:4.8.1-20250410-windowsservercore-ltsc2022' });
    const env = envPairs(m.stages[0].instructions[0], new Map(), '`').map((p) => [p.name, p.value]);
    expect(env).toEqual([
      ['DOTNET_GENERATE_ASPNET_CERTIFICATE', 'false'],
      ['DOTNET_USE_POLLING_FILE_WATCHER', 'true'],
      ['NUGET_VERSION', '6.13.2'],
      ['ROSLYN_COMPILER_LOCATION', 'C:\\Program Files (x86)\\Microsoft Visual Studio\\2022\\BuildTools\\MSBuild\\Current\\Bin\\Roslyn'],
    ]);
  });

  it('moby/buildkit: heredoc bodies (a RUN script, a COPY file) are not instructions', () => {
    const text = fixture('buildkit');
    const lines = text.split('\n');
    const ast = parse(text);
    const copy = ast.instructions.find((i) => i.keyword === 'COPY' && i.heredocs.length === 1) as Instruction;
    expect(copy.flags).toEqual(['--link', '--chmod=755']);
    expect(copy.heredocs[0].content.split('\n')[1]).toBe('exec dlv exec /usr/bin/buildkitd \\\\');
    const next = ast.instructions[ast.instructions.indexOf(copy) + 1];
    expect(next.startLine).toBe(lines.indexOf('ENV DELVE_PORT 5000') + 1);
    const heredocRuns = ast.instructions.filter((i) => i.keyword === 'RUN' && i.heredocs.length > 0);
    expect(heredocRuns).toHaveLength(3);
    expect(heredocRuns[2].heredocs[0].content).toContain('for attempt in $(seq "$max_retries"); do');
    // Every instruction starts on a line that begins with its keyword (heredoc bodies and
    // continuation lines never do).
    for (const ins of ast.instructions) expect(lines[ins.startLine - 1].trimStart().toUpperCase().startsWith(ins.keyword)).toBe(true);
    expect(ast.instructions.filter((i) => i.keyword === 'FROM')).toHaveLength(lines.filter((l) => /^FROM /.test(l)).length);
  });
});
