/**
 * For test files: `describeWithEmulator(name, fn)` runs `fn`'s tests against
 * the emulator that tools/testing/pubsub-emulator.global-setup.ts started, or
 * skips them (reported as skipped, never passed) when this machine has none.
 * Test-only; tests may read the environment, the transport never does.
 */

/** Set by the global setup to the reason no emulator could be found (same name there). */
export const EMULATOR_SKIP_REASON = 'KETTLE_PUBSUB_EMULATOR_SKIPPED';

export type EmulatorTarget = { apiEndpoint: string; projectId: string };

let warned = false;

/** Where the emulator is, or undefined when the tests must be skipped. */
export function emulatorTarget(): EmulatorTarget | undefined {
  const apiEndpoint = process.env.PUBSUB_EMULATOR_HOST;
  if (!apiEndpoint) return undefined;
  return { apiEndpoint, projectId: process.env.GOOGLE_CLOUD_PROJECT ?? process.env.PUBSUB_PROJECT_ID ?? 'kettle-test' };
}

export function describeWithEmulator(name: string, fn: (target: EmulatorTarget) => void): void {
  const target = emulatorTarget();
  if (target) {
    describe(name, () => fn(target));
    return;
  }
  const reason = process.env[EMULATOR_SKIP_REASON];
  // The global setup already printed the reason once for the run; say it here
  // only when this file runs without that setup.
  if (!reason && !warned) {
    warned = true;
    console.warn(`[pubsub] SKIPPING Pub/Sub emulator tests: PUBSUB_EMULATOR_HOST is not set (see tools/testing/pubsub-emulator.global-setup.ts)`);
  }
  describe.skip(`${name} (skipped: ${reason ?? 'no Pub/Sub emulator'})`, () => fn({ apiEndpoint: 'unavailable', projectId: 'unavailable' }));
}
