/** Jest globalTeardown: stops the emulator globalSetup started (none if the host was given). */
import type { RunningEmulator } from '../pubsub-emulator/pubsub-emulator';
import { EMULATOR_HANDLE } from './pubsub-emulator.global-setup';

type WithEmulator = typeof globalThis & { [EMULATOR_HANDLE]?: RunningEmulator };

export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as WithEmulator;
  const emulator = holder[EMULATOR_HANDLE];
  delete holder[EMULATOR_HANDLE];
  await emulator?.stop();
}
