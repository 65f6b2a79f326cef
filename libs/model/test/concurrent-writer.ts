// Child process for the two-process test: writes builds in small transactions
// through KettleStore while the parent reads the same file.
import { KettleStore } from '../src/store/kettle-store';

const [dbPath, countText] = process.argv.slice(2);
const store = KettleStore.open(dbPath);
const count = Number(countText);
for (let i = 0; i < count; i += 10) {
  store.transaction(() => {
    for (let j = i; j < i + 10 && j < count; j++) {
      store.insertBuild(`gs://b/logs/job/${j}`, { timestamp: 1 }, { timestamp: 1000 + j });
    }
  });
}
store.close();
process.stdout.write('done\n');
