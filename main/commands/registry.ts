// Every `vhr-agent` command, in the order `vhr-agent help` lists them. Modules load only when
// their command runs (or help is asked for), so `vhr-agent validate` does not start the agent's
// code. A new command: a module exporting a Command (command.ts), and one line here.
import type { Command, CommandGroup } from './command.js';

export interface RegistryEntry {
  name: string;
  load: () => Promise<Command | CommandGroup>;
}

export const COMMANDS: readonly RegistryEntry[] = [
  { name: 'run', load: async () => (await import('./run.js')).command },
  { name: 'setup', load: async () => (await import('./setup.js')).command },
  { name: 'demo', load: async () => (await import('./demo.js')).command },
  { name: 'convert', load: async () => (await import('./convert.js')).command },
  { name: 'validate', load: async () => (await import('./validate.js')).command },
  { name: 'check', load: async () => (await import('./check.js')).command },
  { name: 'status', load: async () => (await import('./status.js')).command },
  { name: 'retry', load: async () => (await import('./actions.js')).retryCommand },
  { name: 'resend', load: async () => (await import('./actions.js')).resendCommand },
  { name: 'cancel', load: async () => (await import('./actions.js')).cancelCommand },
  { name: 'pause', load: async () => (await import('./actions.js')).pauseCommand },
  { name: 'resume', load: async () => (await import('./actions.js')).resumeCommand },
  { name: 'keys', load: async () => (await import('./keys.js')).command },
  { name: 'users', load: async () => (await import('./users.js')).command },
  { name: 'generate', load: async () => (await import('./generate.js')).command },
  { name: 'config', load: async () => (await import('./config.js')).command },
];

export const isGroup = (c: Command | CommandGroup): c is CommandGroup => 'subcommands' in c;
