import { describe, expect, it } from 'vitest';
import { ReadBudget } from '../../server/transports/read-budget.js';
import { configFromObject } from '../../server/config/load.js';

describe('a read budget', () => {
  it('lets a burst through, then asks the reader to wait until the rate has paid for what was read', () => {
    let now = 0;
    const budget = new ReadBudget(1000, 4000, () => now);
    expect(budget.charge(4000)).toBe(0);
    // 1500 bytes over: 1.5 s at 1000 bytes/s.
    expect(budget.charge(1500)).toBe(1500);
    now = 1000;
    expect(budget.delay()).toBe(500);
    now = 1500;
    expect(budget.delay()).toBe(0);
  });

  it('saves no more than the burst, however long the client was quiet', () => {
    let now = 0;
    const budget = new ReadBudget(1000, 2000, () => now);
    now = 60_000;
    expect(budget.charge(2000)).toBe(0);
    expect(budget.charge(1000)).toBe(1000);
  });

  it('is configured in [limits], with a floor of 1 KiB', () => {
    expect(() => configFromObject({ limits: { read_rate: '100B' } }, '/tmp')).toThrow(/read_rate.*at least 1KiB/s);
    const config = configFromObject({ limits: { read_rate: '20KiB', read_burst: '1MiB' } }, '/tmp');
    expect(config.limits).toMatchObject({ read_rate: 20 * 1024, read_burst: 1024 ** 2 });
  });
});
