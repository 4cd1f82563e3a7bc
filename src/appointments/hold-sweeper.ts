import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { throttledWarning } from '../common/log-throttle';
import { holdsConfig } from '../config/namespaces';
import { HoldExpiryService } from './hold-expiry.service';

/**
 * Notices lapsed holds when nobody looks: every few seconds, in every process, one sweep marks the
 * lapsed ones expired (HoldExpiryService). A timer loop rather than @nestjs/schedule: one timer, and
 * shutdown waits for the sweep in hand.
 */
@Injectable()
export class HoldSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(HoldSweeper.name);
  private readonly warnDown = throttledWarning(this.logger);
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private running = false;

  constructor(
    private readonly expiry: HoldExpiryService,
    @Inject(holdsConfig.KEY) private readonly settings: ConfigType<typeof holdsConfig>,
  ) {}

  onApplicationBootstrap(): void {
    this.running = true;
    this.schedule(0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.sweeping;
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.sweeping = this.sweep().finally(() => (this.sweeping = undefined));
    }, delayMs);
  }

  private async sweep(): Promise<void> {
    let fullBatch = false;
    try {
      fullBatch = (await this.expiry.sweep()) === this.settings.sweepBatchSize;
    } catch (error) {
      this.warnDown(`Lapsed holds not swept, will retry: ${error instanceof Error ? error.message : String(error)}`);
    }
    // A full batch: more may have lapsed, so sweep again at once.
    this.schedule(fullBatch ? 0 : this.settings.sweepIntervalMs);
  }
}
