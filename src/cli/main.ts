import yargs, { type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { A2mError } from '../errors.js';
import { COMMANDS, type CommandName } from './registry.js';

/**
 * Only the command being run is loaded (commands/<name>.js, whose heavy
 * imports are themselves loaded by its handler): `a2m --help` and a typo
 * load no command module at all, `a2m transcribe` on ONNX never loads
 * TensorFlow. The others are listed from the registry's usage lines.
 */
const argv = hideBin(process.argv);
const requested = argv.find((a) => !a.startsWith('-') && Object.hasOwn(COMMANDS, a)) as CommandName | undefined;

async function commandModule(name: CommandName): Promise<CommandModule> {
  if (name === requested) return (await import(`./commands/${name}.js`)).default as CommandModule;
  return { ...COMMANDS[name], builder: (y) => y, handler: () => {} };
}

/**
 * yargs renders the running command's whole help text just after calling its
 * handler (usage.cacheHelpMessage, to print should the command fail), which is
 * string-width work on the main thread while the handler waits on its first
 * await (`a2m transcribe` then has not yet started decoding). That text is never
 * shown here: .fail() below throws instead of printing help, and help itself
 * (--help) is rendered on its own path. So the caching is skipped; if this
 * yargs lacks the hook, nothing changes.
 */
function skipCachedHelp(parser: object): void {
  const usage = (parser as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: unknown } } })
    .getInternalMethods?.().getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

const verbose = argv.includes('--verbose');
try {
  const commands = await Promise.all((Object.keys(COMMANDS) as CommandName[]).map(commandModule));
  const parser = yargs(argv);
  skipCachedHelp(parser);
  await parser
    .scriptName('a2m')
    .command(commands)
    .option('verbose', { type: 'boolean', describe: 'print stack traces on errors, and TensorFlow\'s start-up log', global: true })
    .demandCommand(1, 'give a command (see --help)')
    .recommendCommands()
    .strict()
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(120, process.stdout.columns ?? 100))
    .fail((msg, err) => { throw err ?? new A2mError(msg); })
    .parseAsync();
} catch (e) {
  const err = e as Error;
  // The whole message: yargs puts the useful part on later lines ("Invalid values:\n  Argument: events, Given: ...").
  const lines = err.message.split('\n').map((l) => l.trim()).filter(Boolean);
  process.stderr.write(`a2m: error: ${lines.join(' ')}\n`);
  if (verbose) process.stderr.write(`${err.stack}\n`);
  process.exitCode = 1;
}
