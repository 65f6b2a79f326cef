import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { bootstrapService, createServiceRegistry, Watchdog } from '@kettle/service';

@Module({})
class TransformerModule {}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8082);
  const handle = await bootstrapService({
    name: 'transformer',
    module: TransformerModule,
    port,
    registry: createServiceRegistry('transformer'),
    watchdog: new Watchdog(300_000),
  });
  process.stderr.write(JSON.stringify({ severity: 'INFO', message: 'transformer listening', port: handle.ops.port }) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(JSON.stringify({ severity: 'ERROR', message: String(e) }) + '\n');
  process.exit(1);
});
