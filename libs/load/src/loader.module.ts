import { Controller, Inject, Module, type DynamicModule } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { RowMessage } from '@kettle/model';
import type { Watchdog } from '@kettle/service';
import { RowHandler } from './row-handler';

export const ROW_HANDLER = Symbol('RowHandler');
export const LOADER_WATCHDOG = Symbol('LoaderWatchdog');

@Module({})
export class LoaderModule {
  /** The loader's message handling, dispatched from `rowsTopic` (KETTLE_ROWS_TOPIC). */
  static forRoot(opts: { rowsTopic: string; handler: RowHandler; watchdog: Watchdog }): DynamicModule {
    @Controller()
    class LoaderController {
      constructor(
        @Inject(ROW_HANDLER) private readonly handler: RowHandler,
        @Inject(LOADER_WATCHDOG) private readonly watchdog: Watchdog,
      ) {}

      @EventPattern(opts.rowsTopic)
      async onRow(@Payload() msg: RowMessage): Promise<void> {
        await this.watchdog.run(() => this.handler.handle(msg));
      }
    }
    return {
      module: LoaderModule,
      controllers: [LoaderController],
      providers: [
        { provide: ROW_HANDLER, useValue: opts.handler },
        { provide: LOADER_WATCHDOG, useValue: opts.watchdog },
      ],
    };
  }
}
