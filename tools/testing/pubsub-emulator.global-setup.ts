/**
 * Jest globalSetup: one Pub/Sub emulator per Jest run, shared by the test
 * files through PUBSUB_EMULATOR_HOST (workers inherit the environment).
 *
 * - PUBSUB_EMULATOR_HOST already set (e.g. CI runs its own): used as is.
 * - No emulator on this machine: KETTLE_PUBSUB_EMULATOR_SKIPPED is set, one
 *   line says why, and `describeWithEmulator` suites (libs/pubsub/src/testing)
 *   are skipped (reported as skipped).
 * - An emulator that exists but does not start fails the run.
 */
import { DEFAULT_EMULATOR_PROJECT, findPubSubEmulator, startPubSubEmulator, type RunningEmulator } from '../pubsub-emulator/pubsub-emulator';

/** Read by describeWithEmulator (libs/pubsub/src/testing/emulator.testing.ts) to skip with this reason. */
const EMULATOR_SKIP_REASON = 'KETTLE_PUBSUB_EMULATOR_SKIPPED';

export const EMULATOR_HANDLE = Symbol.for('kettle.pubsubEmulator');
type WithEmulator = typeof globalThis & { [EMULATOR_HANDLE]?: RunningEmulator };

export default async function globalSetup(): Promise<void> {
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  if (process.env.PUBSUB_EMULATOR_HOST) {
    process.env.GOOGLE_CLOUD_PROJECT ??= DEFAULT_EMULATOR_PROJECT;
    return;
  }
  const lookup = await findPubSubEmulator(process.env.PUBSUB_EMULATOR_LAUNCHER);
  if (!lookup.ok) {
    process.env[EMULATOR_SKIP_REASON] = lookup.reason;
    console.warn(`\n[pubsub] SKIPPING Pub/Sub emulator tests: ${lookup.reason}`);
    return;
  }
  const emulator = await startPubSubEmulator({ launcher: lookup.launcher, projectId: process.env.GOOGLE_CLOUD_PROJECT ?? DEFAULT_EMULATOR_PROJECT });
  Object.assign(process.env, emulator.env);
  (globalThis as WithEmulator)[EMULATOR_HANDLE] = emulator;
}
