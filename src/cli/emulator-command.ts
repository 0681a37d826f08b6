import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  EMULATOR_OPTIONS,
  resolveEmulatorOptions,
  type EmulatorOptions,
} from '../config/emulator-options.js';
import { ConfigError } from '../errors/index.js';
import { startEmulator, type RunningEmulator } from '../emulator/index.js';
import { waitForShutdown } from './shutdown.js';

export function registerEmulatorCommand(program: Command): void {
  const cmd = program
    .command('emulator')
    .description('Run a local Salesforce org (REST, SOAP, Bulk 2.0/1.0) for development and CI.');
  for (const spec of Object.values(EMULATOR_OPTIONS)) {
    if ('flag' in spec) cmd.option(spec.flag, `${spec.description} (env ${spec.env})`);
  }
  cmd.action(async (flags: Record<string, unknown>) => {
    const options = resolveEmulatorOptions({ flags: { ...flags, jwtPublicKeyFile: flags.jwtPublicKey } });
    const running = await launchEmulator(options);
    printConnectionHelp(running, options);
    await waitForShutdown(() => running.close());
  });
}

export async function launchEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  let jwtPublicKey: string | undefined;
  if (options.jwtPublicKeyFile) {
    try {
      jwtPublicKey = await readFile(options.jwtPublicKeyFile, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read the JWT public key ${options.jwtPublicKeyFile}`, {
        hint: 'pass a PEM file readable by this user',
        cause: err,
      });
    }
  }
  try {
    return await startEmulator({
      port: options.port,
      host: options.host,
      seed: options.seed,
      ...(options.records !== undefined ? { records: options.records } : {}),
      ...(options.schema !== undefined ? { schemaFile: options.schema } : {}),
      ...(options.state !== undefined ? { stateFile: options.state } : {}),
      username: options.username,
      password: options.password,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      ...(jwtPublicKey !== undefined ? { jwtPublicKey } : {}),
      dailyApiLimit: options.dailyApiLimit,
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new ConfigError(`port ${options.port} on ${options.host} is already in use`, {
        hint: 'pass --port <n> (or 0 for a free port)',
        cause: err,
      });
    }
    throw err;
  }
}

/**
 * What a person needs to connect, printed to stdout. Default credentials are shown as they are (they
 * are documented defaults); credentials the user chose are shown only as the variable holding them.
 */
export function printConnectionHelp(running: RunningEmulator, options: EmulatorOptions): void {
  const defaults = EMULATOR_OPTIONS;
  const password =
    options.password === defaults.password.default ? options.password : '"$FERRY_EMULATOR_PASSWORD"';
  const secret =
    options.clientSecret === defaults.clientSecret.default
      ? options.clientSecret
      : '"$FERRY_EMULATOR_CLIENT_SECRET"';
  const lines = [
    `Salesforce emulator listening on ${running.instanceUrl}`,
    `  login URL / instance URL: ${running.loginUrl}`,
    `  username:                 ${running.username}`,
    `  password:                 ${password === options.password ? `${password} (the default; FERRY_EMULATOR_PASSWORD changes it)` : 'from FERRY_EMULATOR_PASSWORD'}`,
    `  client id:                ${running.clientId}`,
    '',
    'Get a token:',
    `  TOKEN=$(curl -s ${running.loginUrl}/services/oauth2/token -d grant_type=password \\`,
    `    -d client_id=${running.clientId} -d client_secret=${secret} \\`,
    `    -d username=${running.username} -d password=${password} | sed 's/.*"access_token":"\\([^"]*\\)".*/\\1/')`,
    'Then:',
    `  curl -s -H "Authorization: Bearer $TOKEN" "${running.instanceUrl}/services/data/v62.0/query?q=SELECT+Id,Name+FROM+Account+LIMIT+5"`,
    '',
    `jsforce: new jsforce.Connection({ loginUrl: '${running.loginUrl}' }).login(username, password)`,
    `Control surface (tests, demos): ${running.instanceUrl}/__emulator — see docs/emulator.md`,
    'Press Ctrl-C to stop.',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
