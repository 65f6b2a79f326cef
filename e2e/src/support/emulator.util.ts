/**
 * The end-to-end suites need the Pub/Sub emulator that the Jest global setup
 * (tools/testing/pubsub-emulator.global-setup.ts) starts. Where this machine
 * has none, they are reported as skipped with the reason, never as passed.
 * (The same rule as libs/pubsub's describeWithEmulator, which lives inside
 * that library's testing folder and is not exported.)
 */
const SKIP_REASON = 'KETTLE_PUBSUB_EMULATOR_SKIPPED';

export function describeWithEmulator(name: string, fn: () => void): void {
  if (process.env.PUBSUB_EMULATOR_HOST) {
    describe(name, fn);
    return;
  }
  describe.skip(`${name} (skipped: ${process.env[SKIP_REASON] ?? 'PUBSUB_EMULATOR_HOST is not set'})`, fn);
}
