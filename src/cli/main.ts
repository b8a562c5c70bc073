import { Command, CommanderError } from 'commander';
import { isPortcullisError } from '../errors/index.js';
import { registerConfig } from './commands/config.js';
import { registerDb } from './commands/db.js';
import { registerInstall } from './commands/install.js';
import { registerPin } from './commands/pin.js';
import { registerPolicy } from './commands/policy.js';
import { registerReadiness } from './commands/readiness.js';
import { registerSbom } from './commands/sbom.js';
import { registerScan } from './commands/scan.js';
import { registerServe } from './commands/serve.js';
import { registerImageTrustCommands } from './commands/trust-image.js';
import { registerKeyCommands } from './commands/trust-keys.js';
import { VERSION } from './version.js';

function buildProgram(): Command {
  const program = new Command();
  program
    .name('portcullis')
    .description('Know what is in an image, prove who built it, pin it, and make the cluster refuse the rest.')
    .version(VERSION)
    .option('--debug', 'print stack traces and layer reads')
    .showHelpAfterError('(run portcullis --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerScan(program);
  registerSbom(program);
  registerDb(program);
  registerConfig(program);
  registerPolicy(program);
  registerServe(program);
  registerReadiness(program);
  registerInstall(program);
  registerPin(program);
  registerKeyCommands(program);
  registerImageTrustCommands(program);
  // Let every subcommand see the global --debug flag.
  program.hook('preAction', (_root, action) => {
    if (program.opts().debug) action.setOptionValue('debug', true);
  });
  for (const c of program.commands) c.exitOverride();
  return program;
}

/** Run the CLI; returns the exit code (DESIGN.md's contract: 0, the gate's code, 1, or 2). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version "errors" are normal exits; commander already printed usage problems.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    const debug = argv.includes('--debug');
    if (isPortcullisError(e)) {
      process.stderr.write(`portcullis: error: ${e.toLine()}\n`);
      if (debug && e.stack) process.stderr.write(e.stack + '\n');
      return e.exitCode;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    process.stderr.write(`portcullis: error: ${err.message}\n`);
    process.stderr.write(debug ? `${err.stack ?? ''}\n` : 'hint: rerun with --debug for details\n');
    return 2;
  }
}
