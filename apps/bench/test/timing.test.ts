import {
  isIdle,
  median,
  mergeTiming,
  quantile,
  settle,
  summarize,
  timeArms,
  timeArmsAsync,
  timeMedian,
  timeMedianAsync,
  TimingLog,
  type TimingOptions,
} from '../src/perf/timing';
import { tf } from '@moe-zoo/core';
import { ReportValidationError, validateReport } from '../src/schema';
import { classifierReport } from './fixtures/reports';

/**
 * A fake clock: every arm advances it by its own next duration when it runs, and the calls are
 * logged, so samples and call order are known exactly.
 */
function fakeBench(durations: Record<string, number[]>) {
  let t = 0;
  const calls: string[] = [];
  const used: Record<string, number> = {};
  const arms = Object.keys(durations).map((name) => ({
    name,
    run: () => {
      calls.push(name);
      const i = used[name] ?? 0;
      used[name] = i + 1;
      t += durations[name][i];
    },
  }));
  const options: TimingOptions = { now: () => t, loadavg: () => 0, threads: 2 };
  return { arms, calls, options };
}

describe('timeArms', () => {
  it('does not count warm-up passes', () => {
    // Warm-up calls take 1000 ms; the timed ones 3, 1, 2.
    const { arms, calls, options } = fakeBench({ a: [1000, 1000, 3, 1, 2] });
    const t = timeArms(arms, { ...options, warmup: 2, reps: 3 });
    expect(calls).toHaveLength(5);
    expect(t.arms.a.samplesMs).toEqual([3, 1, 2]);
    expect(t.arms.a.maxMs).toBe(3);
    expect(t.reps).toBe(3);
  });

  it('interleaves the arms, rotating the order every round', () => {
    const { arms, calls, options } = fakeBench({
      a: [1, 1, 1, 1, 1],
      b: [1, 1, 1, 1, 1],
      c: [1, 1, 1, 1, 1],
    });
    timeArms(arms, { ...options, warmup: 1, reps: 4 });
    expect(calls.join(' ')).toBe(
      [
        'a b c', // warm-up
        'a b c',
        'b c a',
        'c a b',
        'a b c',
      ].join(' '),
    );
  });

  it('attributes each sample to its arm whatever the order', () => {
    const { arms, options } = fakeBench({
      a: [0, 10, 11, 12],
      b: [0, 20, 21, 22],
    });
    const t = timeArms(arms, { ...options, reps: 3 });
    expect(t.arms.a.samplesMs).toEqual([10, 11, 12]);
    expect(t.arms.b.samplesMs).toEqual([20, 21, 22]);
  });

  it('reports median, min, max and IQR of known samples', () => {
    const { arms, options } = fakeBench({ a: [0, 5, 1, 4, 2, 3, 100] });
    const t = timeArms(arms, { ...options, reps: 6 });
    expect(t.arms.a.samplesMs).toEqual([5, 1, 4, 2, 3, 100]);
    expect(t.arms.a.medianMs).toBe(3.5);
    expect(t.arms.a.minMs).toBe(1);
    expect(t.arms.a.maxMs).toBe(100);
    // Sorted 1 2 3 4 5 100: q1 at position 1.25 = 2.25, q3 at 3.75 = 4.75.
    expect(t.arms.a.iqrMs).toBeCloseTo(2.5, 12);
  });

  it('leaves out the IQR with fewer than 4 samples', () => {
    const { arms, options } = fakeBench({ a: [0, 7, 9, 8] });
    const t = timeArms(arms, { ...options, reps: 3 });
    expect(t.arms.a.medianMs).toBe(8);
    expect(t.arms.a.iqrMs).toBeUndefined();
  });

  it('calls onRep once per timed round', () => {
    const { arms, options } = fakeBench({ a: [1, 1, 1, 1], b: [1, 1, 1, 1] });
    const reps: number[] = [];
    timeArms(arms, { ...options, reps: 3, onRep: (r) => reps.push(r) });
    expect(reps).toEqual([0, 1, 2]);
  });

  it('rejects bad options', () => {
    const { arms, options } = fakeBench({ a: [1, 1] });
    expect(() => timeArms([], options)).toThrow(RangeError);
    expect(() => timeArms(arms, { ...options, reps: 0 })).toThrow(RangeError);
    expect(() => timeArms(arms, { ...options, warmup: -1 })).toThrow(RangeError);
    expect(() => timeArms([...arms, ...arms], options)).toThrow(/differ/);
  });

  it('runs with the real clock and load average by default', () => {
    let n = 0;
    const t = timeArms([{ name: 'x', run: () => void n++ }], { threads: 1 });
    expect(n).toBe(6); // 1 warm-up + 5 timed
    expect(t.arms.x.samplesMs).toHaveLength(5);
    expect(t.arms.x.minMs).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(t.loadavg)).toBe(true);
  });
});

describe('the idle flag', () => {
  const arm = () => [{ name: 'a', run: () => undefined }];
  const withLoad = (before: number, after: number, threads: number) => {
    const readings = [before, after];
    return timeArms(arm(), { now: () => 0, loadavg: () => readings.shift() as number, threads });
  };

  it('is true when the load average stays within the bench threads + 0.5', () => {
    const t = withLoad(1.9, 2.5, 2);
    expect(t.idle).toBe(true);
    expect(t.loadavg).toBe(2.5);
    expect(t.threads).toBe(2);
  });

  it('is false when the load before or after exceeds the bench threads + 0.5', () => {
    expect(withLoad(2.6, 1, 2).idle).toBe(false);
    expect(withLoad(1, 2.6, 2).idle).toBe(false);
    expect(withLoad(1.4, 1.4, 1).idle).toBe(true);
    expect(withLoad(1.6, 1.4, 1).idle).toBe(false);
  });

  it('follows the rule of isIdle', () => {
    expect(isIdle(4.5, 4)).toBe(true);
    expect(isIdle(4.51, 4)).toBe(false);
  });
});

describe('timeMedian', () => {
  it('is timeArms with one arm', () => {
    let t = 0;
    const durations = [50, 4, 6, 5];
    let i = 0;
    const r = timeMedian(() => void (t += durations[i++]), {
      now: () => t,
      loadavg: () => 9,
      threads: 2,
      reps: 3,
    });
    expect(i).toBe(4);
    expect(r).toMatchObject({ medianMs: 5, minMs: 4, maxMs: 6, samplesMs: [4, 6, 5] });
    expect(r).toMatchObject({ idle: false, loadavg: 9, reps: 3 });
  });
});

describe('timeArmsAsync', () => {
  it('gives the event loop a turn between synchronous arms, so a Ctrl-C is handled while timing', async () => {
    let turns = 0;
    const seen: number[] = [];
    const tick = () => {
      turns++;
      if (turns < 1000) setImmediate(tick);
    };
    setImmediate(tick);
    await timeArmsAsync([{ name: 'a', run: () => void seen.push(turns) }], {
      loadavg: () => 0,
      threads: 1,
      reps: 4,
    });
    // Without a turn between calls every call would see the same count (one macrotask).
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('times like timeArms: same rotation, warm-up and samples for synchronous arms', async () => {
    const sync = fakeBench({ a: [9, 3, 1, 2], b: [9, 4, 5, 6] });
    const async = fakeBench({ a: [9, 3, 1, 2], b: [9, 4, 5, 6] });
    const t = timeArms(sync.arms, { ...sync.options, reps: 3 });
    const u = await timeArmsAsync(async.arms, { ...async.options, reps: 3 });
    expect(async.calls).toEqual(sync.calls);
    expect(u).toEqual(t);
  });

  it('awaits an arm that returns a promise inside its timed span', async () => {
    let t = 0;
    const arms = [
      {
        name: 'device',
        // The work "finishes" (the clock advances) only when the promise resolves.
        run: () => new Promise<void>((resolve) => setImmediate(() => ((t += 7), resolve()))),
      },
      { name: 'host', run: () => void (t += 2) },
    ];
    const r = await timeArmsAsync(arms, { now: () => t, loadavg: () => 0, threads: 1, reps: 2 });
    expect(r.arms.device.samplesMs).toEqual([7, 7]);
    expect(r.arms.host.samplesMs).toEqual([2, 2]);
    const one = await timeMedianAsync(() => Promise.resolve(void (t += 5)), {
      now: () => t,
      loadavg: () => 0,
      threads: 1,
      reps: 3,
      warmup: 0,
    });
    expect(one.samplesMs).toEqual([5, 5, 5]);
    await expect(timeArmsAsync([], {})).rejects.toThrow(RangeError);
  });
});

describe('settle', () => {
  it('reads the tensors back where reads are synchronous and disposes them', () => {
    const before = tf.memory().numTensors;
    const a = tf.ones([3]);
    const b = tf.zeros([2, 2]);
    expect(settle([a, b])).toBeUndefined();
    expect(a.isDisposed && b.isDisposed).toBe(true);
    expect(settle(tf.tensor([]))).toBeUndefined();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('statistics helpers', () => {
  it('median and quantile', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
    expect(() => median([])).toThrow(RangeError);
    expect(summarize([2, 2, 2, 2]).iqrMs).toBe(0);
  });
});

describe('merging timings of a suite', () => {
  it('is idle only if every timing was, with the highest load and the fewest rounds', () => {
    const log = new TimingLog();
    expect(log.summary()).toBeUndefined();
    log.add({ idle: true, loadavg: 1.2, reps: 5 });
    expect(log.summary()).toEqual({ idle: true, loadavg: 1.2, reps: 5 });
    const t = log.add({ idle: false, loadavg: 3.1, reps: 7 });
    expect(t.loadavg).toBe(3.1);
    expect(log.summary()).toEqual({ idle: false, loadavg: 3.1, reps: 5 });
    expect(mergeTiming([undefined, { idle: true, loadavg: 0.5, reps: 3 }])).toEqual({
      idle: true,
      loadavg: 0.5,
      reps: 3,
    });
    expect(mergeTiming([])).toBeUndefined();
  });
});

describe('the timing field of a suite report', () => {
  it('is optional, so reports written before it stay valid', () => {
    const report = classifierReport();
    expect(report.timing).toBeUndefined();
    expect(() => validateReport(report, 'old')).not.toThrow();
  });

  it('validates idle, loadavg and reps', () => {
    const timing = { idle: true, loadavg: 1.5, reps: 5 };
    expect(validateReport({ ...classifierReport(), timing }, 'new').timing).toEqual(timing);
    expect(() => validateReport({ ...classifierReport(), timing: { ...timing, reps: 0 } }, 'bad')).toThrow(
      ReportValidationError,
    );
    expect(() => validateReport({ ...classifierReport(), timing: { ...timing, threads: 2 } }, 'bad')).toThrow(
      /timing\.threads/,
    );
  });
});
