/**
 * The `layerlab` command line: one table of subcommands, each in its own file.
 * A command returns its exit code; errors that reach here are printed, never thrown,
 * so that a bad input gives a message and a non-zero exit instead of a stack trace.
 */
import { CliError, type Command } from './command';

const commands: Record<string, () => Promise<Command>> = {};

/** Registers a subcommand; each command module is loaded only when it runs. */
function add(name: string, load: () => Promise<{ command: Command }>): void {
  commands[name] = async () => (await load()).command;
}

// One line per subcommand.
add('train', () => import('./train'));
add('gradcheck', () => import('./gradcheck'));
add('sweep', () => import('./sweep'));
add('trial', () => import('./trial'));
add('import', () => import('./import'));
add('export', () => import('./export'));
add('predict', () => import('./predict'));
add('runs', () => import('./runs'));
add('ui', () => import('./ui'));

async function usage(): Promise<string> {
  const names = Object.keys(commands).sort();
  const summaries = await Promise.all(names.map(async (n) => (await commands[n]()).summary));
  const width = Math.max(...names.map((n) => n.length));
  return [
    'usage: layerlab <command> [options]',
    '',
    'commands:',
    ...names.map((n, i) => `  ${n.padEnd(width)}  ${summaries[i]}`),
    '',
    "Run 'layerlab <command> --help' for a command's options.",
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(await usage());
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    console.error(`layerlab: unknown command '${name}'\n\n${await usage()}`);
    return 2;
  }
  try {
    const command = await load();
    return await command.run(rest);
  } catch (error) {
    if (error instanceof CliError) {
      console.error(`layerlab ${name}: ${error.message}`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    console.error(`layerlab ${name}: ${message}`);
    return 1;
  }
}
