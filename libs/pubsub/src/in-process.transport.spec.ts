import { transportContractSuite } from './testing/transport-contract.suite';
import { inProcessHarness } from './testing/transport-harness';

describe('in-process transport (InProcessServer, InProcessClient, InProcessBus)', () => {
  transportContractSuite(inProcessHarness);
});
