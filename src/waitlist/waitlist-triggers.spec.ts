import { WaitlistService } from './waitlist.service';
import { WaitlistTriggers } from './waitlist-triggers';

type WaitingDay = { providerId: number; date: string };

/** The waitlist as the triggers use it: each offer and each lookup of a provider's days answers when the test says. */
class ControlledWaitlist {
  readonly offered: string[] = [];
  private readonly offers: (() => void)[] = [];
  private readonly lookups: ((days: WaitingDay[]) => void)[] = [];

  // Plain promises, not async functions: an answer reaches its caller in one turn, as a query's does.
  offerFor(providerId: number, date: string): Promise<number> {
    this.offered.push(`${providerId}|${date}`);
    return new Promise((resolve) => this.offers.push(() => resolve(0)));
  }

  waitingDays(providerId?: number): Promise<WaitingDay[]> {
    // The reconcile at start finds nobody waiting.
    if (providerId === undefined) return Promise.resolve([]);
    return new Promise((resolve) => this.lookups.push(resolve));
  }

  finishOffers(): void {
    for (const finish of this.offers.splice(0)) finish();
  }

  answerLookup(days: WaitingDay[]): void {
    this.lookups.shift()!(days);
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe(WaitlistTriggers.name, () => {
  let waitlist: ControlledWaitlist;
  let sut: WaitlistTriggers;

  beforeEach(() => {
    waitlist = new ControlledWaitlist();
    sut = new WaitlistTriggers(waitlist as unknown as WaitlistService);
    sut.onApplicationBootstrap();
  });

  afterEach(async () => {
    waitlist.finishOffers();
    await sut.beforeApplicationShutdown();
  });

  it('works a day queued while the last day of the queue is being finished', async () => {
    sut.queue(1, '2030-01-07');
    sut.hoursChanged({ providerId: 1 });
    expect(waitlist.offered).toEqual(['1|2030-01-07']);

    // The last offer and the hours change's lookup answer in one turn (two queries' replies read together):
    // the lookup queues its day after the loop found the queue empty, before the loop is done.
    waitlist.finishOffers();
    waitlist.answerLookup([{ providerId: 1, date: '2030-01-08' }]);
    await turn();

    expect(waitlist.offered).toEqual(['1|2030-01-07', '1|2030-01-08']);
  });

  it('works each day queued meanwhile once, in order, and none after shutdown', async () => {
    sut.queue(1, '2030-01-07');
    sut.queue(1, '2030-01-08');
    sut.queue(2, '2030-01-07');
    sut.queue(1, '2030-01-08');
    for (let i = 0; i < 3; i++) {
      waitlist.finishOffers();
      await turn();
    }
    expect(waitlist.offered).toEqual(['1|2030-01-07', '1|2030-01-08', '2|2030-01-07']);

    await sut.beforeApplicationShutdown();
    sut.queue(1, '2030-01-09');
    await turn();
    expect(waitlist.offered).toHaveLength(3);
  });
});
