import { Controller, Inject, Module, type DynamicModule } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { BuildMessage } from '@kettle/model';
import type { Watchdog } from '@kettle/service';
import { BuildHandler } from './build-handler';

export const BUILD_HANDLER = Symbol('BuildHandler');
export const TRANSFORMER_WATCHDOG = Symbol('TransformerWatchdog');

@Module({})
export class TransformerModule {
  /**
   * The transformer's message handling, dispatched from `buildsTopic`. The
   * pattern comes from configuration (KETTLE_BUILDS_TOPIC), so the controller
   * class is made here rather than decorated with a fixed string.
   */
  static forRoot(opts: { buildsTopic: string; handler: BuildHandler; watchdog: Watchdog }): DynamicModule {
    @Controller()
    class TransformerController {
      constructor(
        @Inject(BUILD_HANDLER) private readonly handler: BuildHandler,
        @Inject(TRANSFORMER_WATCHDOG) private readonly watchdog: Watchdog,
      ) {}

      @EventPattern(opts.buildsTopic)
      async onBuild(@Payload() msg: BuildMessage): Promise<void> {
        await this.watchdog.run(() => this.handler.handle(msg));
      }
    }
    return {
      module: TransformerModule,
      controllers: [TransformerController],
      providers: [
        { provide: BUILD_HANDLER, useValue: opts.handler },
        { provide: TRANSFORMER_WATCHDOG, useValue: opts.watchdog },
      ],
    };
  }
}
