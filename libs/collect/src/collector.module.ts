import { Controller, Inject, Module, type DynamicModule } from '@nestjs/common';
import { Ctx, EventPattern } from '@nestjs/microservices';
import type { PubSubContext } from '@kettle/pubsub';
import type { Watchdog } from '@kettle/service';
import { NotificationHandler } from './notification-handler';

export const NOTIFICATION_HANDLER = Symbol('NotificationHandler');
export const COLLECTOR_WATCHDOG = Symbol('CollectorWatchdog');

@Module({})
export class CollectorModule {
  /**
   * GCS change notifications, dispatched from the notification topic (the
   * topic of KETTLE_POLL). Only the attributes matter (JSON_API_V1 puts the
   * event type, bucket and object name there); the payload is not parsed.
   */
  static forRoot(opts: { notificationTopic: string; handler: NotificationHandler; watchdog: Watchdog } | null): DynamicModule {
    if (!opts) return { module: CollectorModule };
    const topic = opts.notificationTopic;
    @Controller()
    class CollectorController {
      constructor(
        @Inject(NOTIFICATION_HANDLER) private readonly handler: NotificationHandler,
        @Inject(COLLECTOR_WATCHDOG) private readonly watchdog: Watchdog,
      ) {}

      @EventPattern(topic)
      async onNotification(@Ctx() ctx: PubSubContext): Promise<void> {
        await this.watchdog.run(() => this.handler.handle(ctx.getAttributes()));
      }
    }
    return {
      module: CollectorModule,
      controllers: [CollectorController],
      providers: [
        { provide: NOTIFICATION_HANDLER, useValue: opts.handler },
        { provide: COLLECTOR_WATCHDOG, useValue: opts.watchdog },
      ],
    };
  }
}
