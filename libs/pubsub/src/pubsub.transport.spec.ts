import { describeWithEmulator } from './testing/emulator.testing';
import { transportContractSuite } from './testing/transport-contract.suite';
import { emulatorHarness } from './testing/transport-harness';

describeWithEmulator('Pub/Sub transport on the emulator (PubSubServer, PubSubClient)', (target) => {
  transportContractSuite(() => emulatorHarness(target));
});
