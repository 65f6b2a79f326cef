import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { bootstrapService, createServiceRegistry, Watchdog } from '@kettle/service';

@Module({})
class LoaderModule {}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8083);
  const handle = await bootstrapService({
    name: 'loader',
    module: LoaderModule,
    port,
    registry: createServiceRegistry('loader'),
    watchdog: new Watchdog(300_000),
  });
  process.stderr.write(JSON.stringify({ severity: 'INFO', message: 'loader listening', port: handle.ops.port }) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(JSON.stringify({ severity: 'ERROR', message: String(e) }) + '\n');
  process.exit(1);
});
