import type { CommandRegistrar } from '../main.js';

/** Every command of the command line, in the order `--help` lists them. */
export const commandRegistrars: CommandRegistrar[] = [];
