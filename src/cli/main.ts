import yargs, { type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { A2mError } from '../errors.js';

// Every file in ./commands exports a default yargs CommandModule: one file per
// command, discovered here so adding a command touches no shared list.
const commandsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'commands');
const files = readdirSync(commandsDir).filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts')).sort();
const commands: CommandModule[] = [];
for (const f of files) commands.push((await import(path.join(commandsDir, f))).default as CommandModule);

const verbose = process.argv.includes('--verbose');
try {
  await yargs(hideBin(process.argv))
    .scriptName('a2m')
    .command(commands)
    .option('verbose', { type: 'boolean', describe: 'print stack traces on errors', global: true })
    .demandCommand(1, 'give a command (see --help)')
    .strict()
    .help()
    .alias('h', 'help')
    .version()
    .fail((msg, err) => { throw err ?? new A2mError(msg); })
    .parseAsync();
} catch (e) {
  const err = e as Error;
  process.stderr.write(`a2m: error: ${err.message.split('\n')[0]}\n`);
  if (verbose) process.stderr.write(`${err.stack}\n`);
  process.exitCode = 1;
}
